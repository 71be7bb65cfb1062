"""Deliberation: the jury's final ranking may differ from the computed one, each change with its reason.

Juries deliberate: once a session is locked (closed) and before its results are published, its
organisers may move an entry to another place within its challenge. Each move is a
`DeliberationChange` row, never edited or deleted (moving an entry back is another change, with its
own reason), and a copy of it goes into the session's frozen snapshot under "deliberation", so that
whoever reads the results reads the final ranking from the snapshot alone.

The frozen "entries" stay as computed (the recount from the score log checks them); `final_rows`
replays the changes over them, in the order they were made: each takes its entry out of its
challenge's list and puts it back at the place asked for, the others keeping their order. Every row
then carries its final `rank`, its `computed_rank` and `deliberated` (the two differ: the public
results say that this place was decided in deliberation, whether the entry was moved or moved by
another's move).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from events.domain.errors import FormErrors
from events.domain.numbers import parse_id as as_id
from events.i18n import _
from events.models import DeliberationChange, JurySession, SessionStatus, User

log = logging.getLogger("hackcity.jury")

REASON_MIN = 20
REASON_MAX = 2000


def final_rows(results: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ranking rows with the deliberation's changes applied, ordered by challenge, then final rank."""
    results = results or {}
    rows = list(results.get("entries", []))
    changes = results.get("deliberation") or []
    by_challenge: dict[int, list[dict[str, Any]]] = {}
    for row in rows:  # ordered by challenge, then computed rank
        by_challenge.setdefault(row["challenge_id"], []).append(row)
    for change in changes:
        places = by_challenge.get(change["challenge_id"], [])
        moved = next((row for row in places if row["entry_id"] == change["entry_id"]), None)
        if moved is None:  # not in the frozen scope: nothing to move
            continue
        places.remove(moved)
        places.insert(min(max(change["to"], 1), len(places) + 1) - 1, moved)
    final = []
    for places in by_challenge.values():
        for position, row in enumerate(places, start=1):
            computed = row.get("rank", position)  # every frozen row has its rank; be lenient all the same
            deliberated = position != computed
            final.append(
                {
                    **row,
                    "rank": position,
                    "computed_rank": computed,
                    "deliberated": deliberated,
                    "tie_broken": row.get("tie_broken", False) and not deliberated,
                }
            )
    return final


def changes_of(results: dict[str, Any] | None, entry_id: int) -> list[dict[str, Any]]:
    """The deliberation's changes that moved this entry, oldest first (with their reasons)."""
    return [change for change in (results or {}).get("deliberation") or [] if change["entry_id"] == entry_id]


def may_deliberate(session: JurySession) -> bool:
    return session.status == SessionStatus.CLOSED and session.results_snapshot is not None


async def move(
    *, session: JurySession, entry_id: Any, place: Any, reason: str, by: User, now: datetime | None = None
) -> DeliberationChange:
    """Put an entry at another place of its challenge's ranking, with the jury's written reason.

    Only while the session is locked and unpublished (FormErrors otherwise, and for an entry outside
    the ranking, a place outside 1..n or the entry's own place, a reason shorter than REASON_MIN).
    The change is logged and copied into the snapshot in one transaction."""
    errors: dict[str | None, str] = {}
    reason = (reason or "").strip()
    async with in_transaction():
        current = await JurySession.select_for_update().get(id=session.id)
        if not may_deliberate(current):
            raise FormErrors(
                {
                    None: _(
                        "The ranking can be changed in deliberation only while the session is locked, "
                        "before its results are published."
                    )
                }
            )
        snapshot = dict(current.results_snapshot)
        rows = final_rows(snapshot)
        wanted = as_id(str(entry_id or ""))
        row = next((r for r in rows if r["entry_id"] == wanted), None)
        if row is None:
            errors["entry"] = _("Choose an entry of the ranking.")
        else:
            count = sum(1 for r in rows if r["challenge_id"] == row["challenge_id"])
            to_place = as_id(str(place or "").strip())
            if to_place is None or to_place > count:
                errors["place"] = _("Enter a place from 1 to %(count)s.", count=count)
            elif to_place == row["rank"]:
                errors["place"] = _("This entry is already at place %(place)s.", place=to_place)
        if len(reason) < REASON_MIN:
            errors["reason"] = _(
                "Write the jury's reason for this change, in %(count)s characters at least: it is kept "
                "in the log and shown on the entry's explanation.",
                count=REASON_MIN,
            )
        elif len(reason) > REASON_MAX:
            errors["reason"] = _("Keep the reason under %(count)s characters.", count=REASON_MAX)
        if errors:
            raise FormErrors(errors)
        assert row is not None and to_place is not None
        change = await DeliberationChange.create(
            session_id=current.id,
            entry_id=row["entry_id"],
            challenge_id=row["challenge_id"],
            computed_place=row["computed_rank"],
            from_place=row["rank"],
            to_place=to_place,
            reason=reason,
            decided_by=by,
            created_at=now or datetime.now(UTC),
        )
        snapshot["deliberation"] = [
            *(snapshot.get("deliberation") or []),
            {
                "id": change.id,
                "entry_id": row["entry_id"],
                "challenge_id": row["challenge_id"],
                "computed": row["computed_rank"],
                "from": row["rank"],
                "to": to_place,
                "reason": reason,
                "at": change.created_at.isoformat(),
            },
        ]
        await JurySession.filter(id=current.id).update(results_snapshot=snapshot)
    session.results_snapshot = snapshot
    log.info(
        "jury session %s: entry %s moved from place %s to %s in deliberation by user %s",
        session.id,
        row["entry_id"],
        row["rank"],
        to_place,
        by.id,
    )
    return change


async def log_of(session: JurySession) -> list[DeliberationChange]:
    """Every change of the session, oldest first, with who decided it."""
    return await DeliberationChange.filter(session_id=session.id).select_related("decided_by", "entry")
