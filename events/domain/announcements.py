"""Announcements: news that an event's organisers post, shown on the event's pages and in its feed.

Posted means public to whoever sees the event (there is no draft of an announcement; a draft event's
announcements are seen by its organisers only, like the event). Organisers edit and delete them. When
posting, an organiser may mail the news to the event's registrants or to its jurors: one message per
person, in their own language, queued in the same transaction as the announcement. Editing mails
nobody again. Posting is news for the event's webhooks too (`events.domain.webhooks`), queued in the
same transaction. Titles are one line of text; bodies are Markdown, rendered by `events.markdown`.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from events.domain import webhooks
from events.domain.errors import FormErrors
from events.i18n import _, lazy
from events.mail import mail_users
from events.models import Announcement, Audience, Event, EventStatus, Role, User

log = logging.getLogger("hackcity.announcements")
MAX_TITLE = 200
MAX_BODY = 20_000
# How many the event page shows; the announcements page shows them all.
LATEST = 3
AUDIENCE_LABELS = {
    Audience.NOBODY: lazy("Nobody: publish on the event's pages only"),
    Audience.REGISTRANTS: lazy("The event's registrants"),
    Audience.JURORS: lazy("The event's jurors"),
}
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.ARCHIVED)


def audience_label(audience: str) -> str:
    try:
        return _(AUDIENCE_LABELS[Audience(audience)])
    except ValueError:
        return audience


def _without_controls(text: str, keep: str = "") -> str:
    """The text without control characters (Unicode category Cc) other than those in `keep`."""
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) != "Cc")


def _clean(title: str, body: str) -> tuple[str, str]:
    """The title as one line, the body with its line breaks and tabs, or FormErrors."""
    # Line breaks and other spacing become one space first, then the other controls go.
    title = " ".join(_without_controls(" ".join(title.split())).split())
    body = _without_controls(body.replace("\r\n", "\n").replace("\r", "\n"), keep="\n\t").strip()
    errors: dict[str | None, str] = {}
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Use at most %(n)s characters.", n=MAX_TITLE)
    if not body:
        errors["body"] = _("Write the announcement.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("Use at most %(n)s characters.", n=MAX_BODY)
    if errors:
        raise FormErrors(errors)
    return title, body


async def recipients(event: Event, audience: Audience) -> list[User]:
    """Who is mailed for `audience`: the event's registrants, or its jurors (a juror's role in the
    event, or a seat on one of its jury sessions), each once, in the order of their accounts."""
    if audience == Audience.REGISTRANTS:
        return await User.filter(registrations__event_id=event.id).distinct().order_by("id")
    if audience == Audience.JURORS:
        by_role = set(
            await User.filter(event_roles__event_id=event.id, event_roles__role=Role.JUROR).values_list(
                "id", flat=True
            )
        )
        seated = set(await User.filter(jury_seats__session__event_id=event.id).values_list("id", flat=True))
        return await User.filter(id__in=sorted(by_role | seated)).order_by("id")
    return []


async def post_announcement(
    *,
    event: Event,
    author: User,
    title: str,
    body: str,
    audience: str,
    base_url: str,
    now: datetime | None = None,
) -> Announcement:
    """Post news to the event, and mail it to `audience` (`nobody`, `registrants` or `jurors`).

    A draft event's news is mailed to nobody: its pages are the organisers' alone, so a link in a
    message would lead nowhere."""
    title, body = _clean(title, body)
    try:
        chosen = Audience(audience)
    except ValueError:
        raise FormErrors({"audience": _("Choose who receives the announcement by email.")}) from None
    if chosen != Audience.NOBODY and not event.is_published:
        raise FormErrors({"audience": _("This event is a draft: publish it before mailing an announcement.")})
    now = now or datetime.now(UTC)
    async with in_transaction():
        announcement = await Announcement.create(
            event=event,
            author=author,
            title=title,
            body=body,
            audience=chosen,
            created_at=now,
            updated_at=now,
        )
        if chosen != Audience.NOBODY:
            announcement.mailed_count = await _mail(event, announcement, chosen, base_url)
            await announcement.save(update_fields=["mailed_count"])
        await webhooks.emit(
            event,
            webhooks.ANNOUNCEMENT_POSTED,
            webhooks.announcement_data(announcement, event, base_url),
            base_url=base_url,
        )
    log.info(
        "announcement %s posted in event %s by user %s, mailed to %s %s",
        announcement.id,
        event.id,
        author.id,
        announcement.mailed_count,
        chosen,
    )
    return announcement


async def _mail(event: Event, announcement: Announcement, audience: Audience, base_url: str) -> int:
    link = f"{base_url}/events/{event.slug}/announcements/{announcement.id}"

    def compose(person: User) -> tuple[str, str]:
        if audience == Audience.REGISTRANTS:
            why = _("You receive this message because you registered for %(event)s.", event=event.title)
        else:
            why = _("You receive this message because you are a juror of %(event)s.", event=event.title)
        return _("%(event)s: %(title)s", event=event.title, title=announcement.title), _(
            "Hello %(name)s,\n\nThe organisers of %(event)s posted news: “%(title)s”.\n\n%(body)s\n\n"
            "Read it online:\n\n%(link)s\n\n%(why)s\n",
            name=person.name,
            event=event.title,
            title=announcement.title,
            body=announcement.body,
            link=link,
            why=why,
        )

    return await mail_users(await recipients(event, audience), compose)


async def update_announcement(
    *, announcement: Announcement, title: str, body: str, now: datetime | None = None
) -> Announcement:
    """Change the title and the body; nobody is mailed again."""
    title, body = _clean(title, body)
    announcement.title, announcement.body = title, body
    announcement.updated_at = now or datetime.now(UTC)
    await announcement.save(update_fields=["title", "body", "updated_at"])
    log.info("announcement %s edited", announcement.id)
    return announcement


async def delete_announcement(*, announcement: Announcement) -> None:
    await announcement.delete()
    log.info("announcement %s of event %s deleted", announcement.id, announcement.event_id)


async def of_event(event: Event, limit: int | None = None) -> list[Announcement]:
    """The event's announcements, newest first (the `limit` newest)."""
    query = Announcement.filter(event_id=event.id).order_by("-created_at", "-id")
    if limit is not None:
        query = query.limit(limit)
    return await query


async def find(event: Event, announcement_id: int) -> Announcement | None:
    """The event's announcement of that id; None for another event's, or none."""
    return await Announcement.get_or_none(id=announcement_id, event_id=event.id)


async def public(limit: int) -> list[Announcement]:
    """The newest announcements of every public event (published or archived), never a draft's,
    with their event."""
    return (
        await Announcement.filter(event__status__in=PUBLIC_STATUSES)
        .select_related("event")
        .order_by("-created_at", "-id")
        .limit(limit)
    )
