"""Participants' pages: registration to an event, their team (create, join, invite, captain's
actions), the public list of teams, the join link; and the organiser's list of registrants.

Team actions act on the signed-in user's own team, found from the session, never from an id in
the form: the only ids read from a form (a member, a join request) are looked up inside that
team, so another team's objects are 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.auth import ORGANISER, PUBLIC, SIGNED_IN, forbidden, not_found, route
from events.csv_export import csv_response
from events.domain import exports as export_rules
from events.domain import registration as registration_rules
from events.domain import teams as team_rules
from events.domain.errors import FormErrors, RateLimited
from events.flash import flash
from events.forms import checkbox, read_form, safe_next
from events.i18n import _
from events.models import Challenge, ChallengeStatus, Event, Team, TeamMember
from events.outcomes import submit
from events.paging import asked_page, page_of, pager
from events.templating import refused, render

TEAMS_PER_PAGE = 50
REGISTRANTS_PER_PAGE = 100


def _team_url(event: Event) -> str:
    return f"/events/{event.slug}/team"


def _settings(request: Request):
    return request.app.state.settings


# --- registration ----------------------------------------------------------------------------------


async def register(request: Request):
    event: Event = request.state.event
    user = request.state.user
    existing = await registration_rules.registration_of(event=event, user=user)
    state = registration_rules.window_state(event)
    asked = registration_rules.questions(event)
    errors: dict = {}
    values: dict = {}
    if existing is not None:
        values = {"accept_rules": "on"}
        for question in asked:
            answer = (existing.answers or {}).get(question["key"], "")
            values[registration_rules.field_name(question)] = "on" if answer is True else answer or ""
    values["next"] = safe_next(request.query_params.get("next"), "")
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            registration_rules.register(
                event=event, user=user, accept_rules=checkbox(values, "accept_rules"), answers=values
            ),
            done=_("You are registered for %(event)s.", event=event.title)
            if existing is None
            else _("Your registration is updated."),
            then=safe_next(values.get("next"), _team_url(event)),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "teams/register.html",
        {
            "event": event,
            "registration": existing,
            "window_open": state == registration_rules.WindowState.OPEN,
            "window_message": registration_rules.window_message(event, state),
            "eligible_domains": registration_rules.eligible_domains(event),
            "eligible": registration_rules.is_eligible(event, user.email),
            "questions": asked,
            "field_name": registration_rules.field_name,
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def registrants(request: Request):
    """The registrants a page at a time, filtered by a GET form (in a team or not, a name or address),
    with the counts of those in a team and those still looking for one."""
    event: Event = request.state.event
    filters = registration_rules.read_registrant_filters(dict(request.query_params))
    everyone = await registration_rules.count_registrants(event=event)
    in_team = await registration_rules.count_registrants(
        event=event, filters=registration_rules.RegistrantFilters(team="in_team")
    )
    total = {"": everyone, "in_team": in_team, "no_team": everyone - in_team}[filters.team]
    if filters.search:
        total = await registration_rules.count_registrants(event=event, filters=filters)
    page = page_of(total=total, per_page=REGISTRANTS_PER_PAGE, asked=asked_page(request))
    return render(
        request,
        "teams/registrants.html",
        {
            "event": event,
            "registrants": await registration_rules.registrants(
                event=event, offset=page.offset, limit=page.per_page, filters=filters
            ),
            "filters": filters,
            "counts": {"everyone": everyone, "in_team": in_team, "no_team": everyone - in_team},
            "page": page,
            "pager": pager(request, page),
            "questions": registration_rules.questions(event),
        },
    )


async def manage_teams(request: Request):
    """The organisers' list of teams: members with their addresses, challenges, entries; filtered by a
    GET form (a challenge, submitted or not), with the counts, a page at a time."""
    event: Event = request.state.event
    challenges = await Challenge.filter(event_id=event.id).order_by("position", "id")
    filters = team_rules.read_team_filters(dict(request.query_params), challenges)
    by_challenge = team_rules.TeamFilters(challenge_id=filters.challenge_id)
    everyone = await team_rules.count_managed_teams(event=event, filters=by_challenge)
    submitted = await team_rules.count_managed_teams(
        event=event, filters=team_rules.TeamFilters(challenge_id=filters.challenge_id, entries="submitted")
    )
    counts = {"": everyone, "submitted": submitted, "not_submitted": everyone - submitted}
    page = page_of(total=counts[filters.entries], per_page=TEAMS_PER_PAGE, asked=asked_page(request))
    return render(
        request,
        "teams/manage.html",
        {
            "event": event,
            "challenges": challenges,
            "filters": filters,
            "counts": counts,
            "teams": await team_rules.managed_teams(
                event=event, filters=filters, offset=page.offset, limit=page.per_page
            ),
            "page": page,
            "pager": pager(request, page),
        },
    )


async def registrants_csv(request: Request):
    event: Event = request.state.event
    header, rows = await registration_rules.registrants_table(event=event)
    return csv_response(f"{event.slug}-registrants.csv", header, rows)


async def teams_csv(request: Request):
    event: Event = request.state.event
    header, rows = await export_rules.teams_table(event=event)
    return csv_response(f"{event.slug}-teams.csv", header, rows)


# --- my team ---------------------------------------------------------------------------------------


async def _team_page(request: Request, *, errors: dict | None = None, values: dict | None = None):
    event: Event = request.state.event
    user = request.state.user
    member = await team_rules.membership(event=event, user=user)
    context: dict = {
        "event": event,
        "member": member,
        "errors": errors or {},
        "values": values or {},
        "registered": await registration_rules.registration_of(event=event, user=user) is not None,
        "size_limit": await team_rules.size_limit(event),
    }
    if member is None:
        context["teams"] = await team_rules.public_teams(event=event)
        context["my_requests"] = await team_rules.my_pending_requests(event=event, user=user)
    else:
        team = member.team
        size_rule = await team_rules.team_size_limit(team_id=team.id, event=event)
        context.update(
            team=team,
            members=await team_rules.members_of(team),
            requests=await team_rules.pending_requests(team) if member.is_captain else [],
            invite_link=team_rules.invite_link(
                team, secret_key=_settings(request).secret_key, base_url=_settings(request).base_url
            ),
            team_challenges=await team_rules.team_challenges(team),
            size_rule=size_rule,
            size_rule_text=team_rules.size_rule_sentence(size_rule),
            challenges=await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED).order_by(
                "position", "id"
            ),
        )
    return render(request, "teams/team.html", context, status_code=422 if errors else 200)


async def my_team(request: Request):
    return await _team_page(request)


async def create_team(request: Request):
    event: Event = request.state.event
    values = await read_form(request)
    answer = await submit(
        request,
        team_rules.create_team(
            event=event,
            user=request.state.user,
            name=values.get("name", ""),
            description=values.get("description", ""),
        ),
        done=lambda team: _("The team “%(name)s” is created: you are its captain.", name=team.name),
        then=_team_url(event),
    )
    if answer.response:
        return answer.response
    return await _team_page(request, errors=answer.errors, values=values)


async def ask_to_join(request: Request):
    event: Event = request.state.event
    values = await read_form(request)

    async def ask() -> Team:
        asked = await team_rules.request_to_join(
            event=event,
            user=request.state.user,
            team_id=values.get("team", ""),
            message=values.get("message", ""),
            base_url=_settings(request).base_url,
        )
        return await asked.team

    answer = await submit(
        request,
        ask(),
        done=lambda team: _("Your request is sent to the captain of “%(name)s”.", name=team.name),
        then=_team_url(event),
    )
    if answer.response:
        return answer.response
    return await _team_page(request, errors=answer.errors, values=values)


async def _member_or_redirect(request: Request) -> TeamMember | Response:
    """The signed-in user's membership, or a redirect to the team page that says they have none."""
    event: Event = request.state.event
    member = await team_rules.membership(event=event, user=request.state.user)
    if member is None:
        flash(request, _("You are not in a team of this event."), "error")
        return RedirectResponse(_team_url(event), status_code=303)
    return member


