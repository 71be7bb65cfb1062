"""Events and the roles people hold in them."""

from __future__ import annotations

import logging
import re
import unicodedata

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain.errors import FormErrors
from events.i18n import _, lazy
from events.models import Event, EventKind, EventRole, Role, User

log = logging.getLogger("hackcity.events")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ROLE_LABELS = {
    Role.ORGANISER: lazy("Organiser"),
    Role.CHALLENGE_OWNER: lazy("Challenge owner"),
    Role.JUROR: lazy("Juror"),
    Role.MENTOR: lazy("Mentor"),
}


def role_label(role: Role | str) -> str:
    return _(ROLE_LABELS[Role(role)])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


async def create_event(*, title: str, slug: str, kind: str, organiser_email: str) -> Event:
    title = title.strip()
    slug = (slug.strip() or slugify(title)).lower()
    errors: dict[str | None, str] = {}
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    if not SLUG_RE.match(slug) or len(slug) > 80:
        errors["slug"] = _("Use lower-case letters, digits and hyphens only.")
    if kind not in {k.value for k in EventKind}:
        errors["kind"] = _("Choose a kind of event.")
    organiser = await User.get_or_none(email=organiser_email.strip().lower(), is_active=True)
    if organiser is None:
        errors["organiser_email"] = _("No active account uses this email address.")
    if errors:
        raise FormErrors(errors)
    try:
        async with in_transaction():
            event = await Event.create(title=title, slug=slug, kind=EventKind(kind))
            await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    except IntegrityError:
        raise FormErrors({"slug": _("Another event already uses this address.")}) from None
    log.info("event created id=%s organiser=%s", event.id, organiser.id)
    return event


async def grant_role(*, event: Event, email: str, role: str) -> EventRole:
    if role not in {r.value for r in Role}:
        raise FormErrors({"role": _("Choose a role.")})
    user = await User.get_or_none(email=email.strip().lower(), is_active=True)
    if user is None:
        raise FormErrors({"email": _("No active account uses this email address.")})
    existing = await EventRole.get_or_none(event_id=event.id, user_id=user.id, role=Role(role))
    if existing:
        return existing
    try:
        granted = await EventRole.create(event=event, user=user, role=Role(role))
    except IntegrityError:
        granted = await EventRole.get(event_id=event.id, user_id=user.id, role=Role(role))
    log.info("role %s granted on event %s to user %s", role, event.id, user.id)
    return granted


async def revoke_role(*, event: Event, role_id: int) -> bool:
    """Remove a role; the last organiser of an event cannot be removed."""
    granted = await EventRole.get_or_none(id=role_id, event_id=event.id)
    if granted is None:
        return False
    if granted.role == Role.ORGANISER:
        organisers = await EventRole.filter(event_id=event.id, role=Role.ORGANISER).count()
        if organisers <= 1:
            raise FormErrors({None: _("An event needs at least one organiser.")})
    await granted.delete()
    log.info("role %s revoked on event %s from user %s", granted.role, event.id, granted.user_id)
    return True
