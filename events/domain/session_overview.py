"""What the organiser's page of a jury session shows, read in a constant number of queries whatever
the size of the jury: its round and challenges, how many entries it judges, each juror's progress,
the pending invitations, the conflicts, the assignments, and what the organiser may do next.

A juror's progress is `sheets.juror_progress` for every seat at once: the submitted sheets of the
entries still assigned to the juror, out of those entries, counted by the database in one grouped
query. The assignments are listed a page at a time (`ASSIGNMENTS_PER_PAGE`, entry then juror): a
national jury holds thousands of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from events.domain.paging import Page, page_of
from events.domain.scoring import scope_query
from events.domain.sessions import TRANSITIONS, can_delete
from events.domain.shortlist import FINISHED
from events.domain.sql import rows
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

ASSIGNMENTS_PER_PAGE = 100

PROGRESS = (
    "SELECT a.juror_id AS juror_id, COUNT(*) AS total, COUNT(s.id) AS done FROM assignment a "
    "LEFT JOIN score_sheet s ON s.session_id = a.session_id AND s.juror_id = a.juror_id "
    "AND s.entry_id = a.entry_id AND s.status = ? WHERE a.session_id = ? GROUP BY a.juror_id"
)


class AssignmentLine(NamedTuple):
    entry: str  # the entry's title
    juror: str  # the juror's name


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
    assignments: list[AssignmentLine]  # the page's, by entry then juror
    assignments_page: Page
    can_edit: bool
    can_delete: bool
    can_shortlist: bool
    next_statuses: list[SessionStatus]


async def session_overview(session: JurySession, *, page: int | None = None) -> SessionOverview:
    """The organiser's page of `session` (its assignments' page `page`), in eleven queries."""
    stage = await Round.get(id=session.round_id)
    titles = await Challenge.filter(jury_session_links__session_id=session.id).values_list("title", flat=True)
    in_scope = await (await scope_query(session)).count()
    seats = await JurySessionJuror.filter(session_id=session.id).select_related("user").order_by("user_id")
    counted = await rows(PROGRESS, [SheetStatus.SUBMITTED.value, session.id])
    assigned = {row["juror_id"]: int(row["total"]) for row in counted}
    done = {row["juror_id"]: int(row["done"]) for row in counted}
    listed = page_of(total=sum(assigned.values()), per_page=ASSIGNMENTS_PER_PAGE, asked=page)
    lines = (
        await Assignment.filter(session_id=session.id)
        .order_by("entry_id", "juror_id")
        .offset(listed.offset)
        .limit(listed.per_page)
        .values_list("entry__title", "juror__name")
    )
    has_sheets = await ScoreSheet.exists(session_id=session.id)
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
        assignments=[AssignmentLine(title, name) for title, name in lines],
        assignments_page=listed,
        can_edit=session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
        can_delete=can_delete(session, has_sheets),
        can_shortlist=session.status in FINISHED,
        next_statuses=sorted(TRANSITIONS[SessionStatus(session.status)]),
    )
