"""A team's entries: start, edit and submit them, upload and download their files; restricted datasets.

Thin handlers over `events.domain.entries`, `events.domain.restricted` and `events.multipart`.
Another team's entry or file is 404, whatever the request (docs/SECURITY.md, "Access control").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from events.auth import ORGANISER, PUBLIC, SIGNED_IN, forbidden, not_found, route
from events.domain import entries as entry_rules
from events.domain import files as file_rules
from events.domain import restricted
from events.domain.spdx import CODE_LICENCES
from events.flash import flash
from events.forms import UnreadableRequest, read_form
from events.i18n import _
from events.logs import safe_log
from events.models import Dataset, Entry, EntryDataset, EntryFile, Event
from events.multipart import receive_file
from events.outcomes import act, submit
from events.storage import StorageUnavailable, attachment_disposition
from events.templating import render

log = logging.getLogger("hackcity.entries")
MAX_FORM_FIELDS = 600


async def _read_form(request: Request) -> dict[str, str]:
    """A form with room for every dataset of a large catalogue (two fields each)."""
    return await read_form(request, max_fields=MAX_FORM_FIELDS)


async def _member_entry(request: Request) -> Entry:
    event: Event = request.state.event
    entry = await entry_rules.entry_for_member(
        event=event, user=request.state.user, entry_id=request.path_params["entry_id"]
    )
    if entry is None:
        raise not_found(request)
    return entry


def _edit_url(event: Event, entry: Entry) -> str:
    return f"/events/{event.slug}/entries/{entry.id}/edit"


# --- the team's entries ----------------------------------------------------------------------------


async def team_entries(request: Request):
    """The team's entries per round and challenge, and a form to start each missing one."""
    event: Event = request.state.event
    user = request.state.user
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        team = await entry_rules.team_of(event=event, user=user)
        if team is None:
            raise forbidden(request)  # entries are made by teams
        form = await _read_form(request)
        values = {"title": form.get("title", "")}
        answer = await submit(
            request,
            entry_rules.start_entry(
                event=event,
                team=team,
                user=user,
                round_id=form.get("round", ""),
                challenge_id=form.get("challenge", ""),
                title=values["title"],
            ),
            done=None,  # the entry's page, which opens next, says it all
            then=lambda entry: _edit_url(event, entry),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    page = await entry_rules.team_entries(event=event, user=user)
    return render(
        request,
        "entries/list.html",
        {
            "event": event,
            "team": page.team,
            "slots": page.slots,
            "with_feedback": page.with_feedback,
            "errors": errors,
            "values": values,
        },
        status_code=422 if errors else 200,
    )


# --- one entry -------------------------------------------------------------------------------------


def _entry_values(entry: Entry, links: list[EntryDataset]) -> dict[str, str]:
    values = {name: str(getattr(entry, name) or "") for name in entry_rules.ENTRY_FIELDS}
    for key, answer in (entry.answers or {}).items():
        values[entry_rules.question_field(key)] = (
            "on" if answer is True else ("" if answer is False else str(answer))
        )
    for link in links:
        values[f"dataset_{link.dataset_id}"] = "on"
        values[f"dataset_{link.dataset_id}_note"] = link.note
    return values


async def _entry_page(
    request: Request,
    entry: Entry,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    file_error: str = "",
    status_code: int = 200,
):
    event: Event = request.state.event
    settings = request.app.state.settings
    page = await entry_rules.entry_page(entry=entry, event=event)
    return render(
        request,
        "entries/edit.html",
        {
            "event": event,
            "entry": entry,
            "stage": page.stage,
            "challenge": page.challenge,
            "catalogue": page.catalogue,
            "files": page.files,
            "revisions": page.revisions,
            "values": values if values is not None else _entry_values(entry, page.links),
            "errors": errors or {},
            "file_error": file_error,
            "closed": page.closed,
            "closes_at": page.closes_at,
            "members": page.admission.members,
            "refused": page.admission.refused,
            "question_field": entry_rules.question_field,
            "licences": CODE_LICENCES,
            "accept": ",".join("." + ext for ext in sorted(file_rules.ALLOWED_EXTENSIONS)),
            "allowed_list": file_rules.allowed_list(),
            "max_file_mb": settings.max_upload_mb,
            "quota_mb": settings.team_quota_mb,
            "used_bytes": page.used_bytes,
        },
        status_code=status_code,
    )


async def edit_entry(request: Request):
    event: Event = request.state.event
    entry = await _member_entry(request)
    if request.method == "GET":
        return await _entry_page(request, entry)
    form = await _read_form(request)
    submitting = form.get("action") == "submit"
    answer = await submit(
        request,
        entry_rules.save_entry_form(
            entry=entry,
            event=event,
            user=request.state.user,
            form=form,
            submit=submitting,
            base_url=request.app.state.settings.base_url,
        ),
        done=_("Your entry is submitted. Every member of the team gets a receipt by mail.")
        if submitting
        else _("Your entry is saved."),
        then=_edit_url(event, entry),
    )
    if answer.response:
        return answer.response
    return await _entry_page(request, entry, values=form, errors=answer.errors, status_code=422)


# --- files -----------------------------------------------------------------------------------------


async def upload_file(request: Request):
    event: Event = request.state.event
    entry = await _member_entry(request)
    settings = request.app.state.settings
    reason = await entry_rules.why_closed(entry=entry, event=event)
    if reason:  # refused before a byte of the body is read; checked again when the row is written
        return await _entry_page(request, entry, file_error=reason, status_code=422)
    storage = request.app.state.storage
    try:
        received = await receive_file(request, storage, max_bytes=settings.max_upload_bytes)
    except file_rules.FileRefused as refusal:
        log.info("upload refused on entry %s: %s", entry.id, safe_log(refusal.message))
        return await _entry_page(request, entry, file_error=refusal.message, status_code=422)
    except UnreadableRequest as unreadable:
        log.info("unreadable upload on entry %s: %s", entry.id, safe_log(unreadable.message))
        return await _entry_page(request, entry, file_error=unreadable.message, status_code=400)
    except StorageUnavailable as failure:
        log.error("upload on entry %s not stored: %s", entry.id, safe_log(str(failure)))
        message = _("The file could not be stored just now: nothing was saved. Try again in a few minutes.")
        return await _entry_page(request, entry, file_error=message, status_code=503)
    try:
        await entry_rules.add_entry_file(
            entry=entry,
            event=event,
            user=request.state.user,
            stored=received.stored,
            original_name=received.name,
            content_type=file_rules.content_type(received.extension),
            quota_bytes=settings.team_quota_bytes,
        )
    except (entry_rules.QuotaExceeded, entry_rules.EntryClosed) as refusal:
        await storage.delete(received.stored.key)
        return await _entry_page(request, entry, file_error=refusal.message, status_code=422)
    except BaseException:
        await storage.delete(received.stored.key)
        raise
    flash(request, _("The file “%(name)s” is added.", name=received.name), "success")
    return RedirectResponse(_edit_url(event, entry) + "#files", status_code=303)


async def delete_file(request: Request):
    event: Event = request.state.event
    entry = await _member_entry(request)

    async def remove() -> EntryFile:
        record = await entry_rules.remove_entry_file(
            entry=entry, event=event, file_id=request.path_params["file_id"], user=request.state.user
        )
        if record is None:
            raise not_found(request)
        await request.app.state.storage.delete(record.storage_key)  # the row is gone first
        return record

    answer = await submit(
        request,
        remove(),
        done=lambda record: _("The file “%(name)s” is removed.", name=record.original_name),
        then=_edit_url(event, entry) + "#files",
    )
    if answer.response:
        return answer.response
    # The round closed (EntryClosed): said where the files are.
    return await _entry_page(request, entry, file_error=answer.errors[None], status_code=422)


async def send_file(request: Request, record: EntryFile | None, name: str = "") -> Response:
    """An entry's file as an attachment that no browser will render or run, named `name` (default:
    the team's file name); 404 when there is no such file or it is missing from the storage.

    Sent by the app, streamed from the storage; or, when the storage signs download addresses
    (`download=signed` in UPLOAD_STORAGE), a redirect to a short-lived one that makes the store answer
    with the same name, type and caching headers. The caller has checked the access either way."""
    if record is None:
        raise not_found(request)
    storage = request.app.state.storage
    filename = name or record.original_name
    signed = await storage.download_url(record.storage_key, filename=filename)
    if signed is not None:
        if await storage.size_of(record.storage_key) is None:
            log.warning("entry file %s: its stored file %s is missing", record.id, record.storage_key)
            raise not_found(request)
        return RedirectResponse(
            signed,
            status_code=303,
            headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
        )
    body = storage.open(record.storage_key)
    try:
        first = await anext(body)
    except FileNotFoundError:
        log.warning("entry file %s: its stored file %s is missing", record.id, record.storage_key)
        raise not_found(request) from None
    except StopAsyncIteration:
        first = b""
    return StreamingResponse(
        _chained(first, body),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": attachment_disposition(filename),
            "Content-Length": str(record.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, no-store",
        },
    )


async def _chained(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The first chunk (read to know the file is there), then the others; the stream is closed
    however the response ends (a client that leaves mid-download included)."""
    try:
        if first:
            yield first
        async for chunk in rest:
            yield chunk
    finally:
        await rest.aclose()


async def download_file(request: Request):
    """The file, for the team, the organisers, and anyone once the entry is in the public gallery."""
    record = await entry_rules.file_for_reader(
        event=request.state.event,
        user=request.state.user,
        entry_id=request.path_params["entry_id"],
        file_id=request.path_params["file_id"],
    )
    return await send_file(request, record)


# --- restricted datasets ---------------------------------------------------------------------------


async def accept_dataset_terms(request: Request):
    event: Event = request.state.event
    dataset = await Dataset.get_or_none(id=request.path_params["dataset_id"], event_id=event.id)
    if dataset is None:
        raise not_found(request)
    team = await entry_rules.team_of(event=event, user=request.state.user)
    if team is None:
        raise forbidden(request)  # only a team accepts terms
    back = f"/events/{event.slug}/datasets/{dataset.id}#files"
    if not dataset.restricted:
        flash(request, _("This dataset has no terms to accept: its files are open to all."), "info")
        return RedirectResponse(back, status_code=303)
    return await act(
        request,
        restricted.accept_terms(dataset=dataset, team=team, user=request.state.user),
        done=_("Your team accepted the terms: the files are shown below."),
        then=back,
    )


async def dataset_access_log(request: Request):
    event: Event = request.state.event
    dataset = await Dataset.get_or_none(id=request.path_params["dataset_id"], event_id=event.id)
    if dataset is None:
        raise not_found(request)
    return render(
        request,
        "datasets/access.html",
        {
            "event": event,
            "dataset": dataset,
            "acceptances": await restricted.acceptances(dataset=dataset),
            "accesses": await restricted.access_log(dataset=dataset),
        },
    )


routes = [
    route("/events/{slug}/team/entries", team_entries, access=SIGNED_IN, methods=("GET", "POST")),
    route("/events/{slug}/entries/{entry_id:id}/edit", edit_entry, access=SIGNED_IN, methods=("GET", "POST")),
    route("/events/{slug}/entries/{entry_id:id}/files", upload_file, access=SIGNED_IN, methods=("POST",)),
    route(
        "/events/{slug}/entries/{entry_id:id}/files/{file_id:id}/delete",
        delete_file,
        access=SIGNED_IN,
        methods=("POST",),
    ),
    # Public: entry_for_reader answers 404 unless the entry is the reader's, or in the public gallery.
    route("/events/{slug}/entries/{entry_id:id}/files/{file_id:id}", download_file, access=PUBLIC),
    route(
        "/events/{slug}/datasets/{dataset_id:id}/accept",
        accept_dataset_terms,
        access=SIGNED_IN,
        methods=("POST",),
    ),
    route("/events/{slug}/manage/datasets/{dataset_id:id}/access", dataset_access_log, access=ORGANISER),
]
