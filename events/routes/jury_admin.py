"""Organiser pages for juries: each round's scoring grid, jury sessions (jurors, conflicts,
assignments, progress, the status transition) and the results with their exports."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.auth import ORGANISER, not_found, route
from events.csv_export import attachment, csv_response
from events.domain import criteria as criteria_rules
from events.domain import jury as jury_rules
from events.domain import jury_admin as admin_rules
from events.domain import schedule, scoring
from events.domain import score_log as log_rules
from events.domain import sessions as session_rules
from events.domain import shortlist as shortlist_rules
from events.domain.errors import FormErrors, RateLimited
from events.domain.numbers import parse_int
from events.domain.results import TIE_BREAK
from events.flash import flash
from events.forms import as_id, checkbox, fits, read_form
from events.i18n import _, lazy, ngettext
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
    ScoreSheet,
    SessionStatus,
    SheetStatus,
)
from events.templating import refused, render

MODE_LABELS = {
    AssignmentMode.ALL: lazy("every juror scores every entry"),
    AssignmentMode.K: lazy("k jurors per entry, balanced"),
}


def _modes() -> dict[str, str]:
    return {mode.value: _(label) for mode, label in MODE_LABELS.items()}


def _juries_url(event: Event, page: str = "") -> str:
    return f"/events/{event.slug}/manage/juries{page}"


def _criteria_url(event: Event, stage: Round, challenge: Challenge | None = None) -> str:
    url = f"/events/{event.slug}/manage/rounds/{stage.id}/criteria"
    return f"{url}/challenges/{challenge.slug}" if challenge else url


async def _round_or_404(request: Request, event: Event) -> Round:
    stage = await Round.get_or_none(id=request.path_params["round_id"], event_id=event.id)
    if stage is None:
        raise not_found(request)
    return stage


async def _session_or_404(request: Request, event: Event) -> JurySession:
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
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
    sizes = await admin_rules.own_grid_sizes(stage)
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


async def _add_criterion(request: Request, challenge: Challenge | None):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    values, errors = _criterion_values(None), {}
    if request.method == "POST":
        values = await read_form(request)
        try:
            criterion = await criteria_rules.add_criterion(
                stage=stage, challenge=challenge, **_criterion_fields(values)
            )
        except FormErrors as error:
            errors = _level_errors(error.errors)
        else:
            flash(request, _("The criterion “%(name)s” is added.", name=criterion.name), "success")
            return RedirectResponse(_criteria_url(event, stage, challenge), status_code=303)
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
    try:
        await criteria_rules.apply_preset(stage=stage, preset=form.get("preset", ""), challenge=challenge)
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors, challenge=challenge
        )
    flash(request, _("The grid is added: adjust its criteria if needed."), "success")
    return RedirectResponse(_criteria_url(event, stage, challenge), status_code=303)


async def apply_criteria_preset(request: Request):
    return await _apply_preset(request, None)


async def apply_challenge_preset(request: Request):
    return await _apply_preset(request, await _challenge_or_404(request, request.state.event))


async def copy_round_grid(request: Request):
    """Start the challenge's own grid from a copy of the round's."""
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    challenge = await _challenge_or_404(request, event)
    try:
        await admin_rules.copy_round_grid(stage=stage, challenge=challenge)
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors, challenge=challenge
        )
    flash(
        request,
        _("The round's grid is copied: adjust it for “%(title)s”.", title=challenge.title),
        "success",
    )
    return RedirectResponse(_criteria_url(event, stage, challenge), status_code=303)


async def drop_challenge_grid(request: Request):
    """Delete the challenge's own criteria: its entries are scored on the round's grid again."""
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    challenge = await _challenge_or_404(request, event)
    try:
        await admin_rules.drop_challenge_grid(stage=stage, challenge=challenge)
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors, challenge=challenge
        )
    flash(request, _("“%(title)s” uses the round's grid again.", title=challenge.title), "success")
    return RedirectResponse(_criteria_url(event, stage), status_code=303)


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
        try:
            await criteria_rules.update_criterion(criterion=criterion, **_criterion_fields(values))
        except FormErrors as error:
            errors = _level_errors(error.errors)
        else:
            flash(request, _("The criterion “%(name)s” is saved.", name=criterion.name), "success")
            return RedirectResponse(_criteria_url(event, stage, challenge), status_code=303)
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
    try:
        await criteria_rules.delete_criterion(criterion=criterion)
    except FormErrors as error:
        return await _criteria_page(
            request, event, stage, values=_criterion_values(None), errors=error.errors, challenge=challenge
        )
    flash(request, _("The criterion “%(name)s” is deleted.", name=criterion.name), "success")
    return RedirectResponse(_criteria_url(event, stage, challenge), status_code=303)


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
        },
    )


def _window(event: Event, values: dict[str, str], errors: dict) -> dict:
    window = {}
    for name in ("opens_at", "closes_at"):
        try:
            window[name] = schedule.parse_local(values.get(name, ""), event.timezone)
        except ValueError as error:
            errors[name] = str(error)
    return window


async def _session_fields(event: Event, values: dict[str, str], *, with_round: bool = True) -> dict:
    """The typed session form as `create_session` arguments (without the round when editing: it
    stays), or FormErrors for what it cannot read."""
    errors: dict = {}
    stage = None
    if with_round:
        if (round_id := as_id(values.get("round"))) is not None:
            stage = await Round.get_or_none(id=round_id, event_id=event.id)
        if stage is None:
            errors["round"] = _("Choose a round.")
    event_challenges = set(await Challenge.filter(event_id=event.id).values_list("id", flat=True))
    challenge_ids = []
    for key in values:
        if key.startswith("challenge_"):
            challenge_id = as_id(key.removeprefix("challenge_"))
            if challenge_id is None:
                errors["challenges"] = _("Choose challenges of this event.")
            else:
                challenge_ids.append(challenge_id)
    if not set(challenge_ids) <= event_challenges:
        errors["challenges"] = _("Choose challenges of this event.")
    window = _window(event, values, errors)
    mode = values.get("assignment_mode", "")
    if mode not in {m.value for m in AssignmentMode}:
        errors["assignment_mode"] = _("Choose how entries are shared among jurors.")
    k = 3
    if mode == AssignmentMode.K:
        k = parse_int(values.get("k", ""))
        if k is None:
            errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    normalisation = values.get("normalisation", "")
    if normalisation not in {n.value for n in Normalisation}:
        errors["normalisation"] = _("Choose a normalisation.")
    if errors:
        raise FormErrors(errors)
    return {
        **({"stage": stage} if with_round else {}),
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
            session = await session_rules.create_session(**await _session_fields(event, values))
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
                event_id=event.id, role=Role.JUROR, jury_session_id=session.id, accepted_at__isnull=True
            ).order_by("-created_at"),
            "can_edit": session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
            "can_delete": admin_rules.can_delete(session, await ScoreSheet.exists(session_id=session.id)),
            "can_shortlist": session.status in shortlist_rules.FINISHED,
            "shortlist_max": shortlist_rules.MAX_TOP,
            "conflicts": await ConflictOfInterest.filter(session_id=session.id)
            .select_related("juror", "team")
            .order_by("declared_at", "id"),
            "assignments": await Assignment.filter(session_id=session.id)
            .select_related("juror", "entry")
            .order_by("entry_id", "juror_id"),
            "entries_in_scope": await (await scoring.scope_query(session)).count(),
            "criteria_count": await Criterion.filter(round_id=session.round_id).count(),
            "next_statuses": sorted(session_rules.TRANSITIONS[session.status]),
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
            default_language=request.app.state.settings.default_language,
        )
    except FormErrors as error:
        return await _session_page(request, session, values=values, errors=error.errors)
    except RateLimited as error:
        return refused(
            await _session_page(request, session, values=values, errors={None: error.message}), error
        )
    if result.seated:
        flash(request, _("%(email)s is a juror of this session.", email=result.email), "success")
    else:
        flash(
            request,
            _(
                "No account uses %(email)s yet: we sent an invitation. The link lets them create an "
                "account or sign in; accepting it seats them on this session.",
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
        await session_rules.set_session_status(
            session=session, status=values.get("status", ""), base_url=request.app.state.settings.base_url
        )
    except FormErrors as error:
        return await _session_page(request, session, values=values, errors=error.errors)
    flash(
        request,
        _(session_rules.NOW_MESSAGES[SessionStatus(session.status)]),
        "success",
    )
    return RedirectResponse(_juries_url(event, f"/{session.id}"), status_code=303)


def _session_values(session: JurySession, timezone: str, challenge_ids: list[int]) -> dict:
    values = {
        "name": session.name,
        "opens_at": schedule.local_input(session.opens_at, timezone),
        "closes_at": schedule.local_input(session.closes_at, timezone),
        "assignment_mode": str(session.assignment_mode),
        "k": str(session.k),
        "normalisation": str(session.normalisation),
        "blind": "on" if session.blind else "",
        "trimmed": "on" if session.trimmed else "",
        "public_vote": "on" if session.public_vote else "",
    }
    values.update({f"challenge_{challenge_id}": "on" for challenge_id in challenge_ids})
    return values


async def edit_jury_session(request: Request):
    """Scheduled: every setting but the round; open: the name and the window; afterwards: refused."""
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    linked = await JurySessionChallenge.filter(session_id=session.id).values_list("challenge_id", flat=True)
    values, errors = _session_values(session, event.timezone, list(linked)), {}
    status = 200
    if request.method == "POST":
        values = await read_form(request)
        try:
            if session.status != SessionStatus.SCHEDULED:
                # Only what the open form offers is read: other posted fields are ignored (and
                # the domain refuses any change to a closed session).
                window_errors: dict = {}
                fields = {"name": values.get("name", ""), **_window(event, values, window_errors)}
                if window_errors:
                    raise FormErrors(window_errors)
            else:
                fields = await _session_fields(event, values, with_round=False)
            await admin_rules.update_session(session=session, **fields)
        except FormErrors as error:
            errors, status = error.errors, 422
        else:
            flash(request, _("The jury session “%(name)s” is saved.", name=session.name), "success")
            return RedirectResponse(_juries_url(event, f"/{session.id}"), status_code=303)
    return render(
        request,
        "jury_admin/edit.html",
        {
            "event": event,
            "session": session,
            "stage": await Round.get(id=session.round_id),
            "challenges": await Challenge.filter(event_id=event.id).order_by("title"),
            "modes": _modes(),
            "values": values,
            "errors": errors,
            "only_window": session.status == SessionStatus.OPEN,
            "editable": session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
        },
        status_code=status,
    )


async def delete_jury_session(request: Request):
    """GET asks for confirmation; POST deletes (scheduled, or no sheet started, and not published)."""
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    errors: dict = {}
    if request.method == "POST":
        form = await read_form(request)
        if not checkbox(form, "confirm"):
            errors = {"confirm": _("Tick the box to confirm the deletion.")}
        else:
            try:
                await admin_rules.delete_session(session=session)
            except FormErrors as error:
                errors = error.errors
            else:
                flash(request, _("The jury session “%(name)s” is deleted.", name=session.name), "success")
                return RedirectResponse(_juries_url(event), status_code=303)
    has_sheets = await ScoreSheet.exists(session_id=session.id)
    return render(
        request,
        "jury_admin/delete.html",
        {
            "event": event,
            "session": session,
            "errors": errors,
            "values": {},
            "allowed": admin_rules.can_delete(session, has_sheets),
            "jurors": await JurySessionJuror.filter(session_id=session.id).count(),
            "pending": await Invitation.filter(jury_session_id=session.id, accepted_at__isnull=True).count(),
        },
        status_code=422 if errors else 200,
    )


async def shortlist_session(request: Request):
    """The top N of each challenge marked selected on the selection desk (closed sessions only)."""
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    values = await read_form(request)
    try:
        result = await shortlist_rules.shortlist(
            session=session,
            event=event,
            top=values.get("top", ""),
            user=request.state.user,
            reject_others=checkbox(values, "reject_others"),
            notify=checkbox(values, "notify"),
            base_url=request.app.state.settings.base_url,
        )
    except FormErrors as error:
        return await _session_page(request, session, values=values, errors=error.errors)
    flash(
        request,
        _(
            "Shortlist: %(selected)s, %(rejected)s, %(unchanged)s.",
            selected=ngettext(
                "%(num)s entry newly selected", "%(num)s entries newly selected", len(result.selected)
            ),
            rejected=ngettext(
                "%(num)s entry newly not selected", "%(num)s entries newly not selected", len(result.rejected)
            ),
            unchanged=ngettext("%(num)s unchanged", "%(num)s unchanged", result.unchanged),
        ),
        "success",
    )
    stage = await Round.get(id=session.round_id)
    return RedirectResponse(f"/events/{event.slug}/manage/entries?round={stage.id}", status_code=303)


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
            "Content-Disposition": attachment(filename),
            "Cache-Control": "private, no-store",
        },
    )


async def jury_results_csv(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    results = await admin_rules.session_results(session)
    header, rows = admin_rules.results_table(results, await admin_rules.names_for(session, results))
    return csv_response(f"{event.slug}-jury-{session.id}-results.csv", header, rows)


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
    header, rows = await admin_rules.scores_table(session)
    return csv_response(f"{event.slug}-jury-{session.id}-scores.csv", header, rows)


# --- the score log and the recount ------------------------------------------------------------------


def _log_filter(request: Request) -> dict[str, int | None]:
    """The log's filter from the query string; anything that is not an id is ignored."""
    return {
        "juror_id": as_id(request.query_params.get("juror")),
        "entry_id": as_id(request.query_params.get("entry")),
    }


