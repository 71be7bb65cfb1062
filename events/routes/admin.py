"""Platform administration: accounts and new events."""

from __future__ import annotations

from starlette.requests import Request
from tortoise.expressions import Q

from events.auth import ADMIN, not_found, route
from events.domain import accounts
from events.domain import events as event_rules
from events.forms import read_form
from events.i18n import _
from events.models import Event, EventKind, User
from events.outcomes import act, submit
from events.templating import render

PAGE_SIZE = 50


async def users(request: Request):
    query = request.query_params.get("q", "").replace("\x00", "").strip()[:100]
    rows = User.filter(anonymised_at__isnull=True)
    if query:
        rows = rows.filter(Q(email__icontains=query) | Q(name__icontains=query))
    listed = await rows.order_by("name").limit(PAGE_SIZE)
    events = await Event.all().order_by("title")
    return render(request, "admin/users.html", {"users": listed, "q": query, "events": events})


async def set_active(request: Request):
    user_id = request.path_params["user_id"]
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise not_found(request)
    form = await read_form(request)
    active = form.get("active") == "1"
    return await act(
        request,
        accounts.set_active(user, active, by=request.state.user),
        done=_("The account is enabled.") if active else _("The account is disabled."),
        then="/admin",
    )


async def new_event(request: Request):
    errors: dict = {}
    values: dict = {"kind": EventKind.PROGRAMME.value}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            event_rules.create_event(
                title=values.get("title", ""),
                slug=values.get("slug", ""),
                kind=values.get("kind", ""),
                organiser_email=values.get("organiser_email", ""),
            ),
            done=_("The event is created as a draft."),
            then=lambda event: f"/events/{event.slug}/manage",
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "admin/new_event.html",
        {"values": values, "errors": errors, "kinds": list(EventKind)},
        status_code=422 if errors else 200,
    )


routes = [
    route("/admin", users, access=ADMIN),
    route("/admin/users/{user_id:id}/active", set_active, access=ADMIN, methods=("POST",)),
    route("/admin/events/new", new_event, access=ADMIN, methods=("GET", "POST")),
]
