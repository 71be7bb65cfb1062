"""The roles people hold in an event, and invitations by email: grant and revoke a role, invite
someone (at once for an existing account, else by a mailed link), find, accept and cancel an
invitation, and the invitations still waiting for an answer.

An invitation's token is mailed once and stored only as a hash; it works once, for 30 days. A
challenge owner's invitation also gives the ownership of its challenge, and a juror's may name a
jury session, which accepting it seats them on. A participant's invitation (made by an import of
people, `events.domain.people_import`) gives no role: its holder registers for the event first, and
accepting it then places them in the team it names (`teams.join_named_team`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import throttle
from events.domain.errors import FormErrors
from events.domain.events import role_label
from events.domain.paging import Page, page_of
from events.domain.registration import registration_of
from events.domain.teams import join_named_team
from events.i18n import _
from events.mail import mail_address
from events.models import (
    Challenge,
    ChallengeOwner,
    Event,
    EventRole,
    Invitation,
    InvitedRole,
    JurySession,
    JurySessionJuror,
    Role,
    SessionStatus,
    Team,
    User,
)

log = logging.getLogger("hackcity.events")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
INVITATION_LIFETIME = timedelta(days=30)


async def _grant(event: Event, user: User, role: Role, challenge: Challenge | None = None) -> EventRole:
    """Give a role (idempotent); a challenge owner also gets the ownership of the challenge."""
    granted, _created = await EventRole.get_or_create(event_id=event.id, user_id=user.id, role=role)
    if challenge is not None and role == Role.CHALLENGE_OWNER:
        await ChallengeOwner.get_or_create(challenge_id=challenge.id, user_id=user.id)
    return granted


async def grant_role(*, event: Event, email: str, role: str) -> EventRole:
    if role not in {r.value for r in Role}:
        raise FormErrors({"role": _("Choose a role.")})
    user = await User.get_or_none(email=email.strip().lower(), is_active=True)
    if user is None:
        raise FormErrors({"email": _("No active account uses this email address.")})
    try:
        granted = await _grant(event, user, Role(role))
    except IntegrityError:
        granted = await EventRole.get(event_id=event.id, user_id=user.id, role=Role(role))
    log.info("role %s granted on event %s to user %s", role, event.id, user.id)
    return granted


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InviteResult:
    granted: bool  # an account had this address: the role is given at once
    email: str


def email_problem(email: str) -> str | None:
    """Why an address (stripped, lower-cased) cannot be invited, or None."""
    if not email or len(email) > 254 or not EMAIL_RE.match(email):
        return _("Enter an email address like name@example.org.")
    return None


async def grant(event: Event, user: User, role: Role, challenge: Challenge | None = None) -> None:
    """Give an account a role at once (idempotent), with the ownership of `challenge` for an owner."""
    await _grant(event, user, role, challenge)
    log.info("role %s granted on event %s to user %s", role, event.id, user.id)


def new_invitation(
    *,
    event: Event,
    email: str,
    role: InvitedRole,
    invited_by: User,
    challenge: Challenge | None = None,
    jury_session: JurySession | None = None,
    name: str = "",
    team_name: str = "",
) -> tuple[str, Invitation]:
    """An invitation not saved yet, and its token: the token is mailed once, only its hash is stored."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        event=event,
        email=email,
        role=role,
        challenge=challenge,
        jury_session=jury_session,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        name=name,
        team_name=team_name,
    )
    return token, invitation


async def store_invitation(
    *,
    event: Event,
    email: str,
    role: InvitedRole,
    invited_by: User,
    challenge: Challenge | None = None,
    jury_session: JurySession | None = None,
) -> str:
    """Store an invitation and return its token, for the link to mail. A new invitation replaces an
    unanswered one for the same place, so one link works. The caller holds the transaction."""
    await Invitation.filter(
        event_id=event.id,
        email=email,
        role=role,
        challenge_id=challenge.id if challenge else None,
        jury_session_id=jury_session.id if jury_session else None,
        accepted_at__isnull=True,
    ).delete()
    token, invitation = new_invitation(
        event=event,
        email=email,
        role=role,
        invited_by=invited_by,
        challenge=challenge,
        jury_session=jury_session,
    )
    await invitation.save()
    return token


