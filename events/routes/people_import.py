"""Importing people into an event from a CSV file (its organisers and admins), and the file's template.

Thin handlers over `events.domain.people_import`. The file comes as an entry file does
(`events.multipart.receive_file`: streamed, the CSRF token in the query string, within its own limit)
but into memory, as it is at most 1 MB, and without the content check of entry files (made for files
served back to browsers): a CSV saved in Windows-1252, or a name holding `<script>`, is the domain's
to read and to report on. "Check only" is the same form sent with `?check=1`: the report, nothing
written.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from events.auth import ORGANISER, route
from events.csv_export import csv_response
from events.domain import people_import as import_rules
from events.domain import registration
from events.domain.errors import FormErrors, RateLimited
from events.domain.files import FileRefused
from events.forms import UnreadableRequest
from events.i18n import _
from events.models import Event
from events.multipart import InMemory, receive_file
from events.outcomes import submit
from events.templating import refused, render


def _page(
    request: Request,
    *,
    errors: dict | None = None,
    refusal: FormErrors | None = None,
    summary: import_rules.Summary | None = None,
    status_code: int = 200,
):
    event: Event = request.state.event
    return render(
        request,
        "events/people_import.html",
        {
            "event": event,
            "errors": errors or {},
            "problems": getattr(refusal, "problems", []),
            "total": getattr(refusal, "total", 0),
            "summary": summary,
            "max_rows": import_rules.MAX_ROWS,
            "max_megabytes": import_rules.MAX_MEGABYTES,
            "registration_open": registration.window_state(event) == registration.WindowState.OPEN,
        },
        status_code=status_code,
    )


async def import_people(request: Request):
    """GET: the form and the file's format. POST (multipart): check the file, then import it, or with
    `?check=1` only report what importing it would do."""
    if request.method == "GET":
        return _page(request)
    event: Event = request.state.event
    settings = request.app.state.settings
    memory = InMemory()
    try:
        received = await receive_file(request, memory, max_bytes=import_rules.MAX_BYTES, check_content=False)
    except FileRefused:
        return _page(request, errors={"file": _choose_csv()}, status_code=422)
    except UnreadableRequest as unreadable:
        return _page(request, errors={"file": unreadable.message}, status_code=400)
    except HTTPException as error:
        if error.status_code != 413:
            raise
        return _page(request, errors={"file": import_rules.too_large()}, status_code=413)
    if received.extension != "csv" or memory.upload is None:
        return _page(request, errors={"file": _choose_csv()}, status_code=422)
    action = import_rules.import_people(
        event=event,
        data=bytes(memory.upload.data),
        invited_by=request.state.user,
        base_url=settings.base_url,
        default_language=settings.default_language,
        check_only=request.query_params.get("check") == "1",
    )
    try:
        if request.query_params.get("check") == "1":
            try:
                summary = await action
            except import_rules.ImportRefused as refusal:
                return _page(request, errors=refusal.errors, refusal=refusal, status_code=422)
            return _page(request, summary=summary)
        answer = await submit(
            request,
            action,
            done=lambda summary: summary.text(),
            then=f"/events/{event.slug}/manage/people",
        )
    except RateLimited as limited:
        return refused(_page(request, errors={None: limited.message}), limited)
    if answer.response is not None:
        return answer.response
    return _page(request, errors=answer.errors, refusal=answer.refusal, status_code=422)


def _choose_csv() -> str:
    return _("Choose a .csv file: in your spreadsheet, save the sheet as “CSV UTF-8” (or “CSV”).")


async def people_template(request: Request):
    """The CSV template: the header and a few example lines."""
    header, rows = import_rules.template_rows()
    return csv_response("people.csv", header, rows)


routes = [
    route("/events/{slug}/manage/people/import", import_people, access=ORGANISER, methods=("GET", "POST")),
    route("/events/{slug}/manage/people/import/template.csv", people_template, access=ORGANISER),
]
