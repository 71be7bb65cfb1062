"""The organisers' deliberation page of a locked jury session: the final ranking per challenge (each
place's computed rank beside it), a form to move an entry with the jury's reason, and the log of
every change. Thin handlers over `events.domain.deliberation`."""

from __future__ import annotations

from starlette.requests import Request

from events.auth import ORGANISER, route
from events.domain import deliberation as rules
from events.domain import jury_exports as export_rules
from events.forms import read_form
from events.i18n import _
from events.models import Event, JurySession
from events.outcomes import submit
from events.routes.jury_sessions import session_or_404
from events.templating import render


def _url(event: Event, session: JurySession) -> str:
    return f"/events/{event.slug}/manage/juries/{session.id}/deliberation"


async def _page(
    request: Request, session: JurySession, *, errors: dict | None = None, values: dict | None = None
):
    event: Event = request.state.event
    rows = rules.final_rows(session.results_snapshot)
    names = await export_rules.names_for(session, {"entries": rows})
    by_challenge: dict[int, list[dict]] = {}
    for row in rows:
        by_challenge.setdefault(row["challenge_id"], []).append(row)
    return render(
        request,
        "jury_admin/deliberation.html",
        {
            "event": event,
            "session": session,
            "open": rules.may_deliberate(session),
            "by_challenge": by_challenge,
            "names": names,
            "log": await rules.log_of(session),
            "reason_min": rules.REASON_MIN,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=422 if errors else 200,
    )


async def jury_deliberation(request: Request):
    """GET: the page; POST moves an entry (fields: entry, place, reason)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    if request.method == "GET":
        return await _page(request, session)
    form = await read_form(request)
    answer = await submit(
        request,
        rules.move(
            session=session,
            entry_id=form.get("entry"),
            place=form.get("place"),
            reason=form.get("reason", ""),
            by=request.state.user,
        ),
        done=lambda change: _(
            "The entry is now at place %(place)s; the reason is in the log.", place=change.to_place
        ),
        then=_url(event, session),
    )
    if answer.response:
        return answer.response
    values = {name: form.get(name, "") for name in ("entry", "place", "reason")}
    return await _page(request, session, errors=answer.errors, values=values)


routes = [
    route(
        "/events/{slug}/manage/juries/{session_id:id}/deliberation",
        jury_deliberation,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
]