def invitation_mail(
    *,
    event: Event,
    role: InvitedRole,
    invited_by: User,
    link: str,
    challenge: Challenge | None = None,
    jury_session: JurySession | None = None,
    name: str = "",
    team_name: str = "",
) -> Callable[[], tuple[str, str]]:
    """The invitation's mail, composed when called (in the recipient's language, see `mail_address`)."""

    def compose() -> tuple[str, str]:
        greeting = _("Hello %(name)s,", name=name) if name else _("Hello,")
        subject = _("You are invited to %(event)s on hackcity", event=event.title)
        if role == InvitedRole.PARTICIPANT:
            if team_name:
                offer = _(
                    "%(name)s invites you to take part in %(event)s, in the team “%(team)s”.",
                    name=invited_by.name,
                    event=event.title,
                    team=team_name,
                )
            else:
                offer = _(
                    "%(name)s invites you to take part in %(event)s.", name=invited_by.name, event=event.title
                )
            return subject, (
                greeting
                + "\n\n"
                + offer
                + "\n\n"
                + _(
                    "To accept, open this link (valid for 30 days), sign in or create an account, and "
                    "register for the event:\n\n%(link)s\n\nIf you did not expect it, ignore this message.\n",
                    link=link,
                )
            )
        if challenge:
            place = _("the challenge “%(title)s” of", title=challenge.title) + " "
        elif jury_session:
            place = _("the jury “%(name)s” of", name=jury_session.name) + " "
        else:
            place = ""  # "to join DataCity", one space
        return subject, (
            greeting
            + "\n\n"
            + _(
                "%(name)s invites you to join %(place)s%(event)s as %(role)s.\n\n"
                "To accept, open this link (valid for 30 days), then sign in or create an account "
                "with any email address:\n\n%(link)s\n\nIf you did not expect it, ignore this message.\n",
                name=invited_by.name,
                place=place,
                event=event.title,
                role=role_label(role),
                link=link,
            )
        )

    return compose


async def invite(
    *,
    event: Event,
    email: str,
    role: str,
    invited_by: User,
    base_url: str,
    default_language: str,
    challenge: Challenge | None = None,
    jury_session: JurySession | None = None,
) -> InviteResult:
    """Offer a role by email. An active account with that address gets it at once; otherwise an
    invitation is stored (its token hashed) and a link built from BASE_URL is mailed, in the
    instance's `default_language` (nobody's profile says otherwise yet).

    A juror's invitation may name a jury session (`jury_session`): accepting it also seats the
    juror there (the caller seats an existing account itself). A mailed invitation counts
    towards the rate limits of `throttle.invitation` (RateLimited). Participants are invited by an
    import of people (`events.domain.people_import`), not here."""
    email = email.strip().lower()
    errors: dict[str | None, str] = {}
    problem = email_problem(email)
    if problem:
        errors["email"] = problem
    if role not in {r.value for r in Role}:
        errors["role"] = _("Choose a role.")
    if errors:
        raise FormErrors(errors)
    chosen = Role(role)
    user = await User.get_or_none(email=email, is_active=True)
    if user is not None:
        await grant(event, user, chosen, challenge)
        return InviteResult(granted=True, email=email)
    await throttle.invitation(inviter_id=invited_by.id, email=email)
    async with in_transaction():
        token = await store_invitation(
            event=event,
            email=email,
            role=InvitedRole(chosen),
            invited_by=invited_by,
            challenge=challenge,
            jury_session=jury_session,
        )
    compose = invitation_mail(
        event=event,
        role=InvitedRole(chosen),
        invited_by=invited_by,
        link=f"{base_url}/invitations/{token}",
        challenge=challenge,
        jury_session=jury_session,
    )
    # Nobody holds this address (an account would have had the role at once): the instance's language.
    await mail_address(email, compose, default_language=default_language)
    log.info("invitation %s on event %s sent by user %s", chosen, event.id, invited_by.id)
    return InviteResult(granted=False, email=email)


