"""The juror's phone page of a pairwise session (docs/PAIRWISE.md): the entry they see now, the one
they saw before, and one form whose buttons say which is better, skip, "I know this team" or undo.

Thin over `events.domain.pairwise`. Every form carries the juror's step: a form sent twice (a double
tap, the back button) is refused by the domain and the page shows where the juror stands. A session
the juror does not sit on, or a rubric session, is 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from events.auth import SIGNED_IN, not_found, route
from events.domain import gallery as gallery_rules
from events.domain import pairwise as pairwise_rules
from events.domain import seats as seat_rules
from events.domain.numbers import parse_int
from events.forms import form_data
from events.i18n import _
from events.models import Entry, Event, JurySession
from events.outcomes import submit
from events.routes.jury import window_problem
from events.templating import render

DONE = {
    pairwise_rules.Action.START: None,
    pairwise_rules.Action.PREVIOUS: lambda: _("Your comparison is recorded."),
    pairwise_rules.Action.CURRENT: lambda: _("Your comparison is recorded."),
    pairwise_rules.Action.SKIP: lambda: _("Entry skipped: it will not be shown to you again."),
    pairwise_rules.Action.RECUSE: lambda: _(
        "Conflict of interest recorded: this team will not be shown to you again."
    ),
    pairwise_rules.Action.UNDO: lambda: _("Your last comparison was undone: answer again."),
}


async def _pairwise_session(request: Request) -> JurySession:
    session = await seat_rules.seated_session(
        event_id=request.state.event.id,
        user_id=request.state.user.id,
        session_id=request.path_params["session_id"],
    )
    if session is None or not pairwise_rules.is_pairwise(session):
        raise not_found(request)
    return session


async def _details(entry: Entry | None):
    return await gallery_rules.entry_details(entry) if entry is not None else None


async def _page(
    request: Request, session: JurySession, *, errors: dict | None = None, status_code: int = 200
):
    event: Event = request.state.event
    view = await pairwise_rules.juror_view(session, request.state.user)
    return render(
        request,
        "jury/pairwise.html",
        {
            "event": event,
            "session": session,
            "view": view,
            "details": await _details(view.current),
            "errors": errors or {},
            "window_problem": window_problem(session, datetime.now(UTC)),
            "base": f"/events/{event.slug}/jury/{session.id}",
        },
        status_code=status_code,
    )


async def juror_pairwise(request: Request):
    """GET: where the juror stands; POST: one step (`action`, `step`), then back here (303)."""
    session = await _pairwise_session(request)
    if request.method == "GET":
        return await _page(request, session)
    form = await form_data(request, max_fields=10)
    action = str(form.get("action", ""))
    said = DONE.get(action)
    answer = await submit(
        request,
        pairwise_rules.act(
            session=session,
            juror=request.state.user,
            action=action,
            step=parse_int(str(form.get("step", ""))),
        ),
        done=(lambda _result: said()) if said else None,
        then=str(request.url.path),
    )
    return answer.response or await _page(request, session, errors=answer.errors, status_code=422)


routes = [
    route(
        "/events/{slug}/jury/{session_id:id}/pairwise",
        juror_pairwise,
        access=SIGNED_IN,
        methods=("GET", "POST"),
    ),
]
