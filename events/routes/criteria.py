"""Organiser pages for scoring grids: each round's grid and a challenge's own grid in the round
(criteria, presets, the copy of the round's grid, going back to it)."""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.requests import Request

from events.auth import ORGANISER, not_found, route
from events.domain import criteria as criteria_rules
from events.forms import fits, read_form
from events.i18n import _
from events.models import Challenge, Criterion, Event, JurySession, Round, SessionStatus
from events.outcomes import Said, submit
from events.templating import render


def _criteria_url(event: Event, stage: Round, challenge: Challenge | None = None) -> str:
    url = f"/events/{event.slug}/manage/rounds/{stage.id}/criteria"
    return f"{url}/challenges/{challenge.slug}" if challenge else url


async def _round_or_404(request: Request, event: Event) -> Round:
    stage = await Round.get_or_none(id=request.path_params["round_id"], event_id=event.id)
    if stage is None:
        raise not_found(request)
    return stage


def _level_errors(errors: dict) -> dict:
    """The domain names level errors by row (`level2_value`); the form has one text area."""
    merged: dict = {}
    for key, message in errors.items():
        if isinstance(key, str) and key.startswith("level"):
            merged.setdefault("levels", message)
        else:
            merged[key] = message
    return merged


def _criterion_fields(values: dict[str, str]) -> dict:
    return {
        "name": values.get("name", ""),
        "description": values.get("description", ""),
        "weight": values.get("weight", ""),
        "scale_min": values.get("scale_min", ""),
        "scale_max": values.get("scale_max", ""),
        "step": values.get("step", ""),
        "levels": criteria_rules.parse_levels(values.get("levels", "")),
    }


def _criterion_values(criterion: Criterion | None) -> dict[str, str]:
    if criterion is None:
        return {"weight": "1", "scale_min": "0", "scale_max": "10", "step": "1"}
    number = criteria_rules.format_number
    return {
        "name": criterion.name,
        "description": criterion.description,
        "weight": number(criterion.weight),
        "scale_min": number(criterion.scale_min),
        "scale_max": number(criterion.scale_max),
        "step": number(criterion.step),
        "levels": criteria_rules.levels_text(criterion.levels),
    }


def _grid_heading(stage: Round, challenge: Challenge | None) -> str:
    if challenge is None:
        return _("Scoring grid — %(name)s", name=stage.name)
    return _("Scoring grid — %(name)s, challenge %(title)s", name=stage.name, title=challenge.title)


