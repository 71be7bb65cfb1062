"""Juror pages (phones first), a team's feedback and the public results.

Thin handlers over `events.domain.seats`, `events.domain.sheets` and `events.domain.published`. A
juror only ever reaches their own sheet: every URL names an entry, never a sheet, and the sheet is
the signed-in juror's. A session the juror does not sit on, an entry not assigned to them or
conflicted is 404. The domain checks the window and the assignment again inside each write. The
entry's files are one tap away from the sheet, through a route of the session
(`events.domain.jury_files` says who and under which names: neutral ones in a blind session).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from tortoise.expressions import Subquery

from events import i18n
from events.auth import PUBLIC, SIGNED_IN, event_role, not_found, route
from events.domain import assignments as assignment_rules
from events.domain import gallery as gallery_rules
from events.domain import jury_files, portals, scoring
from events.domain import published as published_rules
from events.domain import seats as seat_rules
from events.domain import sheets as sheet_rules
from events.domain.criteria import clean_value, criteria_for, format_number
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.flash import flash
from events.forms import form_data
from events.i18n import _
from events.models import (
    Assignment,
    Criterion,
    Entry,
    Event,
    JurySession,
    JurySessionJuror,
    PitchSlot,
    Role,
    Score,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    SlotStatus,
    Team,
    TeamMember,
    User,
)
from events.outcomes import submit
from events.routes.entries import send_file
from events.templating import render

JUROR = event_role(Role.JUROR)
MAX_JSON_BYTES = 16 * 1024
TEXT_SAVERS = {"comment": sheet_rules.save_comment, "private_note": sheet_rules.save_private_note}


def local_time(value: datetime | None, event: Event) -> str:
    """A moment as date and wall-clock time in the event's time zone (the page names the zone once)."""
    return i18n.format_when(value, event.timezone)


def window_problem(session: JurySession, now: datetime) -> str | None:
    """Why the juror cannot score now, or None (the domain checks again in the write)."""
    window = scoring.scoring_window(session, now)
    if window == scoring.Window.NOT_STARTED:
        return _("Scoring has not started yet.")
    if window == scoring.Window.OVER:
        return _("Scoring is over: the session closed.")
    return None


async def _seated_session(request: Request) -> JurySession:
    """The session named in the URL if the signed-in juror sits on it; else 404."""
    session = await seat_rules.seated_session(
        event_id=request.state.event.id,
        user_id=request.state.user.id,
        session_id=request.path_params["session_id"],
    )
    if session is None:
        raise not_found(request)
    return session


async def _assigned_entry(request: Request, session: JurySession, *, with_names: bool = True) -> Entry:
    """The entry named in the URL if it is assigned to the juror without a conflict; else 404.

    One statement: the entry, annotated with the juror's standing. With its team and challenge, which
    the phone page shows (`with_names`); a save needs only the entry's own ids."""
    user: User = request.state.user
    columns = assignment_rules.standing_columns(
        session=str(int(session.id)), juror_id=user.id, entry="entry.id", team="entry.team_id"
    )
    query = Entry.filter(id=request.path_params["entry_id"], event_id=session.event_id).annotate(**columns)
    if with_names:
        query = query.select_related("team", "challenge")
    else:
        query = query.only("id", "event_id", "team_id", "challenge_id", "round_id", *columns)
    entry = await query.first()
    if entry is None or not assignment_rules.standing_of(entry).may_read:
        raise not_found(request)
    return entry


async def _assigned_ids(session: JurySession, user: User) -> list[int]:
    return sorted(
        await Assignment.filter(session_id=session.id, juror_id=user.id).values_list("entry_id", flat=True)
    )


def _base(event: Event, session: JurySession) -> str:
    return f"/events/{event.slug}/jury/{session.id}"


# --- my sessions -----------------------------------------------------------------------------------


async def juror_sessions(request: Request):
    """The sessions of this event the signed-in juror sits on, with their window and progress."""
    event: Event = request.state.event
    user: User = request.state.user
    sessions = await JurySession.filter(event_id=event.id, jurors__user_id=user.id).order_by("id")
    progress = await sheet_rules.progress_by_session(juror=user, session_ids=[s.id for s in sessions])
    rows = [
        {"session": session, "done": progress[session.id][0], "total": progress[session.id][1]}
        for session in sessions
    ]
    return render(
        request,
        "jury/sessions.html",
        {
            "event": event,
            "rows": rows,
            "local_time": lambda value: local_time(value, event),
        },
    )


