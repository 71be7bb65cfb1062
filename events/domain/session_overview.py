"""What the organiser's page of a jury session shows, read in a constant number of queries whatever
the size of the jury: its round and challenges, how many entries it judges, each juror's progress,
the pending invitations, the conflicts, the assignments, and what the organiser may do next.

A juror's progress is `sheets.juror_progress` for every seat at once: the submitted sheets of the
entries still assigned to the juror, out of those entries. It is counted here from the assignments
and the sheets read once, rather than two queries per juror.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from events.domain.scoring import scope_query
from events.domain.sessions import TRANSITIONS, can_delete
from events.domain.shortlist import FINISHED
from events.models import (
    Assignment,
    Challenge,
    ConflictOfInterest,
    Criterion,
    Invitation,
    JurySession,
    JurySessionJuror,
    Role,
    Round,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
)


class JurorProgress(NamedTuple):
    seat: JurySessionJuror  # with its user
    done: int  # submitted sheets of the entries still assigned to the juror
    assigned: int  # entries assigned to the juror


@dataclass(frozen=True)
class SessionOverview:
    stage: Round
    challenge_titles: list[str]  # sorted; none: the session judges every challenge of the round
    entries_in_scope: int
    criteria_count: int  # criteria of the round, challenges' own grids included
    progress: list[JurorProgress]  # by user id
    invitations: list[Invitation]  # juror invitations to the session not accepted yet, newest first
    conflicts: list[ConflictOfInterest]  # with juror and team, in the order they were declared
    assignments: list[Assignment]  # with juror and entry, by entry then juror
    can_edit: bool
    can_delete: bool
    can_shortlist: bool
    next_statuses: list[SessionStatus]


async def session_overview(session: JurySession) -> SessionOverview:
    """The organiser's page of `session`, in ten queries."""
    stage = await Round.get(id=session.round_id)
    titles = await Challenge.filter(jury_session_links__session_id=session.id).values_list("title", flat=True)
    in_scope = await (await scope_query(session)).count()
    seats = await JurySessionJuror.filter(session_id=session.id).select_related("user").order_by("user_id")
    assignments = (
        await Assignment.filter(session_id=session.id)
        .select_related("juror", "entry")
        .order_by("entry_id", "juror_id")
    )
    sheets = await ScoreSheet.filter(session_id=session.id).values_list("juror_id", "entry_id", "status")
    submitted = {
        (juror_id, entry_id) for juror_id, entry_id, status in sheets if status == SheetStatus.SUBMITTED
    }
    assigned: dict[int, int] = {}
    done: dict[int, int] = {}
    for assignment in assignments:
        pair = (assignment.juror_id, assignment.entry_id)
        assigned[assignment.juror_id] = assigned.get(assignment.juror_id, 0) + 1
        done[assignment.juror_id] = done.get(assignment.juror_id, 0) + (pair in submitted)
    return SessionOverview(
        stage=stage,
        challenge_titles=sorted(titles),
        entries_in_scope=in_scope,
        criteria_count=await Criterion.filter(round_id=session.round_id).count(),
        progress=[
            JurorProgress(seat, done.get(seat.user_id, 0), assigned.get(seat.user_id, 0)) for seat in seats
        ],
        invitations=await Invitation.filter(
            event_id=session.event_id, role=Role.JUROR, jury_session_id=session.id, accepted_at__isnull=True
        ).order_by("-created_at"),
        conflicts=await ConflictOfInterest.filter(session_id=session.id)
        .select_related("juror", "team")
        .order_by("declared_at", "id"),
        assignments=assignments,
        can_edit=session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
        can_delete=can_delete(session, bool(sheets)),
        can_shortlist=session.status in FINISHED,
        next_statuses=sorted(TRANSITIONS[SessionStatus(session.status)]),
    )