async def _criteria_page(
    request: Request,
    event: Event,
    stage: Round,
    *,
    values: dict,
    errors: dict,
    challenge: Challenge | None = None,
):
    """The round's grid, or one challenge's own grid (`challenge`), with the forms to change it."""
    sizes = await criteria_rules.own_grid_sizes(stage)
    return render(
        request,
        "jury_admin/criteria.html",
        {
            "event": event,
            "stage": stage,
            "challenge": challenge,
            "heading": _grid_heading(stage, challenge),
            "grid_url": _criteria_url(event, stage, challenge),
            "round_url": _criteria_url(event, stage),
            "criteria": await Criterion.filter(
                round_id=stage.id, challenge_id=challenge.id if challenge else None
            ).order_by("position", "id"),
            "round_has_criteria": await Criterion.exists(round_id=stage.id, challenge_id=None),
            "challenges": await Challenge.filter(event_id=event.id).order_by("position", "id"),
            "own_grid_sizes": sizes,
            "locked": await JurySession.filter(round_id=stage.id)
            .exclude(status=SessionStatus.SCHEDULED)
            .exists(),
            "presets": criteria_rules.preset_choices(),
            "format_number": criteria_rules.format_number,
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def _challenge_or_404(request: Request, event: Event) -> Challenge:
    slug = request.path_params["challenge"]
    if not fits(Challenge, "slug", slug):
        raise not_found(request)
    challenge = await Challenge.get_or_none(slug=slug, event_id=event.id)
    if challenge is None:
        raise not_found(request)
    return challenge


async def _grid_button(
    request: Request, stage: Round, challenge: Challenge | None, action: Awaitable, *, done: Said, then: str
):
    """A button of the grid page: flash and redirect, or the grid page again with the refusal (422)."""
    answer = await submit(request, action, done=done, then=then)
    return answer.response or await _criteria_page(
        request,
        request.state.event,
        stage,
        values=_criterion_values(None),
        errors=answer.errors,
        challenge=challenge,
    )


async def _add_criterion(request: Request, challenge: Challenge | None):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    values, errors = _criterion_values(None), {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            criteria_rules.add_criterion(stage=stage, challenge=challenge, **_criterion_fields(values)),
            done=lambda criterion: _("The criterion “%(name)s” is added.", name=criterion.name),
            then=_criteria_url(event, stage, challenge),
        )
        if answer.response:
            return answer.response
        errors = _level_errors(answer.errors)
    return await _criteria_page(request, event, stage, values=values, errors=errors, challenge=challenge)


async def round_criteria(request: Request):
    """The round's grid; POST adds a criterion."""
    return await _add_criterion(request, None)


async def challenge_criteria(request: Request):
    """A challenge's own grid in the round (it replaces the round's for its entries); POST adds."""
    return await _add_criterion(request, await _challenge_or_404(request, request.state.event))


async def _apply_preset(request: Request, challenge: Challenge | None):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    form = await read_form(request)
    return await _grid_button(
        request,
        stage,
        challenge,
        criteria_rules.apply_preset(stage=stage, preset=form.get("preset", ""), challenge=challenge),
        done=_("The grid is added: adjust its criteria if needed."),
        then=_criteria_url(event, stage, challenge),
    )


async def apply_criteria_preset(request: Request):
    return await _apply_preset(request, None)


async def apply_challenge_preset(request: Request):
    return await _apply_preset(request, await _challenge_or_404(request, request.state.event))


async def copy_round_grid(request: Request):
    """Start the challenge's own grid from a copy of the round's."""
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    challenge = await _challenge_or_404(request, event)
    return await _grid_button(
        request,
        stage,
        challenge,
        criteria_rules.copy_round_grid(stage=stage, challenge=challenge),
        done=_("The round's grid is copied: adjust it for “%(title)s”.", title=challenge.title),
        then=_criteria_url(event, stage, challenge),
    )


async def drop_challenge_grid(request: Request):
    """Delete the challenge's own criteria: its entries are scored on the round's grid again."""
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    challenge = await _challenge_or_404(request, event)
    return await _grid_button(
        request,
        stage,
        challenge,
        criteria_rules.drop_challenge_grid(stage=stage, challenge=challenge),
        done=_("“%(title)s” uses the round's grid again.", title=challenge.title),
        then=_criteria_url(event, stage),
    )


async def _criterion_or_404(request: Request, stage: Round) -> Criterion:
    criterion = await Criterion.get_or_none(id=request.path_params["criterion_id"], round_id=stage.id)
    if criterion is None:
        raise not_found(request)
    return criterion


async def _criterion_challenge(criterion: Criterion) -> Challenge | None:
    return await Challenge.get(id=criterion.challenge_id) if criterion.challenge_id else None


async def edit_criterion(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    criterion = await _criterion_or_404(request, stage)
    challenge = await _criterion_challenge(criterion)
    values, errors = _criterion_values(criterion), {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            criteria_rules.update_criterion(criterion=criterion, **_criterion_fields(values)),
            done=lambda saved: _("The criterion “%(name)s” is saved.", name=saved.name),
            then=_criteria_url(event, stage, challenge),
        )
        if answer.response:
            return answer.response
        errors = _level_errors(answer.errors)
    return render(
        request,
        "jury_admin/criterion.html",
        {
            "event": event,
            "stage": stage,
            "challenge": challenge,
            "grid_url": _criteria_url(event, stage, challenge),
            "criterion": criterion,
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def delete_criterion(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    criterion = await _criterion_or_404(request, stage)
    challenge = await _criterion_challenge(criterion)
    return await _grid_button(
        request,
        stage,
        challenge,
        criteria_rules.delete_criterion(criterion=criterion),
        done=_("The criterion “%(name)s” is deleted.", name=criterion.name),
        then=_criteria_url(event, stage, challenge),
    )


_CRITERIA = "/events/{slug}/manage/rounds/{round_id:id}/criteria"
_CHALLENGE_GRID = _CRITERIA + "/challenges/{challenge}"
_BOTH = ("GET", "POST")
_POST = ("POST",)

routes = [
    route(_CRITERIA, round_criteria, access=ORGANISER, methods=_BOTH),
    route(_CRITERIA + "/preset", apply_criteria_preset, access=ORGANISER, methods=_POST),
    # Before "/{criterion_id:id}/edit": a challenge whose slug is "edit" must not be read as a criterion.
    route(_CHALLENGE_GRID, challenge_criteria, access=ORGANISER, methods=_BOTH),
    route(_CHALLENGE_GRID + "/preset", apply_challenge_preset, access=ORGANISER, methods=_POST),
    route(_CHALLENGE_GRID + "/copy", copy_round_grid, access=ORGANISER, methods=_POST),
    route(_CHALLENGE_GRID + "/drop", drop_challenge_grid, access=ORGANISER, methods=_POST),
    route(_CRITERIA + "/{criterion_id:id}/edit", edit_criterion, access=ORGANISER, methods=_BOTH),
    route(_CRITERIA + "/{criterion_id:id}/delete", delete_criterion, access=ORGANISER, methods=_POST),
]
