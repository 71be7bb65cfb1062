"""Organiser pages for jury sessions: the list, a new session, one session's page (jurors,
conflicts, assignments, progress, the status transition), its settings, its deletion and the
shortlist that feeds the selection."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, not_found, route
from events.domain import juror_invitations as invitation_rules
from events.domain import paper_sheets as paper_rules
from events.domain import schedule
from events.domain import session_overview as overview_rules
from events.domain import sessions as session_rules
from events.domain import shortlist as shortlist_rules
from events.domain.errors import FormErrors, RateLimited
from events.domain.numbers import parse_int
from events.flash import flash
from events.forms import as_id, checkbox, read_form
from events.i18n import _, lazy, ngettext
from events.models import (
    AssignmentMode,
    Challenge,
    Event,
    Invitation,
    JudgingMode,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    Normalisation,
    Round,
    ScoreSheet,
    SessionStatus,
)
from events.outcomes import submit
from events.paging import asked_page, pager
from events.templating import refused, render

MODE_LABELS = {
    AssignmentMode.ALL: lazy("every juror scores every entry"),
    AssignmentMode.K: lazy("k jurors per entry, balanced"),
}


JUDGING_LABELS = {
    JudgingMode.RUBRIC: lazy("rubric: each juror scores entries on the grid's criteria"),
    JudgingMode.PAIRWISE: lazy("pairwise: jurors compare entries two by two (large expos)"),
}


def _judging_modes() -> dict[str, str]:
    return {mode.value: _(label) for mode, label in JUDGING_LABELS.items()}


def _modes() -> dict[str, str]:
    return {mode.value: _(label) for mode, label in MODE_LABELS.items()}


def juries_url(event: Event, page: str = "") -> str:
    """The juries' list, or a page under it (`/12/edit`); the results and log pages link from it too."""
    return f"/events/{event.slug}/manage/juries{page}"


async def session_or_404(request: Request, event: Event) -> JurySession:
    """The session named in the path, of this event; else 404 (every organiser page of a session)."""
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
    if session is None:
        raise not_found(request)
    return session


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
    judging = {}
    if with_round:
        if values.get("mode", JudgingMode.RUBRIC.value) not in {m.value for m in JudgingMode}:
            errors["mode"] = _("Choose a judging mode.")
        else:
            judging["mode"] = JudgingMode(values.get("mode", JudgingMode.RUBRIC.value))
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
        **judging,
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


async def _create(event: Event, values: dict[str, str]) -> JurySession:
    """The typed form read, then the session created (FormErrors for either)."""
    return await session_rules.create_session(**await _session_fields(event, values))


