"""Pairwise judging: a juror sees one entry, then the next one chosen for them, and says which of
the two is better (docs/PAIRWISE.md, "The pairwise mode").

The log is `Comparison`, append-only: a vote (winner and loser), a skip (the current entry passed
over, no verdict) or an undo (cancels the juror's last vote or skip that is not undone yet). The
juror's place is `PairwiseState` (the entry seen before, the one seen now, and a step counter that
every form carries, so a form sent twice is refused). Everything else is recomputed from the log:
the Crowd-BT state (`events.domain.crowd_bt`) by replaying the votes nobody undid in id order, the
entries each juror has seen, and the ranking (`crowd_bt.rank`, which does not depend on the order).

The next entry: the one on stage when the session runs live and the juror has not seen it yet
(the agenda drives the jury), else `CrowdBT.choose_next` (entries nobody has seen first, then the
highest expected information gain with the current one). Never an entry of a team the juror is
conflicted with (declared, recused, or a member of it), never one they have already seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events import broker
from events.domain import crowd_bt
from events.domain.errors import FormErrors
from events.domain.scoring import Window, scope_query, scoring_window
from events.i18n import _
from events.models import (
    Comparison,
    ComparisonKind,
    ConflictKind,
    ConflictOfInterest,
    Entry,
    JudgingMode,
    JurySession,
    JurySessionJuror,
    PairwiseState,
    PitchSlot,
    SessionStatus,
    SlotStatus,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.jury")

DIGITS = 6


class Action:
    """What a juror's form asks for."""

    START = "start"  # the first entry (or the next one after the first)
    PREVIOUS = "previous"  # the entry seen before is better
    CURRENT = "current"  # the entry seen now is better
    SKIP = "skip"
    RECUSE = "recuse"  # "I know this team"
    UNDO = "undo"

    ALL = (START, PREVIOUS, CURRENT, SKIP, RECUSE, UNDO)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def is_pairwise(session: JurySession) -> bool:
    return session.mode == JudgingMode.PAIRWISE


# --- reading the log ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    id: int
    juror_id: int
    kind: ComparisonKind
    previous_id: int | None
    current_id: int | None
    winner_id: int | None
    loser_id: int | None
    undone_of_id: int | None


async def log_rows(session_id: int) -> list[LogRow]:
    """Every row of the session's log, in id order (one query)."""
    values = (
        await Comparison.filter(session_id=session_id)
        .order_by("id")
        .values_list(
            "id", "juror_id", "kind", "previous_id", "current_id", "winner_id", "loser_id", "undone_of_id"
        )
    )
    return [LogRow(*row[:2], ComparisonKind(row[2]), *row[3:]) for row in values]


def standing_rows(rows: list[LogRow]) -> list[LogRow]:
    """The votes and skips nobody undid, in id order."""
    undone = {row.undone_of_id for row in rows if row.kind == ComparisonKind.UNDO}
    return [row for row in rows if row.kind != ComparisonKind.UNDO and row.id not in undone]


def votes(rows: list[LogRow]) -> list[crowd_bt.Comparison]:
    """The standing votes as Crowd-BT comparisons (juror, winner, loser), in id order."""
    return [
        crowd_bt.Comparison(row.juror_id, row.winner_id, row.loser_id)
        for row in standing_rows(rows)
        if row.kind == ComparisonKind.VOTE
    ]


def replay(
    rows: list[LogRow], entries: list[int], states: list[tuple[int, int | None, int | None]]
) -> crowd_bt.CrowdBT:
    """The online Crowd-BT state from the standing rows, with what each juror has seen: the entries
    of their standing votes and skips, and the two of their state (juror, previous, current)."""
    crowd = crowd_bt.CrowdBT(entries)
    for row in standing_rows(rows):
        if row.kind == ComparisonKind.VOTE:
            crowd.vote(row.juror_id, row.winner_id, row.loser_id)
        for entry in (row.previous_id, row.current_id):
            if entry is not None:
                crowd.view(row.juror_id, entry)
    for juror_id, previous_id, current_id in states:
        for entry in (previous_id, current_id):
            if entry is not None:
                crowd.view(juror_id, entry)
    return crowd