# --- one session: accept the seat, declare conflicts, the assigned entries ---------------------------


async def juror_session(request: Request):
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)
    seat = await JurySessionJuror.get(session_id=session.id, user_id=user.id)
    errors: dict = {}
    status_code = 200
    if request.method == "POST":
        form = await form_data(request, max_fields=1000)
        team_ids = sorted({team_id for v in form.getlist("team") if (team_id := parse_id(v))})
        answer = await submit(
            request,
            seat_rules.accept_seat(
                session=session, juror=user, conflict_team_ids=team_ids, reason=str(form.get("reason", ""))
            ),
            done=_("Thank you: your seat on the jury is confirmed."),
            then=_base(event, session),
        )
        if answer.response:
            return answer.response
        errors, status_code = answer.errors, 422
        seat = await JurySessionJuror.get(session_id=session.id, user_id=user.id)
    # A constant number of queries, and no list of ids sent back to the database: the teams through
    # a subquery on the scope, the entries through the juror's assignments.
    scope = await scoring.scope_query(session)
    teams = await Team.filter(id__in=Subquery(scope.values("team_id"))).order_by("name", "id")
    conflicted = set(
        await session.conflicts.filter(juror_id=user.id).values_list("team_id", flat=True)
    ) | set(await TeamMember.filter(user_id=user.id, event_id=event.id).values_list("team_id", flat=True))
    entries = await Entry.filter(
        jury_assignments__session_id=session.id, jury_assignments__juror_id=user.id
    ).order_by("id")
    sheets = {
        sheet.entry_id: sheet for sheet in await ScoreSheet.filter(session_id=session.id, juror_id=user.id)
    }
    # What `juror_progress` counts, from the rows already read.
    total = len(entries)
    done = sum(
        1 for entry in entries if entry.id in sheets and sheets[entry.id].status == SheetStatus.SUBMITTED
    )
    return render(
        request,
        "jury/session.html",
        {
            "event": event,
            "session": session,
            "seat": seat,
            "teams": teams,
            "conflicted": conflicted,
            "entries": entries,
            "sheets": sheets,
            "done": done,
            "total": total,
            "errors": errors,
            "can_accept": session.status in (SessionStatus.SCHEDULED, SessionStatus.OPEN),
            # Once the scores are locked, the jury can check how each result came about.
            "can_explain": session.status in (SessionStatus.CLOSED, SessionStatus.PUBLISHED),
            "window_problem": window_problem(session, datetime.now(UTC)),
            "local_time": lambda value: local_time(value, event),
            "SUBMITTED": SheetStatus.SUBMITTED,
        },
        status_code=status_code,
    )


# --- one entry: the phone page -----------------------------------------------------------------------


async def _entry_page(
    request: Request,
    session: JurySession,
    entry: Entry,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status_code: int = 200,
):
    event: Event = request.state.event
    user: User = request.state.user
    grid = await criteria_for(session.round_id, entry.challenge_id)
    # The same two queries whether the juror has started the sheet or not.
    sheet = await ScoreSheet.get_or_none(session_id=session.id, juror_id=user.id, entry_id=entry.id)
    scores = await Score.filter(
        sheet__session_id=session.id, sheet__juror_id=user.id, sheet__entry_id=entry.id
    ).values_list("criterion_id", "value")
    state = scoring.SheetState(values=dict(scores))
    if sheet is not None:
        state.comment, state.private_note, state.status = sheet.comment, sheet.private_note, sheet.status
    shown: dict[str, Any] = {
        f"criterion_{c.id}": format_number(state.values[c.id]) for c in grid if c.id in state.values
    }
    shown.update(comment=state.comment, private_note=state.private_note)
    shown.update(values or {})
    assigned_ids = await _assigned_ids(session, user)
    position = assigned_ids.index(entry.id)
    done, total = (await sheet_rules.progress_by_session(juror=user, session_ids=[session.id]))[session.id]
    details = await gallery_rules.entry_details(entry)
    files = jury_files.jury_files(session, entry, details.files)
    pitch_locked = await PitchSlot.exists(session_id=session.id, entry_id=entry.id, status=SlotStatus.LOCKED)
    return render(
        request,
        "jury/entry.html",
        {
            "event": event,
            "session": session,
            "entry": entry,
            "details": details,
            "files": files,
            "grid": grid,
            "state": state,
            "values": shown,
            "errors": errors or {},
            "submitted": state.status == SheetStatus.SUBMITTED,
            "window_problem": window_problem(session, datetime.now(UTC))
            or (_("Scoring of this pitch is locked.") if pitch_locked else None),
            "previous_id": assigned_ids[position - 1] if position > 0 else None,
            "next_id": assigned_ids[position + 1] if position + 1 < len(assigned_ids) else None,
            "position": position + 1,
            "done": done,
            "total": total,
            "base": _base(event, session),
            "format_number": format_number,
            "attribution_line": portals.attribution_line,
        },
        status_code=status_code,
    )