async def find_invitation(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The unanswered, unexpired invitation behind a token, with its event and challenge."""
    now = now or datetime.now(UTC)
    if not token or len(token) > 200:
        return None
    invitation = await Invitation.get_or_none(
        token_hash=_token_hash(token), accepted_at__isnull=True
    ).select_related("event", "challenge", "jury_session", "invited_by")
    if invitation is None or invitation.created_at < now - INVITATION_LIFETIME:
        return None
    return invitation


@dataclass(frozen=True)
class Accepted:
    """An invitation just accepted, whether its invitee now sits on its jury session, and the team
    a participant's invitation placed them in."""

    invitation: Invitation
    seated: bool
    team: Team | None = None


async def accept_invitation(*, token: str, user: User, now: datetime | None = None) -> Accepted | None:
    """Grant the invited role to the signed-in user. A token works once.

    A juror's invitation that names a jury session also seats the user on it, while the session is
    still scheduled or open; an open session's assignments are recomputed so the new juror takes a
    share of the entries. A participant's invitation needs the user registered for the event
    (FormErrors otherwise) and places them in the team it names, created if the event has none of
    that name (FormErrors, the invitation left unanswered, when that cannot be done). None when the
    token is unknown, expired or already used."""
    from events.domain import assignments, seats  # jury sessions build on events, not the reverse

    now = now or datetime.now(UTC)
    invitation = await find_invitation(token, now=now)
    if invitation is None:
        return None
    participant = invitation.role == InvitedRole.PARTICIPANT
    if participant and await registration_of(event=invitation.event, user=user) is None:
        raise FormErrors({None: _("Register for the event first, then accept the invitation.")})
    team = None
    async with in_transaction():
        # The conditional update is what makes the token single-use, even for two parallel clicks.
        claimed = await Invitation.filter(id=invitation.id, accepted_at__isnull=True).update(
            accepted_at=now, accepted_by_id=user.id
        )
        if not claimed:
            return None
        if participant:
            # Refused (full, already in another team): the transaction is rolled back, the link still works.
            if invitation.team_name:
                team = await join_named_team(
                    event=invitation.event, user=user, name=invitation.team_name, now=now
                )
        else:
            await _grant(invitation.event, user, Role(invitation.role), invitation.challenge)
        session = invitation.jury_session
        if session is not None and invitation.role == Role.JUROR:
            session = await JurySession.get(id=session.id)  # its status now, not when the mail left
            if session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
                await seats.add_juror(session=session, user=user)
                if session.status == SessionStatus.OPEN:
                    await assignments.compute_assignments(session=session, now=now)
                log.info("user %s seated on jury session %s by invitation", user.id, session.id)
            invitation.jury_session = session
    log.info("invitation %s accepted by user %s", invitation.id, user.id)
    seated = invitation.jury_session is not None and await JurySessionJuror.exists(
        session_id=invitation.jury_session.id, user_id=user.id
    )
    return Accepted(invitation, seated, team)


INVITATIONS_PER_PAGE = 100


@dataclass(frozen=True)
class Unanswered:
    """An invitation nobody has accepted yet, and whether its link still works."""

    invitation: Invitation
    expires_at: datetime

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(UTC)


@dataclass(frozen=True)
class People:
    """The organisers' people page: who holds a role, and a page of the unanswered invitations
    (newest first; an import can send thousands), with how many of them have expired."""

    roles: list[EventRole]
    invitations: list[Unanswered]
    page: Page
    expired: int


async def people(event: Event, *, page: int | None = None) -> People:
    """The roles of the event with their holders (by role, then name), and its unanswered invitations."""
    roles = await EventRole.filter(event_id=event.id).select_related("user").order_by("role", "user__name")
    unanswered = Invitation.filter(event_id=event.id, accepted_at__isnull=True)
    listed = page_of(total=await unanswered.count(), per_page=INVITATIONS_PER_PAGE, asked=page)
    shown = (
        await unanswered.select_related("challenge")
        .order_by("-created_at", "-id")
        .offset(listed.offset)
        .limit(listed.per_page)
    )
    expired = await unanswered.filter(created_at__lte=datetime.now(UTC) - INVITATION_LIFETIME).count()
    return People(
        roles=roles,
        invitations=[Unanswered(i, i.created_at + INVITATION_LIFETIME) for i in shown],
        page=listed,
        expired=expired,
    )


async def pending_invitations(event: Event) -> list[Invitation]:
    """Every unanswered invitation of the event, expired ones included (they can still be cancelled)."""
    return (
        await Invitation.filter(event_id=event.id, accepted_at__isnull=True)
        .select_related("challenge")
        .order_by("-created_at")
    )


async def cancel_invitation(*, event: Event, invitation_id: int) -> bool:
    """Withdraw an unanswered invitation of this event: it is deleted, so its mailed link stops working.

    False when the event has no such invitation (another event's id included); an invitation that was
    accepted meanwhile is refused with a message, as the role is already given."""
    invitation = await Invitation.get_or_none(id=invitation_id, event_id=event.id)
    if invitation is None:
        return False
    # The condition on accepted_at settles a race with an invitee accepting at the same moment.
    deleted = await Invitation.filter(id=invitation.id, accepted_at__isnull=True).delete()
    if not deleted:
        raise FormErrors(
            {
                None: _(
                    "This invitation was already accepted: remove the role from the list of people instead."
                )
            }
        )
    log.info("invitation %s on event %s cancelled", invitation.id, event.id)
    return True


async def revoke_role(*, event: Event, role_id: int) -> bool:
    """Remove a role; the last organiser of an event cannot be removed."""
    granted = await EventRole.get_or_none(id=role_id, event_id=event.id)
    if granted is None:
        return False
    if granted.role == Role.ORGANISER:
        organisers = await EventRole.filter(event_id=event.id, role=Role.ORGANISER).count()
        if organisers <= 1:
            raise FormErrors({None: _("An event needs at least one organiser.")})
    async with in_transaction():
        await granted.delete()
        if granted.role == Role.CHALLENGE_OWNER:
            await ChallengeOwner.filter(challenge__event_id=event.id, user_id=granted.user_id).delete()
    log.info("role %s revoked on event %s from user %s", granted.role, event.id, granted.user_id)
    return True
