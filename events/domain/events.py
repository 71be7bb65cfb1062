"""Events and the roles people hold in them: creation from a preset, editing, the one status
transition, invitations by email, and what an organiser's dashboard needs to show.

Who may create an event: platform admins, and anyone who already organises an event (the
`EVENT_CREATOR` policy in `events.auth`). The creator becomes its first organiser.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import schedule, throttle
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.i18n import _, lazy, ngettext
from events.mail import mail_address
from events.models import (
    Challenge,
    ChallengeOwner,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Event,
    EventKind,
    EventRole,
    EventStatus,
    Invitation,
    JurySession,
    Role,
    Round,
    SessionStatus,
    User,
)

log = logging.getLogger("hackcity.events")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# Paths under /events/ that a slug would hide.
RESERVED_SLUGS = frozenset({"new"})
INVITATION_LIFETIME = timedelta(days=30)
MAX_TEXT = 20_000
ROLE_LABELS = {
    Role.ORGANISER: lazy("Organiser"),
    Role.CHALLENGE_OWNER: lazy("Challenge owner"),
    Role.JUROR: lazy("Juror"),
    Role.MENTOR: lazy("Mentor"),
}
# The rounds each preset creates; the event's `kind` keeps which preset it came from (the
# judging criteria of each preset hang off it in a later step).
PRESET_ROUNDS = {
    EventKind.PROGRAMME: (lazy("Application"), lazy("Prototype")),
    EventKind.HACKATHON: (lazy("Hackathon"),),
}
PRESET_LABELS = {
    EventKind.PROGRAMME: lazy("Programme (DataCity style)"),
    EventKind.HACKATHON: lazy("Hackathon"),
}
STATUS_TRANSITIONS = {
    EventStatus.DRAFT: {EventStatus.PUBLISHED},
    EventStatus.PUBLISHED: {EventStatus.DRAFT, EventStatus.ARCHIVED},
    EventStatus.ARCHIVED: {EventStatus.PUBLISHED},
}


def role_label(role: Role | str) -> str:
    return _(ROLE_LABELS[Role(role)])


def preset_label(kind: EventKind | str) -> str:
    return _(PRESET_LABELS[EventKind(kind)])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def _slug_problem(slug: str) -> str | None:
    if not SLUG_RE.match(slug) or len(slug) > 80:
        return _("Use lower-case letters, digits and hyphens only.")
    if slug in RESERVED_SLUGS:
        return _("This address is reserved: choose another one.")
    return None


async def may_create_events(user: User | None) -> bool:
    """Platform admins, and anyone who already organises an event, may create events (an organiser
    starting from scratch is made by an admin, `/admin/events/new`)."""
    if user is None:
        return False
    return user.is_admin or await EventRole.exists(user_id=user.id, role=Role.ORGANISER)


async def create_event(*, title: str, slug: str, kind: str, organiser_email: str) -> Event:
    """A draft event from a preset (`kind`), its rounds, and its first organiser."""
    title = title.strip()
    slug = (slug.strip() or slugify(title)).lower()
    errors: dict[str | None, str] = {}
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    if problem := _slug_problem(slug):
        errors["slug"] = problem
    if kind not in {k.value for k in EventKind}:
        errors["kind"] = _("Choose a kind of event.")
    organiser_email = organiser_email.strip().lower()
    organiser = (
        await User.get_or_none(email=organiser_email, is_active=True) if len(organiser_email) <= 254 else None
    )
    if organiser is None:
        errors["organiser_email"] = _("No active account uses this email address.")
    if errors:
        raise FormErrors(errors)
    try:
        async with in_transaction():
            event = await Event.create(title=title, slug=slug, kind=EventKind(kind))
            await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
            for position, name in enumerate(PRESET_ROUNDS[EventKind(kind)], start=1):
                await Round.create(event=event, position=position, name=_(name))
    except IntegrityError:
        raise FormErrors({"slug": _("Another event already uses this address.")}) from None
    log.info("event created id=%s kind=%s organiser=%s", event.id, kind, organiser.id)
    return event


def _dates(
    values: dict[str, str], names: tuple[str, ...], timezone: str, errors: dict[str | None, str]
) -> dict[str, datetime | None]:
    parsed: dict[str, datetime | None] = {}
    for name in names:
        try:
            parsed[name] = schedule.parse_local(values.get(name, ""), timezone)
        except ValueError as problem:
            errors[name] = str(problem)
    return parsed


def _check_window(
    parsed: dict[str, datetime | None], start: str, end: str, errors: dict[str | None, str]
) -> None:
    opens, closes = parsed.get(start), parsed.get(end)
    if opens and closes and closes <= opens:
        errors[end] = _("The end must come after the start.")


async def update_event(
    *,
    event: Event,
    title: str,
    slug: str,
    summary: str,
    description: str,
    location: str,
    timezone: str,
    starts_at: str,
    ends_at: str,
    registration_opens_at: str,
    registration_closes_at: str,
    allow_challenge_proposals: bool,
    retention_months: str | None = None,
) -> Event:
    """Save the event form. Dates are `datetime-local` values in the (new) time zone.
    `retention_months`: how long personal data is kept after the event (None: unchanged)."""
    from events.domain.retention import clean_retention  # retention reads events, not the reverse

    title, slug, timezone = title.strip(), slug.strip().lower(), timezone.strip()
    summary, location = " ".join(summary.split()), location.strip()
    errors: dict[str | None, str] = {}
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    if problem := _slug_problem(slug):
        errors["slug"] = problem
    if len(summary) > 500:
        errors["summary"] = _("Use at most %(n)s characters.", n=500)
    if len(description) > MAX_TEXT:
        errors["description"] = _("Use at most %(n)s characters.", n=MAX_TEXT)
    if len(location) > 200:
        errors["location"] = _("Use at most %(n)s characters.", n=200)
    if not schedule.is_timezone(timezone):
        errors["timezone"] = _("Enter a time zone like Europe/Paris or America/Montreal.")
        timezone = event.timezone  # still read the dates, to report their own problems
    values = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "registration_opens_at": registration_opens_at,
        "registration_closes_at": registration_closes_at,
    }
    dates = _dates(values, tuple(values), timezone, errors)
    _check_window(dates, "starts_at", "ends_at", errors)
    _check_window(dates, "registration_opens_at", "registration_closes_at", errors)
    months = event.retention_months
    if retention_months is not None:
        try:
            months = clean_retention(retention_months)
        except FormErrors as problem:
            errors.update(problem.errors)
    if errors:
        raise FormErrors(errors)
    if slug != event.slug and await Event.exists(slug=slug):
        raise FormErrors({"slug": _("Another event already uses this address.")})
    event.title, event.slug, event.summary = title, slug, summary
    event.description, event.location, event.timezone = description, location, timezone
    event.starts_at, event.ends_at = dates["starts_at"], dates["ends_at"]
    event.registration_opens_at = dates["registration_opens_at"]
    event.registration_closes_at = dates["registration_closes_at"]
    event.allow_challenge_proposals = allow_challenge_proposals
    event.retention_months = months
    try:
        await event.save(
            update_fields=[
                "title",
                "slug",
                "summary",
                "description",
                "location",
                "timezone",
                "starts_at",
                "ends_at",
                "registration_opens_at",
                "registration_closes_at",
                "allow_challenge_proposals",
                "retention_months",
            ]
        )
    except IntegrityError:
        raise FormErrors({"slug": _("Another event already uses this address.")}) from None
    log.info("event updated id=%s", event.id)
    return event


async def set_event_status(*, event: Event, status: str) -> Event:
    """The one way an event changes status (draft, published, archived)."""
    if status not in {s.value for s in EventStatus}:
        raise FormErrors({"status": _("Choose a status.")})
    target = EventStatus(status)
    if target == event.status:
        return event
    if target not in STATUS_TRANSITIONS[EventStatus(event.status)]:
        raise FormErrors({"status": _("This change of status is not possible.")})
    previous = event.status
    event.status = target
    await event.save(update_fields=["status"])
    log.info("event %s status %s -> %s", event.id, previous, target)
    return event


# --- roles and invitations -----------------------------------------------------------------


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
    towards the rate limits of `throttle.invitation` (RateLimited)."""
    email = email.strip().lower()
    errors: dict[str | None, str] = {}
    if not email or len(email) > 254 or not EMAIL_RE.match(email):
        errors["email"] = _("Enter an email address like name@example.org.")
    if role not in {r.value for r in Role}:
        errors["role"] = _("Choose a role.")
    if errors:
        raise FormErrors(errors)
    chosen = Role(role)
    user = await User.get_or_none(email=email, is_active=True)
    if user is not None:
        await _grant(event, user, chosen, challenge)
        log.info("role %s granted on event %s to user %s", chosen, event.id, user.id)
        return InviteResult(granted=True, email=email)
    await throttle.invitation(inviter_id=invited_by.id, email=email)
    token = secrets.token_urlsafe(32)
    async with in_transaction():
        # A new invitation replaces an unanswered one for the same place: one link works.
        await Invitation.filter(
            event_id=event.id,
            email=email,
            role=chosen,
            challenge_id=challenge.id if challenge else None,
            jury_session_id=jury_session.id if jury_session else None,
            accepted_at__isnull=True,
        ).delete()
        await Invitation.create(
            event=event,
            email=email,
            role=chosen,
            challenge=challenge,
            jury_session=jury_session,
            token_hash=_token_hash(token),
            invited_by=invited_by,
        )
    link = f"{base_url}/invitations/{token}"

    def compose() -> tuple[str, str]:
        if challenge:
            place = _("the challenge “%(title)s” of", title=challenge.title)
        elif jury_session:
            place = _("the jury “%(name)s” of", name=jury_session.name)
        else:
            place = ""
        return _("You are invited to %(event)s on hackcity", event=event.title), _(
            "Hello,\n\n%(name)s invites you to join %(place)s %(event)s as %(role)s.\n\n"
            "To accept, open this link (valid for 30 days), then sign in or create an account "
            "with any email address:\n\n%(link)s\n\nIf you did not expect it, ignore this message.\n",
            name=invited_by.name,
            place=place,
            event=event.title,
            role=role_label(chosen),
            link=link,
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


async def accept_invitation(*, token: str, user: User, now: datetime | None = None) -> Invitation | None:
    """Grant the invited role to the signed-in user. A token works once.

    A juror's invitation that names a jury session also seats the user on it, while the session is
    still scheduled or open; an open session's assignments are recomputed so the new juror takes a
    share of the entries."""
    from events.domain import assignments, seats  # jury sessions build on events, not the reverse

    now = now or datetime.now(UTC)
    invitation = await find_invitation(token, now=now)
    if invitation is None:
        return None
    async with in_transaction():
        # The conditional update is what makes the token single-use, even for two parallel clicks.
        claimed = await Invitation.filter(id=invitation.id, accepted_at__isnull=True).update(
            accepted_at=now, accepted_by_id=user.id
        )
        if not claimed:
            return None
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
    return invitation


async def pending_invitations(event: Event) -> list[Invitation]:
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


# --- the organiser's dashboard --------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    timeline: list[schedule.Milestone]
    next_deadline: schedule.Milestone | None
    attention: list[str]
    retention: Any = None  # events.domain.retention.RetentionStatus


async def dashboard(*, event: Event, now: datetime | None = None) -> Dashboard:
    """Counts, the timeline and what needs the organiser's attention."""
    from events.domain.retention import retention_status  # retention reads events, not the reverse
    from events.domain.rounds import overlapping_rounds  # rounds imports this module

    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    challenges = await Challenge.filter(event_id=event.id).prefetch_related("dataset_links")
    datasets = await Dataset.filter(event_id=event.id)
    people = await EventRole.filter(event_id=event.id).distinct().values_list("user_id", flat=True)
    items = schedule.timeline(event, rounds)
    attention: list[str] = []
    active = [c for c in challenges if c.status in (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED)]
    for challenge in active:
        if not challenge.dataset_links:
            attention.append(_("The challenge “%(title)s” offers no dataset.", title=challenge.title))
    proposed = sum(1 for c in challenges if c.status == ChallengeStatus.PROPOSED)
    if proposed:
        attention.append(
            ngettext(
                "%(num)s proposed challenge waits for a decision.",
                "%(num)s proposed challenges wait for a decision.",
                proposed,
            )
        )
    if not any(c.status == ChallengeStatus.PUBLISHED for c in challenges):
        attention.append(_("No challenge is published yet."))
    for dataset in datasets:
        if dataset.status == DatasetStatus.GONE:
            attention.append(_("The dataset “%(title)s” is gone at its source.", title=dataset.title))
        if not dataset.licence_spdx:
            attention.append(_("The dataset “%(title)s” has no known licence.", title=dataset.title))
    for first, second in overlapping_rounds(rounds):
        attention.append(
            _(
                "The submission windows of the rounds “%(first)s” and “%(second)s” overlap.",
                first=first.name,
                second=second.name,
            )
        )
    if event.registration_opens_at is None or event.registration_closes_at is None:
        attention.append(_("The registration window is not set."))
    counts = {
        "challenges": len(challenges),
        "datasets": len(datasets),
        "rounds": len(rounds),
        "people": len(set(people)),
    }
    privacy = await retention_status(event, now)
    return Dashboard(counts, items, schedule.next_deadline(items, now), attention, privacy)


DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_CHALLENGES_PER_TEAM = 10


async def update_participation(
    *,
    event: Event,
    rules: str,
    eligible_domains: str,
    challenges_per_team: str,
    questions: list[dict[str, str]],
) -> Event:
    """Save how people take part: rules to accept, allowed email domains, challenges per team,
    extra registration questions (validated like a round's questions)."""
    from events.domain.rounds import clean_questions

    errors: dict[str | None, str] = {}
    if len(rules) > MAX_TEXT:
        errors["rules"] = _("Use at most %(n)s characters.", n=MAX_TEXT)
    domains = [line.strip().lower().lstrip("@") for line in eligible_domains.splitlines() if line.strip()]
    bad = [d for d in domains if not DOMAIN_RE.match(d)]
    if bad:
        errors["eligible_domains"] = _("These are not email domains: %(domains)s", domains=", ".join(bad[:5]))
    per_team = parse_int(challenges_per_team) or 0
    if not 1 <= per_team <= MAX_CHALLENGES_PER_TEAM:
        errors["challenges_per_team"] = _("Enter a number between 1 and %(n)s.", n=MAX_CHALLENGES_PER_TEAM)
    cleaned = clean_questions(questions, errors)
    if errors:
        raise FormErrors(errors)
    event.rules = rules
    event.eligible_domains = "\n".join(dict.fromkeys(domains))
    event.challenges_per_team = per_team
    event.registration_questions = cleaned
    await event.save(
        update_fields=["rules", "eligible_domains", "challenges_per_team", "registration_questions"]
    )
    log.info("participation settings saved for event %s", event.id)
    return event
