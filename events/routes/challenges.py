"""Challenges: the organisers' list and forms, the owners' edit page, proposals by participants,
and the public page of a challenge.

A challenge owner holds the event role `challenge_owner` and a ChallengeOwner row for each
challenge they may edit: the edit page checks both, every other manage page is organisers only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, PUBLIC, SIGNED_IN, event_role, forbidden, not_found, roles_in, route
from events.domain import branding
from events.domain import challenges as challenge_rules
from events.domain.errors import RateLimited
from events.flash import flash
from events.forms import as_id, fits, read_form
from events.i18n import _
from events.models import Challenge, ChallengeDataset, ChallengeStatus, Dataset, Event, Role, User
from events.outcomes import act, submit
from events.templating import refused, render

ORGANISER_OR_OWNER = event_role(Role.ORGANISER, Role.CHALLENGE_OWNER)


def _list_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/challenges"


def _edit_url(event: Event, challenge: Challenge) -> str:
    return f"/events/{event.slug}/manage/challenges/{challenge.slug}/edit"


async def _challenge_or_404(request: Request, event: Event) -> Challenge:
    slug = request.path_params["challenge"]
    if not fits(Challenge, "slug", slug):
        raise not_found(request)
    challenge = await Challenge.get_or_none(event_id=event.id, slug=slug)
    if challenge is None:
        raise not_found(request)
    return challenge


async def _organises(event: Event, user: User | None) -> bool:
    return user is not None and (user.is_admin or Role.ORGANISER in await roles_in(event, user))


async def manage_challenges(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            challenge_rules.create_challenge(
                event=event, title=values.get("title", ""), slug=values.get("slug", "")
            ),
            done=_("The challenge is created as a draft: complete it."),
            then=lambda challenge: _edit_url(event, challenge),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    challenges = (
        await Challenge.filter(event_id=event.id)
        .prefetch_related("dataset_links", "owners__user", "proposed_by")
        .order_by("position", "id")
    )
    return render(
        request,
        "challenges/list.html",
        {
            "event": event,
            "proposals": [c for c in challenges if c.status == ChallengeStatus.PROPOSED],
            "challenges": [c for c in challenges if c.status != ChallengeStatus.PROPOSED],
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def _edit_context(event: Event, challenge: Challenge) -> dict:
    links = await ChallengeDataset.filter(challenge_id=challenge.id)
    return {
        "event": event,
        "challenge": challenge,
        "datasets": await Dataset.filter(event=event).order_by("title", "id"),
        "owners": await challenge_rules.owners_of(challenge),
        "visibility_options": [
            (status.value, status.label) for status in (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED)
        ],
        "linked_before": {link.dataset_id for link in links},
        "primary_before": next((link.dataset_id for link in links if link.is_primary), None),
    }


def _challenge_values(challenge: Challenge) -> dict[str, str]:
    return {
        "title": challenge.title,
        "slug": challenge.slug,
        "sponsors": "\n".join(challenge.sponsors or []),
        "statement": challenge.statement,
        "deliverables": challenge.deliverables,
        "prizes": challenge.prizes,
        "max_teams": "" if challenge.max_teams is None else str(challenge.max_teams),
        "status": challenge.status.value,
    }


def _int_or_none(value: str | None) -> int | None:
    return as_id(value)


async def edit_challenge(request: Request):
    event: Event = request.state.event
    user: User = request.state.user
    challenge = await _challenge_or_404(request, event)
    organiser = await _organises(event, user)
    if not organiser and not await challenge_rules.is_owner(challenge, user):
        raise forbidden(request)
    errors: dict = {}
    values = _challenge_values(challenge)
    context = await _edit_context(event, challenge)
    chosen, primary = context["linked_before"], context["primary_before"]
    if request.method == "POST":
        values = await read_form(request)
        chosen = {
            dataset_id
            for name in values
            if name.startswith("dataset_") and (dataset_id := _int_or_none(name.removeprefix("dataset_")))
        }
        primary = _int_or_none(values.get("primary"))
        answer = await submit(
            request,
            # Slug, team limit and status are offered to organisers only: an owner's are ignored.
            challenge_rules.update_challenge(
                challenge=challenge,
                title=values.get("title", ""),
                sponsors=values.get("sponsors", ""),
                statement=values.get("statement", ""),
                deliverables=values.get("deliverables", ""),
                prizes=values.get("prizes", ""),
                dataset_ids=sorted(chosen),
                primary_dataset_id=primary,
                slug=values.get("slug", "") if organiser else None,
                max_teams=values.get("max_teams", "") if organiser else None,
                status=values.get("status") if organiser else None,
            ),
            done=_("The challenge is saved."),
            then=lambda saved: _edit_url(event, saved),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    context.update(values=values, errors=errors, organiser=organiser, chosen=chosen, primary=primary)
    return render(request, "challenges/edit.html", context, status_code=422 if errors else 200)


async def challenge_status(request: Request):
    """Approve or reject a proposal, publish or unpublish: buttons on the organisers' list."""
    event: Event = request.state.event
    challenge = await _challenge_or_404(request, event)
    form = await read_form(request)
    return await act(
        request,
        challenge_rules.set_challenge_status(challenge=challenge, status=form.get("status", "")),
        done=lambda changed: _(
            "The challenge “%(title)s” is now %(status)s.",
            title=changed.title,
            status=changed.status.label,
        ),
        then=_list_url(event),
    )