async def allowed_entries(session: JurySession, juror_id: int) -> list[int]:
    """The entries in scope the juror may be shown: none of a team they are conflicted with or
    belong to."""
    scope = await (await scope_query(session)).values_list("id", "team_id")
    conflicted = set(
        await ConflictOfInterest.filter(session_id=session.id, juror_id=juror_id).values_list(
            "team_id", flat=True
        )
    ) | set(
        await TeamMember.filter(user_id=juror_id, event_id=session.event_id).values_list("team_id", flat=True)
    )
    return [entry_id for entry_id, team_id in scope if team_id not in conflicted]


async def live_entry(session: JurySession) -> int | None:
    """The entry pitching now, when the session runs live."""
    return (
        await PitchSlot.filter(session_id=session.id, status=SlotStatus.LIVE)
        .first()
        .values_list("entry_id", flat=True)
    )


def choose(
    crowd: crowd_bt.CrowdBT, juror_id: int, current: int | None, allowed: list[int], on_stage: int | None
) -> int | None:
    """The juror's next entry: the one on stage if they may and have not seen it, else Crowd-BT's."""
    if (
        on_stage is not None
        and on_stage in allowed
        and on_stage != current
        and on_stage not in crowd.seen[juror_id]
    ):
        return on_stage
    return crowd.choose_next(juror_id, current, allowed)


async def _next_entry(
    session: JurySession, juror_id: int, basis: int | None, seen: tuple[int | None, ...] = ()
) -> int | None:
    """The entry to show the juror next, to compare with `basis` (the entry they have just seen;
    None for their first), `seen` being entries they have seen that the log does not hold yet."""
    scope = list(await (await scope_query(session)).values_list("id", flat=True))
    states = [
        (state_juror, state_previous, state_current)
        for state_juror, state_previous, state_current in await PairwiseState.filter(
            session_id=session.id
        ).values_list("juror_id", "previous_id", "current_id")
        if state_juror != juror_id
    ]
    crowd = replay(await log_rows(session.id), scope, states)
    for entry in (basis, *seen):
        if entry is not None:
            crowd.view(juror_id, entry)
    return choose(crowd, juror_id, basis, await allowed_entries(session, juror_id), await live_entry(session))


# --- the juror's state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JurorView:
    """What the juror's page shows."""

    previous: Entry | None
    current: Entry | None
    step: int
    votes: int  # the juror's standing votes
    can_undo: bool


async def juror_view(session: JurySession, juror: User) -> JurorView:
    state = await PairwiseState.get_or_none(session_id=session.id, juror_id=juror.id)
    rows = [row for row in await log_rows(session.id) if row.juror_id == juror.id]
    standing = standing_rows(rows)
    ids = [i for i in ((state.previous_id, state.current_id) if state else ()) if i is not None]
    entries = {
        entry.id: entry for entry in await Entry.filter(id__in=ids).select_related("team", "challenge")
    }
    return JurorView(
        previous=entries.get(state.previous_id) if state and state.previous_id else None,
        current=entries.get(state.current_id) if state and state.current_id else None,
        step=state.step if state else 0,
        votes=sum(1 for row in standing if row.kind == ComparisonKind.VOTE),
        can_undo=bool(standing),
    )


async def _locked_state(
    conn: Any, session: JurySession, juror: User, now: datetime
) -> tuple[PairwiseState, JurySession]:
    """Inside the writing transaction: the session still open for this juror, and their state row
    locked (created if needed)."""
    if conn.capabilities.dialect == "postgres":
        # Closing takes this row FOR UPDATE: it waits for votes in flight, and later votes see it closed.
        await conn.execute_query("SELECT id FROM jury_session WHERE id = $1 FOR SHARE", [session.id])
    current = await JurySession.get(id=session.id)
    window = scoring_window(current, now)
    if current.status != SessionStatus.OPEN or window == Window.OVER:
        raise FormErrors({None: _("Judging is over: the session closed.")})
    if window == Window.NOT_STARTED:
        raise FormErrors({None: _("Judging has not started yet.")})
    if not await JurySessionJuror.exists(session_id=current.id, user_id=juror.id):
        raise FormErrors({None: _("You do not sit on this jury.")})
    keys = {"session_id": current.id, "juror_id": juror.id}
    state = await PairwiseState.select_for_update().get_or_none(**keys)
    if state is None:
        try:
            async with in_transaction():  # a savepoint: a parallel first step may win the UNIQUE race
                await PairwiseState.create(**keys)
        except IntegrityError:
            pass
        state = await PairwiseState.select_for_update().get(**keys)
    return state, current


def _stale() -> FormErrors:
    return FormErrors({None: _("This form was already sent: here is where you are now.")})