def _clean_form(grid: list[Criterion], form: dict[str, str]) -> tuple[dict[int, float | None], dict]:
    """The values of the grid's fields and the errors, per field. A field the form does not carry
    keeps its score (an unticked group of radio pills is not sent); a field sent blank clears it (None)."""
    cleaned: dict[int, float | None] = {}
    errors: dict = {}
    for criterion in grid:
        raw = form.get(f"criterion_{criterion.id}")
        if raw is None:
            continue
        if not raw.strip():
            cleaned[criterion.id] = None
            continue
        try:
            cleaned[criterion.id] = clean_value(criterion, raw.strip())
        except FormErrors as error:
            errors.update(error.errors)
    for name in TEXT_SAVERS:
        if len(form.get(name, "").replace("\r\n", "\n").strip()) > sheet_rules.MAX_TEXT:
            errors[name] = _("Use at most %(n)s characters.", n=sheet_rules.MAX_TEXT)
    return cleaned, errors


async def juror_entry(request: Request):
    """The entry and the juror's own sheet; POST saves the sheet (and submits it when asked)."""
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)
    entry = await _assigned_entry(request, session)
    if request.method == "GET":
        return await _entry_page(request, session, entry)
    raw_form = await form_data(request, max_fields=200)
    form = {k: v.replace("\x00", "") for k, v in raw_form.items() if isinstance(v, str)}
    grid = await criteria_for(session.round_id, entry.challenge_id)
    cleaned, errors = _clean_form(grid, form)
    if errors:
        return await _entry_page(request, session, entry, errors=errors, values=form, status_code=422)
    submitting = form.get("action") == "submit"
    if submitting:
        done = _("Score sheet submitted. You can still change it while the session is open.")
    else:
        done = _("Score sheet saved.")

    async def save() -> None:
        """The form's values and texts in one transaction, then the submission when asked."""
        await sheet_rules.save_sheet(
            session=session,
            juror=user,
            entry=entry,
            values=cleaned,
            # Absent: unchanged (None); present, even empty: the new text.
            comment=form.get("comment"),
            private_note=form.get("private_note"),
            grid=grid,
        )
        if submitting:
            await sheet_rules.submit_sheet(session=session, juror=user, entry=entry)

    answer = await submit(
        request,
        save(),
        done=done,
        then=f"{_base(event, session)}/entries/{entry.id}",
    )
    return answer.response or await _entry_page(
        request, session, entry, errors=answer.errors, values=form, status_code=422
    )


async def juror_score(request: Request):
    """Autosave of one field (JSON): {"field": "criterion_<id>" | "comment" | "private_note", "value"}.

    Called by static/js/scoring.js with the X-CSRF-Token header (the CSRF middleware checks it)."""
    user: User = request.state.user
    session = await _seated_session(request)
    entry = await _assigned_entry(request, session, with_names=False)
    body = await request.body()
    try:
        if len(body) > MAX_JSON_BYTES:
            raise ValueError
        payload = json.loads(body)
        name = payload["field"]
        value = payload["value"]
        if not isinstance(name, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"errors": {"": _("This request could not be read.")}}, status_code=400)
    try:
        if name in TEXT_SAVERS:
            if not isinstance(value, str):
                raise FormErrors({name: _("Enter some text.")})
            saver = TEXT_SAVERS[name]
            argument = "comment" if name == "comment" else "note"
            await saver(session=session, juror=user, entry=entry, **{argument: value})
        else:
            criteria = await criteria_for(session.round_id, entry.challenge_id)
            grid = {f"criterion_{c.id}": c for c in criteria}
            if name not in grid:
                return JSONResponse({"errors": {name: _("This field is not on the sheet.")}}, status_code=422)
            await sheet_rules.save_score(
                session=session, juror=user, entry=entry, criterion=grid[name], value=value, grid=criteria
            )
    except FormErrors as error:
        return JSONResponse(
            {"errors": {key or "": str(message) for key, message in error.errors.items()}}, status_code=422
        )
    done, total = (await sheet_rules.progress_by_session(juror=user, session_ids=[session.id]))[session.id]
    return JSONResponse({"saved": name, "message": _("Saved"), "done": done, "total": total})


