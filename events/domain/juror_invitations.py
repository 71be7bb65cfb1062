"""Seating a juror by email: the organiser names an address on the session's page.

An existing account gets the juror role and a seat at once, and a mail saying so; any other address
gets an invitation to the session (`events.domain.invitations.invite`), and accepting it seats its
holder. Above `seats` and `invitations` (which seats an invited juror inside `accept_invitation`):
neither imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.domain import invitations
from events.domain.assignments import compute_assignments
from events.domain.errors import FormErrors
from events.domain.seats import add_juror
from events.i18n import _, format_when
from events.mail import mail_users
from events.models import Event, JurySession, JurySessionJuror, Role, SessionStatus, User


@dataclass(frozen=True)
class SeatResult:
    seated: bool  # an account existed: it is on the jury now
    email: str


async def invite_juror(
    *, session: JurySession, email: str, invited_by: User, base_url: str, default_language: str
) -> SeatResult:
    """An existing account gets the juror role and a seat at once, and a mail saying so with the
    link to its jury page; otherwise an invitation to the session is mailed: accepting it grants
    the juror role and the seat (`events.domain.invitations.accept_invitation`)."""
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
        raise FormErrors({None: _("This jury session is closed.")})
    event = await session.event
    result = await invitations.invite(
        event=event,
        email=email,
        role=Role.JUROR.value,
        invited_by=invited_by,
        base_url=base_url,
        default_language=default_language,
        jury_session=session,
    )
    if not result.granted:
        return SeatResult(seated=False, email=result.email)
    user = await User.get(email=result.email, is_active=True)
    already = await JurySessionJuror.exists(session_id=session.id, user_id=user.id)
    await add_juror(session=session, user=user)
    if session.status == SessionStatus.OPEN:
        await compute_assignments(session=session)  # the new juror takes a share of the entries
    if not already:
        await _mail_seat(session, event, user, invited_by, base_url)
    return SeatResult(seated=True, email=result.email)


async def _mail_seat(
    session: JurySession, event: Event, juror: User, invited_by: User, base_url: str
) -> None:
    link = f"{base_url}/events/{event.slug}/jury/{session.id}"

    def compose(user: User) -> tuple[str, str]:
        if session.opens_at:
            when = _("Scoring opens on %(when)s.", when=format_when(session.opens_at, event.timezone, "long"))
        else:
            when = _("The organisers will open the scoring.")
        return _("You are on the jury %(session)s of %(event)s", session=session.name, event=event.title), _(
            "Hello %(name)s,\n\n%(organiser)s seated you on the jury “%(session)s” of %(event)s. "
            "%(when)s\n\nOn your jury page, accept the seat and name the teams you know "
            "(conflicts of interest):\n\n%(link)s\n",
            name=user.name,
            organiser=invited_by.name,
            session=session.name,
            event=event.title,
            when=when,
            link=link,
        )

    await mail_users([juror], compose)
