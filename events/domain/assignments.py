"""Which juror scores which entry of a jury session.

Assignment is deterministic: entries and jurors are taken in id order; in k mode the most constrained
entries are served first and each takes the least loaded eligible jurors (ties: lower user id). A
juror is never assigned an entry of a team they belong to or declared a conflict with. Before the
session opens a recomputation starts afresh; once open, it keeps the assignments that are still
allowed (a juror's work is not thrown away) and tops up the entries that lost a juror.

Opening a session (`sessions`), seating a juror in an open one (`juror_invitations`, and
`events.accept_invitation`) and every conflict (`seats`) call `compute_assignments`;
`plan_assignments` is its pure core.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import RawSQL
from tortoise.transactions import in_transaction

from events.domain.scoring import entries_in_scope
from events.models import (
    Assignment,
    AssignmentMode,
    ConflictKind,
    ConflictOfInterest,
    Entry,
    JurySession,
    JurySessionJuror,
    ScoreSheet,
    SessionStatus,
    SlotStatus,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.jury")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def plan_assignments(
    *,
    entries: list[tuple[int, int]],
    jurors: list[int],
    conflicts: set[tuple[int, int]],
    mode: AssignmentMode | str,
    k: int,
    keep: set[tuple[int, int]] | frozenset = frozenset(),
) -> list[tuple[int, int]]:
    """(juror id, entry id) pairs, sorted. Pure and deterministic.

    `entries` are (entry id, team id), `conflicts` (juror id, team id), `keep` assignments to
    preserve when still allowed. An entry with fewer eligible jurors than k gets all of them.
    """
    ordered_jurors = sorted(set(jurors))
    eligible = {
        entry_id: [juror for juror in ordered_jurors if (juror, team_id) not in conflicts]
        for entry_id, team_id in sorted(entries)
    }
    if AssignmentMode(mode) == AssignmentMode.ALL:
        return sorted((juror, entry_id) for entry_id, chosen in eligible.items() for juror in chosen)
    load = dict.fromkeys(ordered_jurors, 0)
    chosen: dict[int, list[int]] = {entry_id: [] for entry_id in eligible}
    for juror, entry_id in sorted(keep):
        if entry_id in eligible and juror in eligible[entry_id] and juror not in chosen[entry_id]:
            chosen[entry_id].append(juror)
            load[juror] += 1
    for entry_id in sorted(eligible, key=lambda entry_id: (len(eligible[entry_id]), entry_id)):
        missing = k - len(chosen[entry_id])
        if missing <= 0:
            continue
        candidates = sorted(
            (juror for juror in eligible[entry_id] if juror not in chosen[entry_id]),
            key=lambda juror: (load[juror], juror),
        )
        for juror in candidates[:missing]:
            chosen[entry_id].append(juror)
            load[juror] += 1
    return sorted((juror, entry_id) for entry_id, jurors_of in chosen.items() for juror in jurors_of)


async def compute_assignments(*, session: JurySession, now: datetime | None = None) -> list[tuple[int, int]]:
    """Recompute and store the session's assignments; returns the (juror id, entry id) pairs.

    Team members on the jury are recorded as conflicted with their team first: membership always
    conflicts, whatever was declared.
    """
    now = _now(now)
    async with in_transaction():
        entries = await entries_in_scope(session)
        jurors = sorted(
            await JurySessionJuror.filter(session_id=session.id).values_list("user_id", flat=True)
        )
        team_ids = sorted({entry.team_id for entry in entries})
        members = await TeamMember.filter(team_id__in=team_ids, user_id__in=jurors).values_list(
            "user_id", "team_id"
        )
        if members:
            await ConflictOfInterest.bulk_create(
                [
                    ConflictOfInterest(
                        session_id=session.id,
                        juror_id=user_id,
                        team_id=team_id,
                        kind=ConflictKind.MEMBER,
                        declared_at=now,
                    )
                    for user_id, team_id in sorted(members)
                ],
                ignore_conflicts=True,
            )
        conflicts = set(
            await ConflictOfInterest.filter(session_id=session.id).values_list("juror_id", "team_id")
        ) | set(members)
        existing = {
            (juror_id, entry_id): assignment_id
            for assignment_id, juror_id, entry_id in await Assignment.filter(
                session_id=session.id
            ).values_list("id", "juror_id", "entry_id")
        }
        keep = set(existing) if session.status == SessionStatus.OPEN else set()
        plan = plan_assignments(
            entries=[(entry.id, entry.team_id) for entry in entries],
            jurors=jurors,
            conflicts=conflicts,
            mode=session.assignment_mode,
            k=session.k,
            keep=keep,
        )
        wanted = set(plan)
        stale = [pair for pair in existing if pair not in wanted]
        if stale:
            await Assignment.filter(id__in=[existing[pair] for pair in stale]).delete()
        missing = [pair for pair in plan if pair not in existing]
        if missing:
            await Assignment.bulk_create(
                [
                    Assignment(session_id=session.id, juror_id=juror, entry_id=entry)
                    for juror, entry in missing
                ],
                ignore_conflicts=True,
            )
        for pairs, assigned in ((stale, False), (missing, True)):
            by_juror: dict[int, list[int]] = {}
            for juror, entry in pairs:
                by_juror.setdefault(juror, []).append(entry)
            for juror, entry_ids in sorted(by_juror.items()):
                await ScoreSheet.filter(session_id=session.id, juror_id=juror, entry_id__in=entry_ids).update(
                    assigned=assigned
                )
    log.info(
        "jury session %s: %s assignments (%s removed, %s added)",
        session.id,
        len(plan),
        len(stale),
        len(missing),
    )
    return plan


async def is_conflicted(*, session: JurySession, juror: User, entry: Entry) -> bool:
    return await ConflictOfInterest.exists(
        session_id=session.id, juror_id=juror.id, team_id=entry.team_id
    ) or await TeamMember.exists(team_id=entry.team_id, user_id=juror.id)


@dataclass(frozen=True)
class Standing:
    """Where a juror stands with one entry of a session: what every score write checks."""

    assigned: bool
    conflicted: bool  # a declared conflict, or the juror is in the team
    pitch_locked: bool  # its pitch slot on demo day is locked

    @property
    def may_read(self) -> bool:
        return self.assigned and not self.conflicted


SQL_ID = re.compile(r"[0-9]+|[a-z_]+\.[a-z_]+")


def standing_columns(*, session: str, juror_id: int, entry: str, team: str) -> dict[str, RawSQL]:
    """`Standing`'s three checks as columns to annotate another read with, so that the read that
    needs the session (a save) or the entry (a scoring page) checks the standing in the same
    statement. `session`, `entry` and `team` are SQL naming the ids in that read: a column
    (`"entry.team_id"`) or an integer; ids only, never text from a request."""
    for sql in (session, entry, team):
        if not SQL_ID.fullmatch(sql):
            raise ValueError(f"not an id or a column: {sql!r}")
    juror = int(juror_id)
    locked = SlotStatus.LOCKED.value
    return {
        "standing_assigned": RawSQL(
            "EXISTS (SELECT 1 FROM assignment"  # noqa: S608 (ids and column names, checked above)
            f" WHERE session_id = {session} AND juror_id = {juror} AND entry_id = {entry})"
        ),
        "standing_conflicted": RawSQL(
            "(EXISTS (SELECT 1 FROM conflict_of_interest"  # noqa: S608
            f" WHERE session_id = {session} AND juror_id = {juror} AND team_id = {team})"
            f" OR EXISTS (SELECT 1 FROM team_member WHERE team_id = {team} AND user_id = {juror}))"
        ),
        "standing_pitch_locked": RawSQL(
            "EXISTS (SELECT 1 FROM pitch_slot"  # noqa: S608
            f" WHERE session_id = {session} AND entry_id = {entry} AND status = '{locked}')"
        ),
    }


def standing_of(row: Any) -> Standing:
    """The `Standing` a read annotated with `standing_columns` carries (a model or a dict of values)."""
    read = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Standing(
        bool(read("standing_assigned")),
        bool(read("standing_conflicted")),
        bool(read("standing_pitch_locked")),
    )


async def standing(*, session_id: int, juror_id: int, entry: Entry) -> Standing:
    """`Standing` in one statement, for a caller that holds the session and the entry already."""
    columns = standing_columns(
        session=str(int(session_id)),
        juror_id=juror_id,
        entry=str(int(entry.id)),
        team=str(int(entry.team_id)),
    )
    found = await JurySession.filter(id=session_id).annotate(**columns).values(*columns)
    return standing_of(found[0]) if found else Standing(False, False, False)