async def act(
    *,
    session: JurySession,
    juror: User,
    action: str,
    step: int | None,
    now: datetime | None = None,
) -> str:
    """One step of the juror (see `Action`), refused unless `step` is the juror's current step (a
    form sent twice, or from an old page, records nothing). Returns the action done."""
    if action not in Action.ALL:
        raise FormErrors({None: _("Choose one of the buttons.")})
    async with in_transaction() as conn:
        now = _now(now)
        state, current_session = await _locked_state(conn, session, juror, now)
        if step != state.step:
            raise _stale()
        previous, current = state.previous_id, state.current_id
        row: dict[str, Any] | None = None
        if action == Action.UNDO:
            mine = [row for row in await log_rows(session.id) if row.juror_id == juror.id]
            standing = standing_rows(mine)
            if not standing:
                raise FormErrors({None: _("Nothing to undo.")})
            last = standing[-1]
            row = {"kind": ComparisonKind.UNDO, "undone_of_id": last.id}
            row.update(previous_id=last.previous_id, current_id=last.current_id)
            previous, current = last.previous_id, last.current_id
        elif action == Action.START:
            if previous is not None:
                raise _stale()
            if current is None:
                current = await _next_entry(current_session, juror.id, None)
                if current is None:
                    raise FormErrors({None: _("There is no entry to show you yet.")})
            else:  # the first entry seen: the second one comes
                previous, current = current, await _next_entry(current_session, juror.id, current)
                if current is None:
                    raise FormErrors({None: _("There is no other entry to show you.")})
        elif current is None:
            raise _stale()
        elif action in (Action.PREVIOUS, Action.CURRENT):
            if previous is None:
                raise _stale()
            if not {previous, current} <= set(await allowed_entries(current_session, juror.id)):
                # A conflict declared since the pair was shown: no verdict on that team.
                raise FormErrors({None: _("You have a conflict of interest with this team.")})
            winner, loser = (previous, current) if action == Action.PREVIOUS else (current, previous)
            row = {"kind": ComparisonKind.VOTE, "previous_id": previous, "current_id": current}
            row.update(winner_id=winner, loser_id=loser)
            previous, current = current, await _next_entry(current_session, juror.id, current, (previous,))
        elif action == Action.SKIP:
            row = {"kind": ComparisonKind.SKIP, "previous_id": previous, "current_id": current}
            current = await _next_entry(current_session, juror.id, previous, (current,))
        else:  # RECUSE: a conflict with the current entry's team, which is never served again
            team_id = await Entry.filter(id=current).first().values_list("team_id", flat=True)
            try:
                async with in_transaction():  # a savepoint: a conflict already recorded stands
                    await ConflictOfInterest.create(
                        session_id=session.id,
                        juror_id=juror.id,
                        team_id=team_id,
                        kind=ConflictKind.RECUSED,
                        declared_at=now,
                    )
            except IntegrityError:
                pass
            current = await _next_entry(current_session, juror.id, previous)
        if row is not None:
            try:
                async with in_transaction():
                    await Comparison.create(
                        session_id=session.id, juror_id=juror.id, step=state.step, created_at=now, **row
                    )
            except IntegrityError:
                raise _stale() from None
        await PairwiseState.filter(id=state.id).update(
            previous_id=previous, current_id=current, step=state.step + 1, updated_at=now
        )
    log.info("juror %s: pairwise %s in session %s", juror.id, action, session.id)
    await broker.publish(broker.session_channel(session.id), {"type": "progress", "juror": juror.id})
    return action


@dataclass(frozen=True)
class EntryComparison:
    """One vote or skip that involved an entry, for its explanation page."""

    juror_id: int
    kind: ComparisonKind
    other_id: int | None  # the other entry of the pair (None: the entry was skipped first)
    won: bool | None  # None for a skip
    undone: bool


def entry_comparisons(rows: list[LogRow], entry_id: int) -> list[EntryComparison]:
    """The votes and skips that involved the entry, in order, with whether they were undone."""
    undone = {row.undone_of_id for row in rows if row.kind == ComparisonKind.UNDO}
    found = []
    for row in rows:
        if row.kind == ComparisonKind.UNDO or entry_id not in (row.previous_id, row.current_id):
            continue
        other = row.current_id if row.previous_id == entry_id else row.previous_id
        won = None if row.kind == ComparisonKind.SKIP else row.winner_id == entry_id
        found.append(EntryComparison(row.juror_id, row.kind, other, won, row.id in undone))
    return found
