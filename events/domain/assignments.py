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
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from events.domain.scoring import entries_in_scope
from events.domain.sql import rows
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


STANDING = (
    "SELECT"
    " EXISTS (SELECT 1 FROM assignment WHERE session_id = ? AND juror_id = ? AND entry_id = ?) AS assigned,"
    " EXISTS (SELECT 1 FROM conflict_of_interest WHERE session_id = ? AND juror_id = ? AND team_id = ?)"
    " OR EXISTS (SELECT 1 FROM team_member WHERE team_id = ? AND user_id = ?) AS conflicted,"
    " EXISTS (SELECT 1 FROM pitch_slot WHERE session_id = ? AND entry_id = ? AND status = ?) AS pitch_locked"
)


async def standing(*, session_id: int, juror_id: int, entry: Entry) -> Standing:
    """`Standing` in one statement (the scoring pages and every save read it)."""
    [found] = await rows(
        STANDING,
        [
            session_id, juror_id, entry.id,
            session_id, juror_id, entry.team_id,
            entry.team_id, juror_id,
            session_id, entry.id, SlotStatus.LOCKED.value,
        ],
    )  # fmt: skip
    return Standing(bool(found["assigned"]), bool(found["conflicted"]), bool(found["pitch_locked"]))
