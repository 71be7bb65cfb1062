"""Organiser pages for a jury session's score log: every change of every sheet (filtered, and as
CSV), and the results recounted from the log alone."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from events.auth import ORGANISER, route
from events.csv_export import csv_response
from events.domain import criteria as criteria_rules
from events.domain import score_log as log_rules
from events.forms import as_id
from events.i18n import _, lazy
from events.models import Event, JurySession, SheetStatus
from events.routes.jury_sessions import juries_url, session_or_404
from events.templating import render


def _log_filter(request: Request) -> dict[str, int | None]:
    """The log's filter from the query string; anything that is not an id is ignored."""
    return {
        "juror_id": as_id(request.query_params.get("juror")),
        "entry_id": as_id(request.query_params.get("entry")),
    }


def _log_url(event: Event, session: JurySession, path: str = "/log", **params: int | None) -> str:
    """The log's address (or its CSV's) with the filter and the page in the query string."""
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return juries_url(event, f"/{session.id}{path}") + (f"?{query}" if query else "")


async def jury_score_log(request: Request):
    """Every change of every sheet, filtered by juror and entry (GET, so it works without JavaScript)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
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
    session = await session_or_404(request, event)
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
    session = await session_or_404(request, event)
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


_SESSION = "/events/{slug}/manage/juries/{session_id:id}"

routes = [
    route(_SESSION + "/log", jury_score_log, access=ORGANISER),
    route(_SESSION + "/log.csv", jury_score_log_csv, access=ORGANISER),
    route(_SESSION + "/recount", jury_recount, access=ORGANISER),
]