def _log_url(event: Event, session: JurySession, path: str = "/log", **params: int | None) -> str:
    """The log's address (or its CSV's) with the filter and the page in the query string."""
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return _juries_url(event, f"/{session.id}{path}") + (f"?{query}" if query else "")


async def jury_score_log(request: Request):
    """Every change of every sheet, filtered by juror and entry (GET, so it works without JavaScript)."""
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    page = as_id(request.query_params.get("page")) or 1
    log = await log_rules.read_log(session=session, page=page, **_log_filter(request))
    filters = {"juror": log.juror_id, "entry": log.entry_id}
    return render(
        request,
        "jury_admin/score_log.html",
        {
            "event": event,
            "session": session,
            "log": log,
            "previous_url": _log_url(event, session, **filters, page=log.page - 1) if log.page > 1 else None,
            "next_url": _log_url(event, session, **filters, page=log.page + 1)
            if log.page < log.pages
            else None,
            "csv_url": _log_url(event, session, "/log.csv", **filters),
            "sheet_status": _sheet_status,
            "format_number": criteria_rules.format_number,
        },
    )


def _sheet_status(status: str | None) -> str:
    """A sheet's status in words (a log row's old status is None for a sheet never submitted)."""
    return (SheetStatus.SUBMITTED if status == SheetStatus.SUBMITTED else SheetStatus.DRAFT).label


