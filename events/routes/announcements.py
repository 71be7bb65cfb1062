"""Announcements: the organisers' page to post, edit and delete them; the public list and pages; the
Atom feeds of an event and of the whole instance (docs/SECURITY.md, "Announcements and feeds")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from events.auth import ORGANISER, PUBLIC, not_found, roles_in, route
from events.domain import announcements as rules
from events.feeds import MEDIA_TYPE, Feed, FeedEntry, atom, tag_uri
from events.forms import read_form
from events.i18n import _, in_language, ngettext
from events.markdown import render_markdown
from events.models import Announcement, Audience, Event, Role
from events.outcomes import act, submit
from events.templating import render

# How many entries a feed holds: the newest ones.
FEED_SIZE = 50
# The instance feed's `updated` when no public event has news yet.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _manage_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/announcements"


async def _announcement_or_404(request: Request, event: Event) -> Announcement:
    announcement = await rules.find(event, request.path_params["announcement_id"])
    if announcement is None:
        raise not_found(request)
    return announcement


def _fields(values: dict[str, str]) -> dict[str, str]:
    return {"title": values.get("title", ""), "body": values.get("body", "")}


def _posted(announcement: Announcement) -> str:
    if announcement.audience == Audience.NOBODY:
        return _("The announcement “%(title)s” is posted.", title=announcement.title)
    return ngettext(
        "The announcement “%(title)s” is posted and mailed to %(num)s person.",
        "The announcement “%(title)s” is posted and mailed to %(num)s people.",
        announcement.mailed_count,
        title=announcement.title,
    )


# --- organisers ---------------------------------------------------------------------------------


async def manage_announcements(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values = {"audience": Audience.NOBODY.value}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            rules.post_announcement(
                event=event,
                author=request.state.user,
                audience=values.get("audience", ""),
                base_url=request.app.state.settings.base_url,
                **_fields(values),
            ),
            done=_posted,
            then=_manage_url(event),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    announcements = (
        await Announcement.filter(event_id=event.id).select_related("author").order_by("-created_at", "-id")
    )
    return render(
        request,
        "announcements/manage.html",
        {
            "event": event,
            "values": values,
            "errors": errors,
            "announcements": announcements,
            "audiences": [(audience.value, rules.audience_label(audience)) for audience in Audience],
            "audience_label": rules.audience_label,
        },
        status_code=422 if errors else 200,
    )


async def edit_announcement(request: Request):
    event: Event = request.state.event
    announcement = await _announcement_or_404(request, event)
    errors: dict = {}
    values = {"title": announcement.title, "body": announcement.body}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            rules.update_announcement(announcement=announcement, **_fields(values)),
            done=lambda saved: _("The announcement “%(title)s” is saved.", title=saved.title),
            then=_manage_url(event),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "announcements/edit.html",
        {"event": event, "announcement": announcement, "values": values, "errors": errors},
        status_code=422 if errors else 200,
    )


async def delete_announcement(request: Request):
    event: Event = request.state.event
    announcement = await _announcement_or_404(request, event)
    return await act(
        request,
        rules.delete_announcement(announcement=announcement),
        done=_("The announcement “%(title)s” is deleted.", title=announcement.title),
        then=_manage_url(event),
    )


# --- everyone -----------------------------------------------------------------------------------


async def _may_manage(request: Request, event: Event) -> bool:
    user = request.state.user
    return bool(user and (user.is_admin or Role.ORGANISER in await roles_in(event, user)))


async def announcements(request: Request):
    event: Event = request.state.event
    return render(
        request,
        "announcements/list.html",
        {
            "event": event,
            "announcements": await rules.of_event(event),
            "may_manage": await _may_manage(request, event),
        },
    )


async def announcement_page(request: Request):
    event: Event = request.state.event
    announcement = await _announcement_or_404(request, event)
    return render(
        request,
        "announcements/announcement.html",
        {"event": event, "announcement": announcement, "may_manage": await _may_manage(request, event)},
    )


def _entry(announcement: Announcement, event: Event, base_url: str) -> FeedEntry:
    return FeedEntry(
        id=f"urn:uuid:{announcement.uuid}",
        title=announcement.title,
        link=f"{base_url}/events/{event.slug}/announcements/{announcement.id}",
        published=announcement.created_at,
        updated=announcement.updated_at,
        # The event speaks: the organiser who typed the news is not named in public.
        author=event.title,
        author_uri=f"{base_url}/events/{event.slug}",
        html=str(render_markdown(announcement.body)),
    )


def _feed_response(request: Request, body: bytes) -> Response:
    """The feed, or 304 when the reader already holds this very document (its ETag)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    held = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in held or "*" in held:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


async def event_feed(request: Request):
    """The event's news as Atom. A draft event has no feed, whoever asks: feeds are read by
    programs that share and cache what they fetch."""
    event: Event = request.state.event
    if not event.is_published:
        raise not_found(request)
    base_url = request.app.state.settings.base_url
    feed = Feed(
        id=tag_uri(base_url, event.created_at, f"events/{event.id}/announcements"),
        title=event.title,
        subtitle=event.summary,
        self_link=f"{base_url}/events/{event.slug}/feed.atom",
        alternate=f"{base_url}/events/{event.slug}/announcements",
        author=event.title,
        author_uri=f"{base_url}/events/{event.slug}",
        updated_when_empty=event.created_at,
        entries=[_entry(item, event, base_url) for item in await rules.of_event(event, limit=FEED_SIZE)],
    )
    return _feed_response(request, atom(feed))


async def site_feed(request: Request):
    """The news of every public event (published or archived) as Atom; never a draft's."""
    settings = request.app.state.settings
    base_url = settings.base_url
    # One document for every reader: the feed's own words are in the instance's language.
    with in_language(settings.default_language):
        title = _("News of the events")
    feed = Feed(
        id=f"{base_url}/feed.atom",
        title=title,
        self_link=f"{base_url}/feed.atom",
        alternate=f"{base_url}/",
        author="hackcity",
        author_uri=f"{base_url}/",
        updated_when_empty=EPOCH,
        entries=[_entry(item, item.event, base_url) for item in await rules.public(FEED_SIZE)],
    )
    return _feed_response(request, atom(feed))


routes = [
    route(
        "/events/{slug}/manage/announcements",
        manage_announcements,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/announcements/{announcement_id:id}/edit",
        edit_announcement,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/announcements/{announcement_id:id}/delete",
        delete_announcement,
        access=ORGANISER,
        methods=("POST",),
    ),
    route("/events/{slug}/announcements", announcements, access=PUBLIC),
    route("/events/{slug}/announcements/{announcement_id:id}", announcement_page, access=PUBLIC),
    route("/events/{slug}/feed.atom", event_feed, access=PUBLIC),
    route("/feed.atom", site_feed, access=PUBLIC),
]