async def add_challenge_owner(request: Request):
    event: Event = request.state.event
    challenge = await _challenge_or_404(request, event)
    form = await read_form(request)
    limited: RateLimited | None = None
    try:
        answer = await submit(
            request,
            challenge_rules.add_owner(
                challenge=challenge,
                event=event,
                email=form.get("owner_email", ""),
                invited_by=request.state.user,
                base_url=request.app.state.settings.base_url,
                default_language=request.app.state.settings.default_language,
            ),
            done=lambda result: (
                _("%(email)s is now an owner of this challenge.", email=result.email)
                if result.granted
                else _("No account uses %(email)s yet: we sent an invitation.", email=result.email)
            ),
            then=_edit_url(event, challenge),
        )
    except RateLimited as error:  # a mailed invitation counts towards the invitations' limits
        limited, message = error, error.message
    else:
        if answer.response:
            return answer.response
        message = answer.errors.get("email", "")  # invite() names the field "email", this form "owner_email"
    context = await _edit_context(event, challenge)
    context.update(
        values=_challenge_values(challenge),
        errors={"owner_email": message},
        owner_email=form.get("owner_email", ""),
        organiser=True,
        chosen=context["linked_before"],
        primary=context["primary_before"],
    )
    response = render(request, "challenges/edit.html", context, status_code=422)
    return refused(response, limited) if limited else response


async def remove_challenge_owner(request: Request):
    event: Event = request.state.event
    challenge = await _challenge_or_404(request, event)
    form = await read_form(request)
    user_id = _int_or_none(form.get("user_id"))
    if user_id is None or not await challenge_rules.remove_owner(challenge=challenge, user_id=user_id):
        flash(request, _("This person is not an owner of the challenge."), "error")
    else:
        flash(request, _("The owner is removed."), "success")
    return RedirectResponse(_edit_url(event, challenge), status_code=303)


async def propose_challenge(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            challenge_rules.propose_challenge(
                event=event,
                user=request.state.user,
                title=values.get("title", ""),
                sponsors=values.get("sponsors", ""),
                statement=values.get("statement", ""),
                base_url=request.app.state.settings.base_url,
            ),
            done=_("Thank you: the organisers will review your proposal."),
            then=f"/events/{event.slug}",
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "challenges/propose.html",
        {"event": event, "values": values, "errors": errors},
        status_code=422 if errors else 200,
    )


async def challenge_page(request: Request):
    event: Event = request.state.event
    user: User | None = request.state.user
    challenge = await _challenge_or_404(request, event)
    if challenge.status != ChallengeStatus.PUBLISHED:
        # Drafts, proposals and rejected challenges: only the organisers and the owners see them.
        may_preview = user is not None and (
            await _organises(event, user) or await challenge_rules.is_owner(challenge, user)
        )
        if not may_preview:
            raise not_found(request)
    links = (
        await ChallengeDataset.filter(challenge_id=challenge.id)
        .select_related("dataset")
        .order_by("-is_primary", "dataset__title")
    )
    return render(
        request,
        "challenges/challenge.html",
        {
            "event": event,
            "challenge": challenge,
            "links": links,
            "illustration": (await branding.illustrations([challenge.id])).get(challenge.id),
            "may_edit": user is not None
            and (await _organises(event, user) or await challenge_rules.is_owner(challenge, user)),
        },
    )


routes = [
    route("/events/{slug}/manage/challenges", manage_challenges, access=ORGANISER, methods=("GET", "POST")),
    route(
        "/events/{slug}/manage/challenges/{challenge}/edit",
        edit_challenge,
        access=ORGANISER_OR_OWNER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/challenges/{challenge}/status",
        challenge_status,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/challenges/{challenge}/owners",
        add_challenge_owner,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/challenges/{challenge}/owners/remove",
        remove_challenge_owner,
        access=ORGANISER,
        methods=("POST",),
    ),
    # Before the challenge page, whose {challenge} would match "propose".
    route("/events/{slug}/challenges/propose", propose_challenge, access=SIGNED_IN, methods=("GET", "POST")),
    route("/events/{slug}/challenges/{challenge}", challenge_page, access=PUBLIC),
]
