"""Pages for everyone: home, event pages, legal pages, language switch, health check."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from tortoise import connections

from events.auth import PUBLIC, not_found, roles_in, route
from events.domain import announcements as announcement_rules
from events.domain import branding, gallery, linked_data, public_vote, published, schedule
from events.domain import events as event_rules
from events.forms import read_form, safe_next
from events.i18n import LANGUAGES
from events.models import Challenge, ChallengeStatus, Event, EventStatus, Round
from events.templating import render


async def home(request: Request):
    # The columns the list shows, not each event's texts and registration questions (JSON).
    events = (
        await Event.filter(status__in=[EventStatus.PUBLISHED, EventStatus.ARCHIVED])
        .order_by("-starts_at", "id")
        .only("id", "slug", "title", "summary", "starts_at", "ends_at", "timezone", "location")
    )
    may_create = await event_rules.may_create_events(request.state.user)
    return render(request, "pages/home.html", {"events": events, "may_create_events": may_create})


async def event_page(request: Request):
    event: Event = request.state.event
    roles = await roles_in(event, request.state.user)
    rounds = list(await Round.filter(event_id=event.id).order_by("position", "id"))
    milestones = schedule.timeline(event, rounds)
    challenges = await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED).order_by(
        "position", "id"
    )
    return render(
        request,
        "events/event.html",
        {
            "event": event,
            "my_roles": sorted(roles),
            "timeline": milestones,
            "next_deadline": schedule.next_deadline(milestones),
            "rounds": rounds,
            "challenges": challenges,
            "images": await branding.event_images(event),
            "gallery_public": gallery.is_public(event, rounds[-1] if rounds else None, datetime.now(UTC)),
            "open_votes": await public_vote.open_votes(event) if event.is_published else [],
            "has_results": event.is_published and await published.has_published_results(event),
            "linked_data": await linked_data.hackathon(
                event=event,
                base_url=_base_url(request),
                challenges=challenges,
                rounds=rounds,
                works_limit=linked_data.EMBEDDED_WORKS,
            )
            if linked_data.is_listed(event)
            else None,
            "announcements": await announcement_rules.of_event(event, limit=announcement_rules.LATEST),
        },
    )


def _base_url(request: Request) -> str:
    return request.app.state.settings.base_url.rstrip("/")


async def hackathon_json(request: Request):
    """The event as schema.org JSON-LD (the hackathon.json format), for machines."""
    event: Event = request.state.event
    if not linked_data.is_listed(event):
        raise not_found(request)
    data = await linked_data.hackathon(event=event, base_url=_base_url(request))
    return JSONResponse(data, media_type="application/ld+json", headers={"Access-Control-Allow-Origin": "*"})


async def calendar(request: Request):
    """The schedule as iCalendar, for people to subscribe to."""
    event: Event = request.state.event
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    body = schedule.calendar_ics(event, rounds, base_url=request.app.state.settings.base_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )


async def accessibility(request: Request):
    return render(request, "pages/accessibility.html")


async def privacy(request: Request):
    return render(request, "pages/privacy.html")


async def terms(request: Request):
    return render(request, "pages/terms.html")


async def language(request: Request):
    """Switch the interface language: a cookie for visitors, the profile for signed-in users."""
    form = await read_form(request)
    chosen = form.get("language", "")
    target = safe_next(form.get("next"), "/")
    response = RedirectResponse(target, status_code=303)
    if chosen in LANGUAGES:
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
        user = request.state.user
        if user is not None and user.language != chosen:
            user.language = chosen
            await user.save(update_fields=["language"])
    return response


async def healthz(request: Request):
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


routes = [
    route("/", home, access=PUBLIC),
    route("/events/{slug}", event_page, access=PUBLIC),
    route("/events/{slug}/calendar.ics", calendar, access=PUBLIC),
    route("/events/{slug}/hackathon.json", hackathon_json, access=PUBLIC),
    route("/accessibility", accessibility, access=PUBLIC),
    route("/privacy", privacy, access=PUBLIC),
    route("/terms", terms, access=PUBLIC),
    route("/language", language, access=PUBLIC, methods=("POST",)),
    route("/healthz", healthz, access=PUBLIC),
]
