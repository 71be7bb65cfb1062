"""Organiser pages for juries: each round's scoring grid, jury sessions (jurors, conflicts,
assignments, progress, the status transition) and the results with their exports."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.auth import ORGANISER, not_found, route
from events.domain import criteria as criteria_rules
from events.domain import jury as jury_rules
from events.domain import jury_admin as admin_rules
from events.domain import schedule
from events.domain.errors import FormErrors
from events.domain.results import TIE_BREAK
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _, lazy
from events.models import (
    Assignment,
    AssignmentMode,
    Challenge,
    ConflictOfInterest,
    Criterion,
    Event,
    Invitation,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    Normalisation,
    Role,
    Round,
    SessionStatus,
)
from events.templating import render

MODE_LABELS = {
    AssignmentMode.ALL: lazy("every juror scores every entry"),
    AssignmentMode.K: lazy("k jurors per entry, balanced"),
}


def _modes() -> dict[str, str]:
    return {mode.value: _(label) for mode, label in MODE_LABELS.items()}


def _juries_url(event: Event, page: str = "") -> str:
    return f"/events/{event.slug}/manage/juries{page}"


def _criteria_url(event: Event, stage: Round) -> str:
    return f"/events/{event.slug}/manage/rounds/{stage.id}/criteria"


def _int_param(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except ValueError:
        raise not_found(request) from None


async def _round_or_404(request: Request, event: Event) -> Round:
    stage = await Round.get_or_none(id=_int_param(request, "round_id"), event_id=event.id)
    if stage is None:
        raise not_found(request)
    return stage


async def _session_or_404(request: Request, event: Event) -> JurySession:
    session = await JurySession.get_or_none(id=_int_param(request, "session_id"), event_id=event.id)
    if session is None:
        raise not_found(request)
    return session


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


# --- criteria ---------------------------------------------------------------------------------


async def _criteria_page(request: Request, event: Event, stage: Round, *, values: dict, errors: dict):
    return render(
        request,
        "jury_admin/criteria.html",
        {
            "event": event,
            "stage": stage,
            "criteria": await Criterion.filter(round_id=stage.id, challenge_id=None).order_by(
                "position", "id"
            ),
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


async def round_criteria(request: Request):
    """The round's grid; POST adds a criterion."""
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    values, errors = _criterion_values(None), {}
    if request.method == "POST":
        values = await read_form(request)
        try:
            criterion = await criteria_rules.add_criterion(stage=stage, **_criterion_fields(values))
        except FormErrors as error:
            errors = _level_errors(error.errors)
        else:
            flash(request, _("The criterion “%(name)s” is added.", name=criterion.name), "success")
            return RedirectResponse(_criteria_url(event, stage), status_code=303)
    return await _criteria_page(request, event, stage, values=values, errors=errors)


async def apply_criteria_preset(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    form = await read_form(request)
    try:
        await criteria_rules.apply_preset(stage=stage, preset=form.get("preset", ""))
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors
        )
    flash(request, _("The grid is added: adjust its criteria if needed."), "success")
    return RedirectResponse(_criteria_url(event, stage), status_code=303)


async def _criterion_or_404(request: Request, stage: Round) -> Criterion:
    criterion = await Criterion.get_or_none(id=_int_param(request, "criterion_id"), round_id=stage.id)
    if criterion is None:
        raise not_found(request)
    return criterion


