"""Events: creation from a preset, editing, the one status transition, the address (slug) rules and
the participation settings (rules, eligibility, challenges per team, registration questions).

Roles and invitations are in `events.domain.invitations`, the organiser's dashboard in
`events.domain.dashboard`.

Who may create an event: platform admins, and anyone who already organises an event (the
`EVENT_CREATOR` policy in `events.auth`). The creator becomes its first organiser.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import schedule
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.domain.retention import clean_retention
from events.domain.rounds import clean_questions
from events.i18n import _, lazy
from events.models import Event, EventKind, EventRole, EventStatus, InvitedRole, Role, Round, User

log = logging.getLogger("hackcity.events")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /events/ that a slug would hide.
RESERVED_SLUGS = frozenset({"new"})
MAX_TEXT = 20_000
# By `InvitedRole`: the event roles, and the participant's place an invitation may offer.
ROLE_LABELS = {
    InvitedRole.ORGANISER: lazy("Organiser"),
    InvitedRole.CHALLENGE_OWNER: lazy("Challenge owner"),
    InvitedRole.JUROR: lazy("Juror"),
    InvitedRole.MENTOR: lazy("Mentor"),
    InvitedRole.PARTICIPANT: lazy("Participant"),
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


def role_label(role: Role | InvitedRole | str) -> str:
    """A role (or an invitation's participant place) in the reader's language."""
    return _(ROLE_LABELS[InvitedRole(role)])


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
    `retention_months`: how long personal data is kept after the event (None: unchanged).
    Refused (FormErrors): `event` keeps its stored values, so a page still links to its address."""
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
        # A parallel save took the address: the caller's event is the stored one again, not the form.
        await event.refresh_from_db()
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
