"""From a jury to the selection: the shortlist of a closed session, and the jury's figures shown on the
selection desk.

- `shortlist` takes the frozen results of a closed (or published) session and marks the top N entries
  of each challenge selected, and, if the organiser asks, the other entries of the session that are
  still pending not selected (a waitlist or a selection decided by hand stands). Every change goes
  through `events.domain.selection.set_selection`, so its rules (only a submitted entry is decided
  on) and its mails apply. An entry already in the wanted state is left
  alone: running the shortlist again changes and mails nothing. Entries without a counted sheet have
  no score and are never shortlisted.
- `jury_figures` gives, for the entries of an event, the score and rank of the latest closed or
  published session that judged them, in one query whatever the number of entries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from events.domain import selection as selection_rules
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.i18n import _
from events.models import Entry, EntryStatus, Event, JurySession, Selection, SessionStatus, User

log = logging.getLogger("hackcity.selection")
MAX_TOP = 1000
FINISHED = (SessionStatus.CLOSED, SessionStatus.PUBLISHED)


@dataclass
class ShortlistResult:
    selected: list[int] = field(default_factory=list)  # entry ids newly marked selected
    rejected: list[int] = field(default_factory=list)  # entry ids newly marked not selected
    unchanged: int = 0  # already in the wanted state
    skipped: int = 0  # no longer submitted: cannot be decided on


def clean_top(raw: Any) -> int:
    """N, the number of entries to select in each challenge, or FormErrors on the `top` field."""
    top = parse_int(raw, low=1, high=MAX_TOP)
    if top is None:
        raise FormErrors(
            {"top": _("Enter a whole number of entries between %(min)s and %(max)s.", min=1, max=MAX_TOP)}
        )
    return top


def plan_shortlist(results: dict[str, Any], top: int) -> tuple[list[int], list[int]]:
    """(entry ids within the top N of their challenge with a score, the session's other entries)."""
    chosen, others = [], []
    for row in results.get("entries", []):
        if row.get("score") is not None and row.get("rank", top + 1) <= top:
            chosen.append(row["entry_id"])
        else:
            others.append(row["entry_id"])
    return chosen, others


async def shortlist(
    *,
    session: JurySession,
    event: Event,
    top: Any,
    user: User,
    reject_others: bool = False,
    notify: bool = True,
    base_url: str | None = None,
) -> ShortlistResult:
    """Mark the top `top` entries of each challenge of a closed session selected (and the others still
    pending not selected if `reject_others`), through the selection's transition, in one transaction."""
    count = clean_top(top)
    if session.event_id != event.id:
        raise FormErrors({None: _("This jury session is not one of this event's.")})
    current = await JurySession.get(id=session.id)
    if current.status not in FINISHED or current.results_snapshot is None:
        raise FormErrors({None: _("Close the session first: the shortlist comes from its frozen results.")})
    chosen, others = plan_shortlist(current.results_snapshot, count)
    wanted = {entry_id: Selection.SELECTED for entry_id in chosen}
    if reject_others:
        wanted.update({entry_id: Selection.REJECTED for entry_id in others})
    result = ShortlistResult()
    entries = {
        entry.id: entry for entry in await Entry.filter(id__in=list(wanted), event_id=event.id).order_by("id")
    }
    async with in_transaction():
        for entry_id, decision in sorted(wanted.items()):
            entry = entries.get(entry_id)
            if entry is None or entry.status != EntryStatus.SUBMITTED:
                result.skipped += 1
                continue
            if entry.selection == decision or (
                decision == Selection.REJECTED and entry.selection != Selection.PENDING
            ):
                result.unchanged += 1
                continue
            await selection_rules.set_selection(
                entry=entry, event=event, selection=decision, user=user, notify=notify, base_url=base_url
            )
            (result.selected if decision == Selection.SELECTED else result.rejected).append(entry_id)
    log.info(
        "shortlist of jury session %s (top %s per challenge) by user %s: %s selected, %s not selected, "
        "%s unchanged, %s skipped",
        session.id,
        count,
        user.id,
        len(result.selected),
        len(result.rejected),
        result.unchanged,
        result.skipped,
    )
    return result


@dataclass(frozen=True)
class JuryFigure:
    session_id: int
    session_name: str
    score: float | None
    rank: int
    status: str


async def jury_figures(event: Event) -> dict[int, JuryFigure]:
    """Entry id → the score and rank given by the latest closed or published session that scored
    it (or, if none scored it, the latest that had it in scope); one query: the frozen snapshots
    hold the figures."""
    figures: dict[int, JuryFigure] = {}
    sessions = (
        await JurySession.filter(event_id=event.id, status__in=list(FINISHED))
        .order_by("id")
        .values("id", "name", "status", "results_snapshot")
    )
    for session in sessions:  # later sessions overwrite earlier ones, unless they did not score it
        for row in (session["results_snapshot"] or {}).get("entries", []):
            known = figures.get(row["entry_id"])
            if known is not None and known.score is not None and row.get("score") is None:
                continue
            figures[row["entry_id"]] = JuryFigure(
                session["id"], session["name"], row.get("score"), row.get("rank", 0), str(session["status"])
            )
    return figures