async def juror_undo(request: Request):
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)
    entry = await _assigned_entry(request, session)
    sheet = await ScoreSheet.get_or_none(session_id=session.id, juror_id=user.id, entry_id=entry.id)
    try:
        undone = await sheet_rules.undo_last_change(sheet=sheet, juror=user) if sheet else None
    except FormErrors as error:
        return await _entry_page(request, session, entry, errors=error.errors, status_code=422)
    if undone is None:
        flash(request, _("Nothing to undo."), "info")
    else:
        flash(request, _("Your last change was undone."), "success")
    return RedirectResponse(f"{_base(event, session)}/entries/{entry.id}", status_code=303)


async def juror_recuse(request: Request):
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)
    entry = await _assigned_entry(request, session)
    form = await form_data(request, max_fields=10)
    answer = await submit(
        request,
        seat_rules.recuse(session=session, juror=user, entry=entry, reason=str(form.get("reason", ""))),
        done=_("You recused yourself from this entry. The organisers can see your reason."),
        then=_base(event, session),
    )
    return answer.response or await _entry_page(
        request, session, entry, errors=answer.errors, status_code=422
    )


async def juror_file(request: Request):
    """One of the entry's files, for a juror assigned to it without a conflict or an organiser of the
    event; named neutrally in a blind session (`events.domain.jury_files`). 404 to anyone else."""
    event: Event = request.state.event
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
    if session is None:
        raise not_found(request)
    found = await jury_files.jury_file(
        event=event,
        session=session,
        user=request.state.user,
        entry_id=request.path_params["entry_id"],
        file_id=request.path_params["file_id"],
    )
    if found is None:
        raise not_found(request)
    return await send_file(request, found.record, found.name)


# --- after publication ---------------------------------------------------------------------------------


async def team_feedback(request: Request):
    """A team's feedback from the published juries: averages per criterion and comments, no names."""
    event: Event = request.state.event
    entry = await Entry.get_or_none(id=request.path_params["entry_id"], event_id=event.id)
    if entry is None or not await TeamMember.exists(team_id=entry.team_id, user_id=request.state.user.id):
        raise not_found(request)
    feedback = await published_rules.team_feedback(entry)
    return render(
        request,
        "jury/feedback.html",
        {"event": event, "entry": entry, "feedback": feedback, "format_number": format_number},
    )


async def public_results(request: Request):
    """Each published session's ranking per challenge; 404 while nothing is published."""
    event: Event = request.state.event
    results = await published_rules.public_results(event)
    if not results:
        raise not_found(request)
    from events.domain.awards import published_awards

    return render(
        request,
        "jury/results.html",
        {
            "event": event,
            "results": results,
            "awards": await published_awards([item.session for item in results]),
            "format_number": format_number,
        },
    )


ENTRY = "/events/{slug}/jury/{session_id:id}/entries/{entry_id:id}"
routes = [
    route("/events/{slug}/jury", juror_sessions, access=JUROR),
    # A seat on the session is the authorisation (checked in each handler): 404 to anyone else.
    route("/events/{slug}/jury/{session_id:id}", juror_session, access=SIGNED_IN, methods=("GET", "POST")),
    route(ENTRY, juror_entry, access=SIGNED_IN, methods=("GET", "POST")),
    route(ENTRY + "/score", juror_score, access=SIGNED_IN, methods=("POST",)),
    route(ENTRY + "/undo", juror_undo, access=SIGNED_IN, methods=("POST",)),
    route(ENTRY + "/recuse", juror_recuse, access=SIGNED_IN, methods=("POST",)),
    route(ENTRY + "/files/{file_id:id}", juror_file, access=SIGNED_IN),
    route("/events/{slug}/entries/{entry_id:id}/feedback", team_feedback, access=SIGNED_IN),
    route("/events/{slug}/results", public_results, access=PUBLIC),
]