async def _team_action(request: Request, action, success: str | None) -> Response:
    """Run a team action for the signed-in member: 403 for a non-captain, 404 for another team's
    object, 422 with the page for a refusal, 303 back to the team page on success."""
    found = await _member_or_redirect(request)
    if isinstance(found, Response):
        return found
    values = await read_form(request)
    try:
        message = await action(found, values)
    except team_rules.NotCaptain:
        raise forbidden(request) from None
    except team_rules.NotFound:
        raise not_found(request) from None
    except FormErrors as error:
        return await _team_page(request, errors=error.errors, values=values)
    except RateLimited as error:
        return refused(await _team_page(request, errors={None: error.message}, values=values), error)
    if message or success:
        flash(request, message or success, "success")
    return RedirectResponse(_team_url(request.state.event), status_code=303)


async def invite_by_email(request: Request):
    settings = _settings(request)

    async def action(member: TeamMember, values: dict) -> str:
        email = await team_rules.invite_by_email(
            member=member,
            email=values.get("email", ""),
            secret_key=settings.secret_key,
            base_url=settings.base_url,
            default_language=settings.default_language,
        )
        return _("An invitation is on its way to %(email)s.", email=email)

    return await _team_action(request, action, None)


async def regenerate_link(request: Request):
    async def action(member: TeamMember, values: dict) -> str:
        await team_rules.regenerate_invite(member=member)
        return _("The team has a new invitation link: earlier links no longer work.")

    return await _team_action(request, action, None)


