"""Who sits on a jury: a juror's seat, its acceptance, and the conflicts of interest a juror names.

- An organiser seats a juror (`add_juror`, idempotent: UNIQUE (session, user) settles repeats); the
  juror accepts the seat and, in the same step, names the teams they know or belong to
  (`accept_seat`). While scoring, a juror can still step back from an entry (`recuse`): a conflict
  with its team. A conflict is recorded once (UNIQUE (session, juror, team): the first record
  stands) and the assignment is recomputed at once (`events.domain.assignments`).
- A juror's pages reach a session only through `seated_session`: a seat on it and the event's juror
  role, else 404.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain.assignments import compute_assignments
from events.domain.errors import FormErrors
from events.i18n import _
from events.models import (
    Assignment,
    ConflictKind,
    ConflictOfInterest,
    Entry,
    JurySession,
    JurySessionJuror,
    Role,
    SessionStatus,
    Team,
    User,
)

log = logging.getLogger("hackcity.jury")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


async def add_juror(*, session: JurySession, user: User) -> JurySessionJuror:
    """Seat a user on the jury (idempotent: the UNIQUE (session, user) row settles repeats)."""
    try:
        async with in_transaction():
            seat = await JurySessionJuror.create(session=session, user=user)
    except IntegrityError:
        seat = await JurySessionJuror.get(session_id=session.id, user_id=user.id)
    return seat


async def _seat(session: JurySession, juror: User) -> JurySessionJuror:
    seat = await JurySessionJuror.get_or_none(session_id=session.id, user_id=juror.id)
    if seat is None:
        raise FormErrors({None: _("You are not a juror of this session.")})
    return seat


def _refuse_if_finished(session: JurySession) -> None:
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
        raise FormErrors({None: _("This jury session is closed.")})


async def _record_conflicts(
    session: JurySession, juror: User, team_ids: list[int], kind: ConflictKind, reason: str, now: datetime
) -> list[ConflictOfInterest]:
    recorded = []
    for team_id in sorted(set(team_ids)):
        try:
            async with in_transaction():
                recorded.append(
                    await ConflictOfInterest.create(
                        session=session,
                        juror=juror,
                        team_id=team_id,
                        kind=kind,
                        reason=reason,
                        declared_at=now,
                    )
                )
        except IntegrityError:
            continue  # already conflicted with this team: the first record stands
        log.info("juror %s: %s conflict with team %s in session %s", juror.id, kind, team_id, session.id)
    return recorded


async def declare_conflicts(
    *,
    session: JurySession,
    juror: User,
    team_ids: list[int],
    reason: str = "",
    now: datetime | None = None,
) -> list[ConflictOfInterest]:
    """A juror names the teams they know or belong to (usually when accepting); assignment is recomputed."""
    _refuse_if_finished(session)
    await _seat(session, juror)
    reason = " ".join(reason.replace("\x00", "").split())[:500]  # no NUL: PostgreSQL refuses it
    known = set(await Team.filter(event_id=session.event_id, id__in=team_ids).values_list("id", flat=True))
    if known != set(team_ids):
        raise FormErrors({"teams": _("Choose teams of this event.")})
    recorded = await _record_conflicts(session, juror, list(known), ConflictKind.DECLARED, reason, _now(now))
    await compute_assignments(session=session, now=now)
    return recorded


async def seated_session(*, event_id: int, user_id: int, session_id: int | None) -> JurySession | None:
    """The session of this event whose jury the user sits on, while still a juror of the event; None
    otherwise (the juror's pages answer 404 then, for everyone: a sheet is the juror's own)."""
    if session_id is None:
        return None
    return await JurySession.filter(
        id=session_id,
        event_id=event_id,
        jurors__user_id=user_id,
        event__roles__user_id=user_id,
        event__roles__role=Role.JUROR,
    ).first()


async def accept_seat(
    *,
    session: JurySession,
    juror: User,
    conflict_team_ids: list[int],
    reason: str = "",
    now: datetime | None = None,
) -> JurySessionJuror:
    """The juror accepts the invitation and declares their conflicts in the same step."""
    seat = await _seat(session, juror)
    await declare_conflicts(session=session, juror=juror, team_ids=conflict_team_ids, reason=reason, now=now)
    if seat.accepted_at is None:
        seat.accepted_at = _now(now)
        await seat.save(update_fields=["accepted_at"])
    return seat


async def recuse(
    *, session: JurySession, juror: User, entry: Entry, reason: str = "", now: datetime | None = None
) -> ConflictOfInterest:
    """The juror steps back from an entry while scoring: a conflict with its team, then reassignment."""
    _refuse_if_finished(session)
    await _seat(session, juror)
    if not await Assignment.exists(session_id=session.id, juror_id=juror.id, entry_id=entry.id):
        raise FormErrors({None: _("This entry is not assigned to you.")})
    reason = " ".join(reason.replace("\x00", "").split())[:500]  # no NUL: PostgreSQL refuses it
    recorded = await _record_conflicts(
        session, juror, [entry.team_id], ConflictKind.RECUSED, reason, _now(now)
    )
    await compute_assignments(session=session, now=now)
    if recorded:
        return recorded[0]
    return await ConflictOfInterest.get(session_id=session.id, juror_id=juror.id, team_id=entry.team_id)
