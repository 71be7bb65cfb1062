"""What the jury's readers share: which entries a session judges, how a sheet's scores make a total,
and how its log replays into the sheet. A leaf among the jury modules: `sheets` (the writes),
`assignments`, `results`, `public_vote` and `live` read it, and it imports none of them.

- `scope_query`: the submitted entries of the session's round, in its challenges.
- `scoring_window`: whether the session's scoring (and its public vote) is not started, open or over.
- `weighted_total` and `SHEET_TOTAL`: the weighted mean on 0-100, in Python and in SQL (the one the
  database computes at every save), so that both agree by construction.
- `replay`: (field, criterion, new value) rows of the append-only score log → `SheetState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tortoise.queryset import QuerySet

from events.models import (
    Entry,
    EntryStatus,
    JurySession,
    JurySessionChallenge,
    SessionStatus,
    SheetStatus,
)


class Window(StrEnum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    OVER = "over"


def scoring_window(session: JurySession, now: datetime) -> Window:
    """Where the server's clock stands against a session's window: its status first, then
    [opens_at, closes_at). The one rule that the juror's pages, the score writes and the public vote
    all read."""
    if session.status == SessionStatus.SCHEDULED:
        return Window.NOT_STARTED
    if session.status != SessionStatus.OPEN:
        return Window.OVER
    if session.opens_at is not None and now < session.opens_at:
        return Window.NOT_STARTED
    if session.closes_at is not None and now >= session.closes_at:
        return Window.OVER
    return Window.OPEN


async def scope_query(session: JurySession) -> QuerySet[Entry]:
    """Submitted entries of the session's round, in its challenges (all of the round's if none)."""
    query = Entry.filter(round_id=session.round_id, status=EntryStatus.SUBMITTED)
    challenge_ids = await JurySessionChallenge.filter(session_id=session.id).values_list(
        "challenge_id", flat=True
    )
    if challenge_ids:
        query = query.filter(challenge_id__in=list(challenge_ids))
    return query.order_by("id")


async def entries_in_scope(session: JurySession) -> list[Entry]:
    return await (await scope_query(session))


def weighted_total(values: list[tuple[float, float, float, float]]) -> float | None:
    """The weighted mean on 0-100 of (value, weight, scale_min, scale_max) rows; None when empty."""
    if not values:
        return None
    weights = sum(weight for _value, weight, _low, _high in values)
    points = sum(weight * (value - low) / (high - low) for value, weight, low, high in values)
    return 100.0 * points / weights


# The weighted mean on 0-100 of a sheet's scores, computed by the database.
SHEET_TOTAL = (
    "SELECT 100.0 * SUM(c.weight * (s.value - c.scale_min) / (c.scale_max - c.scale_min)) "
    "/ SUM(c.weight) AS total "
    "FROM score s JOIN criterion c ON c.id = s.criterion_id WHERE s.sheet_id = {sheet}"
)


@dataclass
class SheetState:
    """What a sheet says: a value per criterion id, the comment, the private note and the status."""

    values: dict[int, float] = field(default_factory=dict)
    comment: str = ""
    private_note: str = ""
    status: str = SheetStatus.DRAFT


def replay(entries: list[tuple[str, int | None, str | None]]) -> SheetState:
    """Apply (field, criterion id, new value) log rows in order."""
    state = SheetState()
    for name, criterion_id, new in entries:
        if name == "value":
            assert criterion_id is not None
            if new is None:
                state.values.pop(criterion_id, None)
            else:
                state.values[criterion_id] = float(new)
        elif name == "status":
            state.status = new or SheetStatus.DRAFT
        else:
            setattr(state, name, new or "")
    return state