async def jury_score_log_csv(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    header, rows = await log_rules.log_table(session=session, **_log_filter(request))
    return csv_response(f"{event.slug}-jury-{session.id}-score-log.csv", header, rows)


RECOUNT_DIFFERENCES = {
    "missing": lazy("absent from one of the two"),
    "rank": lazy("rank"),
    "sheets": lazy("counted sheets"),
    "raw_mean": lazy("raw mean"),
    "score": lazy("score"),
}


async def jury_recount(request: Request):
    """The results recounted from the score log alone, entry by entry against the stored ones."""
    event: Event = request.state.event
    session = await _session_or_404(request, event)
    return render(
        request,
        "jury_admin/recount.html",
        {
            "event": event,
            "session": session,
            "recount": await log_rules.recount(session=session),
            "format_score": log_rules.format_score,
            "differing": lambda line: ", ".join(_(RECOUNT_DIFFERENCES[key]) for key in line.differing),
        },
    )


_CRITERIA = "/events/{slug}/manage/rounds/{round_id:id}/criteria"
_CHALLENGE_GRID = _CRITERIA + "/challenges/{challenge}"
_SESSION = "/events/{slug}/manage/juries/{session_id:id}"
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
    route("/events/{slug}/manage/juries", manage_juries, access=ORGANISER),
    route("/events/{slug}/manage/juries/new", new_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION, jury_session, access=ORGANISER),
    route(_SESSION + "/jurors", invite_juror, access=ORGANISER, methods=_POST),
    route(_SESSION + "/status", jury_session_status, access=ORGANISER, methods=_POST),
    route(_SESSION + "/edit", edit_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION + "/delete", delete_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION + "/shortlist", shortlist_session, access=ORGANISER, methods=_POST),
    route(_SESSION + "/results", jury_results, access=ORGANISER),
    route(_SESSION + "/results.csv", jury_results_csv, access=ORGANISER),
    route(_SESSION + "/results.json", jury_results_json, access=ORGANISER),
    route(_SESSION + "/scores.csv", jury_scores_csv, access=ORGANISER),
    route(_SESSION + "/log", jury_score_log, access=ORGANISER),
    route(_SESSION + "/log.csv", jury_score_log_csv, access=ORGANISER),
    route(_SESSION + "/recount", jury_recount, access=ORGANISER),
]
