"""Organiser workspace of an event: creation from a preset, the dashboard, the event form, its
status, people and invitations (rounds and challenges have their own modules)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import EVENT_CREATOR, ORGANISER, SIGNED_IN, not_found, route
from events.domain import dashboard as dashboard_rules
from events.domain import events as event_rules
from events.domain import invitations, schedule
from events.domain.errors import FormErrors, RateLimited
from events.domain.registration import registration_of
from events.domain.rounds import QUESTION_KINDS, question_kind_label
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _
from events.models import Event, EventKind, EventStatus, InvitedRole, Role
from events.outcomes import act, submit
from events.paging import asked_page, pager
from events.routes.rounds import question_row_count, question_rows, question_values
from events.templating import refused, render

DATE_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _manage_url(event: Event, page: str = "") -> str:
    return f"/events/{event.slug}/manage{page}"


async def create_event(request: Request):
    """Create an event from a preset; the signed-in creator becomes its organiser."""
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
                organiser_email=request.state.user.email,
            ),
            done=_("The event is created as a draft. Complete it, then publish it."),
            then=lambda event: _manage_url(event, "/edit"),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "events/new.html",
        {
            "values": values,
            "errors": errors,
            "kinds": list(EventKind),
            "preset_label": event_rules.preset_label,
        },
        status_code=422 if errors else 200,
    )


async def dashboard(request: Request):
    event: Event = request.state.event
    summary = await dashboard_rules.dashboard(event=event)
    return render(request, "events/manage.html", {"event": event, "dashboard": summary})


def _event_values(event: Event) -> dict[str, str]:
    values = {
        "title": event.title,
        "slug": event.slug,
        "summary": event.summary,
        "description": event.description,
        "location": event.location,
        "timezone": event.timezone,
        "allow_challenge_proposals": "on" if event.allow_challenge_proposals else "",
        "retention_months": str(event.retention_months),
    }
    for name in DATE_FIELDS:
        values[name] = schedule.local_input(getattr(event, name), event.timezone)
    return values


async def edit_event(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values = _event_values(event)
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            event_rules.update_event(
                event=event,
                title=values.get("title", ""),
                slug=values.get("slug", ""),
                summary=values.get("summary", ""),
                description=values.get("description", ""),
                location=values.get("location", ""),
                timezone=values.get("timezone", ""),
                starts_at=values.get("starts_at", ""),
                ends_at=values.get("ends_at", ""),
                registration_opens_at=values.get("registration_opens_at", ""),
                registration_closes_at=values.get("registration_closes_at", ""),
                allow_challenge_proposals=checkbox(values, "allow_challenge_proposals"),
                retention_months=values.get("retention_months"),
            ),
            done=_("The event is saved."),
            then=lambda saved: _manage_url(saved, "/edit"),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "events/edit.html",
        {"event": event, "values": values, "errors": errors},
        status_code=422 if errors else 200,
    )


async def participation(request: Request):
    """Rules, eligibility, challenges per team and registration questions."""
    event: Event = request.state.event
    errors: dict = {}
    values = {
        "rules": event.rules,
        "eligible_domains": event.eligible_domains,
        "challenges_per_team": str(event.challenges_per_team),
        **question_values(event.registration_questions),
    }
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            event_rules.update_participation(
                event=event,
                rules=values.get("rules", ""),
                eligible_domains=values.get("eligible_domains", ""),
                challenges_per_team=values.get("challenges_per_team", ""),
                questions=question_rows(values),
            ),
            done=_("The participation settings are saved."),
            then=_manage_url(event, "/participation"),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "events/participation.html",
        {
            "event": event,
            "values": values,
            "errors": errors,
            "question_rows": question_row_count(values),
            "question_kinds": QUESTION_KINDS,
            "question_kind_label": question_kind_label,
        },
        status_code=422 if errors else 200,
    )


async def event_status(request: Request):
    event: Event = request.state.event
    form = await read_form(request)
    messages = {
        EventStatus.PUBLISHED: _("The event is published: everyone can see it."),
        EventStatus.DRAFT: _("The event is back to draft: only its team sees it."),
        EventStatus.ARCHIVED: _("The event is archived."),
    }
    return await act(
        request,
        event_rules.set_event_status(event=event, status=form.get("status", "")),
        done=lambda changed: messages[EventStatus(changed.status)],
        then=_manage_url(event),
    )


async def people(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values: dict = {}
    limited: RateLimited | None = None
    if request.method == "POST":
        values = await read_form(request)
        try:
            result = await invitations.invite(
                event=event,
                email=values.get("email", ""),
                role=values.get("role", ""),
                invited_by=request.state.user,
                base_url=request.app.state.settings.base_url,
                default_language=request.app.state.settings.default_language,
            )
        except FormErrors as error:
            errors = error.errors
        except RateLimited as error:
            errors, limited = {None: error.message}, error
        else:
            if result.granted:
                flash(request, _("The role is granted."), "success")
            else:
                flash(
                    request,
                    _("No account uses %(email)s yet: we sent an invitation.", email=result.email),
                    "success",
                )
            return RedirectResponse(_manage_url(event, "/people"), status_code=303)
    page = await invitations.people(event, page=asked_page(request))
    response = render(
        request,
        "events/people.html",
        {
            "event": event,
            "people": page.roles,
            "invitations": page.invitations,
            "invitations_page": page.page,
            "invitations_pager": pager(request, page.page),
            "expired": page.expired,
            "roles": list(Role),
            "errors": errors,
            "values": values,
        },
        status_code=422 if errors else 200,
    )
    return refused(response, limited) if limited else response


async def remove_person(request: Request):
    event: Event = request.state.event

    async def revoke() -> None:
        if not await invitations.revoke_role(event=event, role_id=request.path_params["role_id"]):
            raise not_found(request)  # another event's role, or gone

    return await act(request, revoke(), done=_("The role is removed."), then=_manage_url(event, "/people"))


async def cancel_invitation(request: Request):
    event: Event = request.state.event

    async def cancel() -> None:
        if not await invitations.cancel_invitation(
            event=event, invitation_id=request.path_params["invitation_id"]
        ):
            raise not_found(request)  # another event's invitation, or gone

    return await act(
        request,
        cancel(),
        done=_("The invitation is cancelled: its link no longer works."),
        then=_manage_url(event, "/people"),
    )


async def invitation(request: Request):
    """An invitation link from a mail. GET shows it; only the POST accepts (no GET changes state).
    A participant's invitation asks its holder to register for the event first."""
    token = request.path_params["token"]
    errors: dict = {}
    if request.method == "POST":
        try:
            answer = await invitations.accept_invitation(token=token, user=request.state.user)
        except FormErrors as error:
            errors = error.errors
        else:
            if answer is None:
                return render(request, "events/invitation.html", {"invitation": None}, status_code=404)
            return _accepted(request, answer)
    found = await invitations.find_invitation(token)
    registered = (
        found is not None
        and found.role == InvitedRole.PARTICIPANT
        and await registration_of(event=found.event, user=request.state.user) is not None
    )
    return render(
        request,
        "events/invitation.html",
        {"invitation": found, "token": token, "registered": registered, "errors": errors},
        status_code=(422 if errors else 200) if found else 404,
    )