async def new_jury_session(request: Request):
    event: Event = request.state.event
    values: dict = {
        "mode": JudgingMode.RUBRIC.value,
        "assignment_mode": AssignmentMode.ALL.value,
        "k": "3",
        "normalisation": "none",
    }
    errors: dict = {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            _create(event, values),
            done=lambda session: _("The jury session “%(name)s” is created.", name=session.name),
            then=lambda session: juries_url(event, f"/{session.id}"),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
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
            "judging_modes": _judging_modes(),
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def _session_page(request: Request, session: JurySession, *, values: dict, errors: dict):
    """The session's page (`session_overview` reads it), with the forms' errors and what was typed."""
    overview = await overview_rules.session_overview(session, page=asked_page(request))
    return render(
        request,
        "jury_admin/session.html",
        {
            "event": request.state.event,
            "session": session,
            "stage": overview.stage,
            "challenge_titles": overview.challenge_titles,
            "progress": overview.progress,
            "progress_bars": [(item.seat.user.name, item.done) for item in overview.progress],
            "invitations": overview.invitations,
            "can_edit": overview.can_edit,
            "can_delete": overview.can_delete,
            "can_shortlist": overview.can_shortlist,
            "shortlist_max": shortlist_rules.MAX_TOP,
            "conflicts": overview.conflicts,
            "assignments": overview.assignments,
            "assignments_page": overview.assignments_page,
            "assignments_pager": pager(request, overview.assignments_page),
            "entries_in_scope": overview.entries_in_scope,
            "criteria_count": overview.criteria_count,
            "next_statuses": overview.next_statuses,
            "mode_label": _(MODE_LABELS[AssignmentMode(session.assignment_mode)]),
            "judging_label": _(JUDGING_LABELS[JudgingMode(session.mode)]),
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


async def jury_session(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    return await _session_page(request, session, values={}, errors={})


async def paper_sheets(request: Request):
    """Each juror's paper score sheet, one per printed page (events.domain.paper_sheets)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    return render(
        request,
        "jury_admin/paper_sheets.html",
        {"event": event, "session": session, "sheets": await paper_rules.paper_sheets(session)},
    )


async def invite_juror(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    values = await read_form(request)
    try:
        result = await invitation_rules.invite_juror(
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
    return RedirectResponse(juries_url(event, f"/{session.id}"), status_code=303)


async def jury_session_status(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    values = await read_form(request)
    answer = await submit(
        request,
        session_rules.set_session_status(
            session=session, status=values.get("status", ""), base_url=request.app.state.settings.base_url
        ),
        done=lambda session: _(session_rules.NOW_MESSAGES[SessionStatus(session.status)]),
        then=juries_url(event, f"/{session.id}"),
    )
    return answer.response or await _session_page(request, session, values=values, errors=answer.errors)


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


async def _update(event: Event, session: JurySession, values: dict[str, str]) -> JurySession:
    """The edit form read, then the session updated (FormErrors for either)."""
    if session.status != SessionStatus.SCHEDULED:
        # Only what the open form offers is read: other posted fields are ignored (and
        # the domain refuses any change to a closed session).
        window_errors: dict = {}
        fields = {"name": values.get("name", ""), **_window(event, values, window_errors)}
        if window_errors:
            raise FormErrors(window_errors)
    else:
        fields = await _session_fields(event, values, with_round=False)
    return await session_rules.update_session(session=session, **fields)


async def edit_jury_session(request: Request):
    """Scheduled: every setting but the round; open: the name and the window; afterwards: refused."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    linked = await JurySessionChallenge.filter(session_id=session.id).values_list("challenge_id", flat=True)
    values, errors = _session_values(session, event.timezone, list(linked)), {}
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            _update(event, session, values),
            done=lambda saved: _("The jury session “%(name)s” is saved.", name=saved.name),
            then=juries_url(event, f"/{session.id}"),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "jury_admin/edit.html",
        {
            "event": event,
            "session": session,
            "stage": await Round.get(id=session.round_id),
            "challenges": await Challenge.filter(event_id=event.id).order_by("title"),
            "modes": _modes(),
            "judging_modes": _judging_modes(),
            "values": values,
            "errors": errors,
            "only_window": session.status == SessionStatus.OPEN,
            "editable": session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
        },
        status_code=422 if errors else 200,
    )


async def delete_jury_session(request: Request):
    """GET asks for confirmation; POST deletes (scheduled, or no sheet started, and not published)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    errors: dict = {}
    if request.method == "POST":
        form = await read_form(request)
        if not checkbox(form, "confirm"):
            errors = {"confirm": _("Tick the box to confirm the deletion.")}
        else:
            answer = await submit(
                request,
                session_rules.delete_session(session=session),
                done=_("The jury session “%(name)s” is deleted.", name=session.name),
                then=juries_url(event),
            )
            if answer.response:
                return answer.response
            errors = answer.errors
    has_sheets = await ScoreSheet.exists(session_id=session.id)
    return render(
        request,
        "jury_admin/delete.html",
        {
            "event": event,
            "session": session,
            "errors": errors,
            "values": {},
            "allowed": session_rules.can_delete(session, has_sheets),
            "jurors": await JurySessionJuror.filter(session_id=session.id).count(),
            "pending": await Invitation.filter(jury_session_id=session.id, accepted_at__isnull=True).count(),
        },
        status_code=422 if errors else 200,
    )


async def shortlist_session(request: Request):
    """The top N of each challenge marked selected on the selection desk (closed sessions only)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    values = await read_form(request)
    answer = await submit(
        request,
        shortlist_rules.shortlist(
            session=session,
            event=event,
            top=values.get("top", ""),
            user=request.state.user,
            reject_others=checkbox(values, "reject_others"),
            notify=checkbox(values, "notify"),
            base_url=request.app.state.settings.base_url,
        ),
        done=_shortlisted,
        # The selection desk of the session's round, where the shortlist shows.
        then=f"/events/{event.slug}/manage/entries?round={session.round_id}",
    )
    return answer.response or await _session_page(request, session, values=values, errors=answer.errors)


def _shortlisted(result: shortlist_rules.ShortlistResult) -> str:
    return _(
        "Shortlist: %(selected)s, %(rejected)s, %(unchanged)s.",
        selected=ngettext(
            "%(num)s entry newly selected", "%(num)s entries newly selected", len(result.selected)
        ),
        rejected=ngettext(
            "%(num)s entry newly not selected", "%(num)s entries newly not selected", len(result.rejected)
        ),
        unchanged=ngettext("%(num)s unchanged", "%(num)s unchanged", result.unchanged),
    )


_SESSION = "/events/{slug}/manage/juries/{session_id:id}"
_BOTH = ("GET", "POST")
_POST = ("POST",)

routes = [
    route("/events/{slug}/manage/juries", manage_juries, access=ORGANISER),
    route("/events/{slug}/manage/juries/new", new_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION, jury_session, access=ORGANISER),
    route(_SESSION + "/paper-sheets", paper_sheets, access=ORGANISER),
    route(_SESSION + "/jurors", invite_juror, access=ORGANISER, methods=_POST),
    route(_SESSION + "/status", jury_session_status, access=ORGANISER, methods=_POST),
    route(_SESSION + "/edit", edit_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION + "/delete", delete_jury_session, access=ORGANISER, methods=_BOTH),
    route(_SESSION + "/shortlist", shortlist_session, access=ORGANISER, methods=_POST),
]