async def decide_request(request: Request):
    async def action(member: TeamMember, values: dict) -> str:
        decision = {"accept": True, "refuse": False}.get(values.get("decision", ""))
        answered = await team_rules.decide_join_request(
            member=member, request_id=values.get("request", ""), accept=decision
        )
        if decision:
            return _("%(name)s joined the team.", name=answered.user.name)
        return _("The request of %(name)s is refused.", name=answered.user.name)

    return await _team_action(request, action, None)


async def hand_over(request: Request):
    async def action(member: TeamMember, values: dict) -> str:
        other = await team_rules.hand_over(member=member, member_id=values.get("member", ""))
        return _("%(name)s is now the captain.", name=other.user.name)

    return await _team_action(request, action, None)


async def remove_member(request: Request):
    async def action(member: TeamMember, values: dict) -> str:
        other = await team_rules.remove_member(member=member, member_id=values.get("member", ""))
        return _("%(name)s is no longer in the team.", name=other.user.name)

    return await _team_action(request, action, None)


async def leave_team(request: Request):
    async def action(member: TeamMember, values: dict) -> str:
        deleted = await team_rules.leave_team(member=member)
        if deleted:
            return _("You left the team; it had no other member and is deleted.")
        return _("You left the team.")

    return await _team_action(request, action, None)


async def choose_challenges(request: Request):
    event: Event = request.state.event

    async def action(member: TeamMember, values: dict) -> str:
        # One checkbox per challenge, named challenge_{id}: only the names offered are read.
        picked = [
            name.removeprefix("challenge_")
            for name in values
            if name.startswith("challenge_") and checkbox(values, name)
        ]
        await team_rules.choose_challenges(member=member, event=event, challenge_ids=picked)
        return _("The team's challenges are saved.")

    return await _team_action(request, action, None)


# --- public list and join link -------------------------------------------------------------------


async def team_list(request: Request):
    event: Event = request.state.event
    total = await team_rules.count_teams(event=event)
    page = page_of(total=total, per_page=TEAMS_PER_PAGE, asked=asked_page(request))
    teams = await team_rules.public_teams(event=event, offset=page.offset, limit=page.per_page)
    return render(
        request,
        "teams/list.html",
        {"event": event, "teams": teams, "page": page, "pager": pager(request, page)},
    )


async def join_by_link(request: Request):
    """A join link from a member or a mail. GET shows the team; only the POST joins."""
    token = request.path_params["token"]
    settings = _settings(request)
    team = await team_rules.team_for_token(token, secret_key=settings.secret_key)
    if team is None:
        return render(request, "teams/join.html", {"team": None}, status_code=404)
    event = team.event
    if not event.is_published:
        raise not_found(request)
    errors: dict = {}
    if request.method == "POST":

        async def join() -> None:
            try:
                await team_rules.join_by_invite(
                    token=token, user=request.state.user, secret_key=settings.secret_key
                )
            except team_rules.NotFound:
                raise not_found(request) from None

        answer = await submit(
            request,
            join(),
            done=_("Welcome to the team “%(name)s”.", name=team.name),
            then=_team_url(event),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    user = request.state.user
    return render(
        request,
        "teams/join.html",
        {
            "team": team,
            "event": event,
            "token": token,
            "registered": await registration_rules.registration_of(event=event, user=user) is not None,
            "member": await team_rules.membership(event=event, user=user),
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


routes = [
    route("/events/{slug}/register", register, access=SIGNED_IN, methods=("GET", "POST")),
    route("/events/{slug}/manage/registrants", registrants, access=ORGANISER),
    route("/events/{slug}/manage/registrants.csv", registrants_csv, access=ORGANISER),
    route("/events/{slug}/manage/teams", manage_teams, access=ORGANISER),
    route("/events/{slug}/manage/teams.csv", teams_csv, access=ORGANISER),
    route("/events/{slug}/teams", team_list, access=PUBLIC),
    route("/events/{slug}/team", my_team, access=SIGNED_IN),
    route("/events/{slug}/team/create", create_team, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/ask", ask_to_join, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/invite", invite_by_email, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/link", regenerate_link, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/requests", decide_request, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/captain", hand_over, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/remove", remove_member, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/leave", leave_team, access=SIGNED_IN, methods=("POST",)),
    route("/events/{slug}/team/challenges", choose_challenges, access=SIGNED_IN, methods=("POST",)),
    route("/join/{token}", join_by_link, access=SIGNED_IN, methods=("GET", "POST")),
]