def _accepted(request: Request, answer: invitations.Accepted) -> RedirectResponse:
    """Say what accepting gave, and go where it can be used."""
    accepted, seated = answer.invitation, answer.seated
    if seated:
        flash(
            request,
            _(
                "You are now a juror of “%(session)s” in %(event)s: confirm your seat and declare "
                "your conflicts of interest.",
                session=accepted.jury_session.name,
                event=accepted.event.title,
            ),
            "success",
        )
    elif answer.team is not None:
        flash(request, _("Welcome to the team “%(name)s”.", name=answer.team.name), "success")
    elif accepted.role == InvitedRole.PARTICIPANT:
        flash(
            request,
            _("You take part in %(event)s: the invitation is accepted.", event=accepted.event.title),
            "success",
        )
    else:
        flash(
            request,
            _(
                "You are now %(role)s of %(event)s.",
                role=event_rules.role_label(accepted.role),
                event=accepted.event.title,
            ),
            "success",
        )
    if seated:
        target = f"/events/{accepted.event.slug}/jury/{accepted.jury_session.id}"
    elif accepted.role == InvitedRole.PARTICIPANT:
        target = f"/events/{accepted.event.slug}/team"
    elif accepted.challenge is not None:
        target = f"/events/{accepted.event.slug}/manage/challenges/{accepted.challenge.slug}/edit"
    elif accepted.role == Role.ORGANISER:
        target = _manage_url(accepted.event)
    else:
        target = f"/events/{accepted.event.slug}"
    return RedirectResponse(target, status_code=303)


routes = [
    route("/events/new", create_event, access=EVENT_CREATOR, methods=("GET", "POST")),
    route("/events/{slug}/manage", dashboard, access=ORGANISER),
    route("/events/{slug}/manage/edit", edit_event, access=ORGANISER, methods=("GET", "POST")),
    route("/events/{slug}/manage/status", event_status, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/participation", participation, access=ORGANISER, methods=("GET", "POST")),
    route("/events/{slug}/manage/people", people, access=ORGANISER, methods=("GET", "POST")),
    route(
        "/events/{slug}/manage/people/{role_id:id}/remove", remove_person, access=ORGANISER, methods=("POST",)
    ),
    route(
        "/events/{slug}/manage/invitations/{invitation_id:id}/cancel",
        cancel_invitation,
        access=ORGANISER,
        methods=("POST",),
    ),
    route("/invitations/{token}", invitation, access=SIGNED_IN, methods=("GET", "POST")),
]
