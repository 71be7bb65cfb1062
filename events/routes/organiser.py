"""Organiser workspace of an event (grows with challenges, datasets, teams and juries)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, not_found, route
from events.domain import events as event_rules
from events.domain.errors import FormErrors
from events.flash import flash
from events.forms import read_form
from events.i18n import _
from events.models import Event, EventRole, Role
from events.templating import render


async def _people(event: Event) -> list[EventRole]:
    return await EventRole.filter(event_id=event.id).select_related("user").order_by("role", "user__name")


async def dashboard(request: Request):
    event: Event = request.state.event
    people = await _people(event)
    counts = {role: sum(1 for p in people if p.role == role) for role in Role}
    return render(request, "events/manage.html", {"event": event, "counts": counts})


async def people(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = await read_form(request)
        try:
            await event_rules.grant_role(
                event=event, email=values.get("email", ""), role=values.get("role", "")
            )
        except FormErrors as error:
            errors = error.errors
        else:
            flash(request, _("The role is granted."), "success")
            return RedirectResponse(f"/events/{event.slug}/manage/people", status_code=303)
    return render(
        request,
        "events/people.html",
        {
            "event": event,
            "people": await _people(event),
            "roles": list(Role),
            "errors": errors,
            "values": values,
        },
        status_code=422 if errors else 200,
    )


async def remove_person(request: Request):
    event: Event = request.state.event
    try:
        role_id = int(request.path_params["role_id"])
    except ValueError:
        raise not_found(request) from None
    try:
        removed = await event_rules.revoke_role(event=event, role_id=role_id)
    except FormErrors as error:
        flash(request, error.errors[None], "error")
        return RedirectResponse(f"/events/{event.slug}/manage/people", status_code=303)
    if not removed:
        raise not_found(request)
    flash(request, _("The role is removed."), "success")
    return RedirectResponse(f"/events/{event.slug}/manage/people", status_code=303)


routes = [
    route("/events/{slug}/manage", dashboard, access=ORGANISER),
    route("/events/{slug}/manage/people", people, access=ORGANISER, methods=("GET", "POST")),
    route(
        "/events/{slug}/manage/people/{role_id}/remove", remove_person, access=ORGANISER, methods=("POST",)
    ),
]