async def edit_criterion(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    criterion = await _criterion_or_404(request, stage)
    values, errors = _criterion_values(criterion), {}
    if request.method == "POST":
        values = await read_form(request)
        try:
            await criteria_rules.update_criterion(criterion=criterion, **_criterion_fields(values))
        except FormErrors as error:
            errors = _level_errors(error.errors)
        else:
            flash(request, _("The criterion “%(name)s” is saved.", name=criterion.name), "success")
            return RedirectResponse(_criteria_url(event, stage), status_code=303)
    return render(
        request,
        "jury_admin/criterion.html",
        {"event": event, "stage": stage, "criterion": criterion, "values": values, "errors": errors},
        status_code=422 if errors else 200,
    )


async def delete_criterion(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    criterion = await _criterion_or_404(request, stage)
    try:
        await criteria_rules.delete_criterion(criterion=criterion)
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors
        )
    flash(request, _("The criterion “%(name)s” is deleted.", name=criterion.name), "success")
    return RedirectResponse(_criteria_url(event, stage), status_code=303)


# --- sessions ---------------------------------------------------------------------------------


async def manage_juries(request: Request):
    event: Event = request.state.event
    sessions = await JurySession.filter(event_id=event.id).select_related("round").order_by("id")
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    return render(
        request,
        "jury_admin/list.html",
        {
            "event": event,
            "sessions": sessions,
            "rounds": rounds,
            "status_label": lambda status: _(jury_rules.STATUS_LABELS[SessionStatus(status)]),
        },
    )


async def _session_fields(event: Event, values: dict[str, str]) -> dict:
    """The typed session form as `create_session` arguments, or FormErrors for what it cannot read."""
    errors: dict = {}
    stage = None
    try:
        stage = await Round.get_or_none(id=int(values.get("round", "")), event_id=event.id)
    except ValueError:
        pass
    if stage is None:
        errors["round"] = _("Choose a round.")
    event_challenges = set(await Challenge.filter(event_id=event.id).values_list("id", flat=True))
    challenge_ids = []
    for key in values:
        if key.startswith("challenge_"):
            try:
                challenge_ids.append(int(key.removeprefix("challenge_")))
            except ValueError:
                errors["challenges"] = _("Choose challenges of this event.")
    if not set(challenge_ids) <= event_challenges:
        errors["challenges"] = _("Choose challenges of this event.")
    window = {}
    for name in ("opens_at", "closes_at"):
        try:
            window[name] = schedule.parse_local(values.get(name, ""), event.timezone)
        except ValueError as error:
            errors[name] = str(error)
    mode = values.get("assignment_mode", "")
    if mode not in {m.value for m in AssignmentMode}:
        errors["assignment_mode"] = _("Choose how entries are shared among jurors.")
    k = 3
    if mode == AssignmentMode.K:
        try:
            k = int(values.get("k", ""))
        except ValueError:
            errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    normalisation = values.get("normalisation", "")
    if normalisation not in {n.value for n in Normalisation}:
        errors["normalisation"] = _("Choose a normalisation.")
    if errors:
        raise FormErrors(errors)
    return {
        "stage": stage,
        "name": values.get("name", ""),
        "challenge_ids": challenge_ids,
        "assignment_mode": AssignmentMode(mode),
        "k": k,
        "blind": checkbox(values, "blind"),
        "normalisation": normalisation,
        "trimmed": checkbox(values, "trimmed"),
        "public_vote": checkbox(values, "public_vote"),
        **window,
    }


async def new_jury_session(request: Request):
    event: Event = request.state.event
    values: dict = {"assignment_mode": AssignmentMode.ALL.value, "k": "3", "normalisation": "none"}
    errors: dict = {}
    if request.method == "POST":
        values = await read_form(request)
        try:
            session = await jury_rules.create_session(**await _session_fields(event, values))
        except FormErrors as error:
            errors = error.errors
        else:
            flash(request, _("The jury session “%(name)s” is created.", name=session.name), "success")
            return RedirectResponse(_juries_url(event, f"/{session.id}"), status_code=303)
    return render(
        request,
        "jury_admin/new.html",
        {
            "event": event,
            "round_options": [
                (str(stage.id), stage.name)
                for stage in await Round.filter(event_id=event.id).order_by("position", "id")
            ],
            "challenges": await Challenge.filter(event_id=event.id).order_by("title"),
            "modes": _modes(),
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def _session_page(request: Request, session: JurySession, *, values: dict, errors: dict):
    event: Event = request.state.event
    stage = await Round.get(id=session.round_id)
    seats = await JurySessionJuror.filter(session_id=session.id).select_related("user").order_by("user_id")
    progress = [(seat, *await jury_rules.juror_progress(session=session, juror=seat.user)) for seat in seats]
    challenge_titles = await Challenge.filter(
        id__in=await JurySessionChallenge.filter(session_id=session.id).values_list("challenge_id", flat=True)
    ).values_list("title", flat=True)
    return render(
        request,
        "jury_admin/session.html",
        {
            "event": event,
            "session": session,
            "stage": stage,
            "challenge_titles": sorted(challenge_titles),
            "progress": progress,
            "invitations": await Invitation.filter(
                event_id=event.id, role=Role.JUROR, accepted_at__isnull=True
            ).order_by("-created_at"),
            "conflicts": await ConflictOfInterest.filter(session_id=session.id)
            .select_related("juror", "team")
            .order_by("declared_at", "id"),
            "assignments": await Assignment.filter(session_id=session.id)
            .select_related("juror", "entry")
            .order_by("entry_id", "juror_id"),
            "entries_in_scope": await (await jury_rules.scope_query(session)).count(),
            "criteria_count": await Criterion.filter(round_id=session.round_id).count(),
            "next_statuses": sorted(jury_rules.TRANSITIONS[session.status]),
            "status_label": lambda status: _(jury_rules.STATUS_LABELS[SessionStatus(status)]),
            "mode_label": _(MODE_LABELS[AssignmentMode(session.assignment_mode)]),
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def jury_session(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    return await _session_page(request, session, values={}, errors={})


async def invite_juror(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    values = await read_form(request)
    try:
        result = await admin_rules.invite_juror(
            session=session,
            email=values.get("email", ""),
            invited_by=request.state.user,
            base_url=request.app.state.settings.base_url,
        )
    except FormErrors as error:
        return await _session_page(request, session, values=values, errors=error.errors)
    if result.seated:
        flash(request, _("%(email)s is a juror of this session.", email=result.email), "success")
    else:
        flash(
            request,
            _(
                "No account uses %(email)s yet: we sent an invitation. Accepting it grants the juror "
                "role; then invite the same address here again to seat them on this session.",
                email=result.email,
            ),
            "success",
        )
    return RedirectResponse(_juries_url(event, f"/{session.id}"), status_code=303)


async def jury_session_status(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    values = await read_form(request)
    try:
        await jury_rules.set_session_status(session=session, status=values.get("status", ""))
    except FormErrors as error:
        return await _session_page(request, session, values=values, errors=error.errors)
    flash(
        request,
        _("The session is now %(status)s.", status=_(jury_rules.STATUS_LABELS[session.status])),
        "success",
    )
    return RedirectResponse(_juries_url(event, f"/{session.id}"), status_code=303)


# --- results ----------------------------------------------------------------------------------


async def jury_results(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    results = await admin_rules.session_results(session)
    names = await admin_rules.names_for(session, results)
    by_challenge: dict[int, list[dict]] = {}
    for row in results["entries"]:
        by_challenge.setdefault(row["challenge_id"], []).append(row)
    return render(
        request,
        "jury_admin/results.html",
        {
            "event": event,
            "session": session,
            "results": results,
            "names": names,
            "by_challenge": by_challenge,
            "frozen": session.results_snapshot is not None,
            "tie_break": [_(rule) for rule in TIE_BREAK],
            "format_number": criteria_rules.format_number,
        },
    )


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


async def jury_results_csv(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    results = await admin_rules.session_results(session)
    text = admin_rules.results_csv(results, await admin_rules.names_for(session, results))
    # The BOM lets spreadsheets read UTF-8 (accents in titles).
    return _download(
        "\ufeff" + text, "text/csv; charset=utf-8", f"{event.slug}-jury-{session.id}-results.csv"
    )


async def jury_results_json(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    results = await admin_rules.session_results(session)
    data = admin_rules.results_json(session, results, await admin_rules.names_for(session, results))
    return _download(
        json.dumps(data, ensure_ascii=False, indent=2),
        "application/json",
        f"{event.slug}-jury-{session.id}-results.json",
    )


async def jury_scores_csv(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    text = await admin_rules.scores_csv(session)
    return _download("\ufeff" + text, "text/csv; charset=utf-8", f"{event.slug}-jury-{session.id}-scores.csv")


_CRITERIA = "/events/{slug}/manage/rounds/{round_id}/criteria"
_SESSION = "/events/{slug}/manage/juries/{session_id}"
_BOTH = ("GET", "POST")
_POST = ("POST",)

routes = [
    route(_CRITERIA, round_criteria, access=ORGANISER, methods=_BOTH),
    route(_CRITERIA + "/preset", apply_criteria_preset, access=ORGANISER, methods=_POST),
    route(_CRITERIA + "/{criterion_id}/edit", edit_criterion, access=ORGANISER, methods=_BOTH),
    route(_CRITERIA + "/{criterion_id}/delete", delete_criterion, access=ORGANISER, methods=_POST),
    route("/events/{slug}/manage/juries", manage_juries, access=ORGANISER),
    route("/events/{slug}/manage/juries/new", new_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION, jury_session, access=ORGANISER),
    route(_SESSION + "/jurors", invite_juror, access=ORGANISER, methods=_POST),
    route(_SESSION + "/status", jury_session_status, access=ORGANISER, methods=_POST),
    route(_SESSION + "/results", jury_results, access=ORGANISER),
    route(_SESSION + "/results.csv", jury_results_csv, access=ORGANISER),
    route(_SESSION + "/results.json", jury_results_json, access=ORGANISER),
    route(_SESSION + "/scores.csv", jury_scores_csv, access=ORGANISER),
]
