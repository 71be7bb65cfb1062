"""An event's Data Package (its JSON descriptor and its zip of CSV files), and a new event made from one.

Thin handlers over `events.domain.datapackage` (what the package holds) and
`events.domain.datapackage_import` (reading and importing it). The package is public for a published
event; a draft's is 404 to all but its organisers (and admins), whatever other role one holds in it.
The import takes a zip as an entry file is taken (`events.multipart.receive_file`: streamed, within
`MAX_UPLOAD_MB`), here into a temporary file that disappears once it is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import tempfile
import zipfile

from starlette.requests import Request
from starlette.responses import Response

from events.auth import EVENT_CREATOR, PUBLIC, not_found, route
from events.csv_export import attachment, csv_text
from events.domain import datapackage as package_rules
from events.domain import datapackage_import as import_rules
from events.domain import files as file_rules
from events.domain import gallery
from events.forms import UnreadableRequest
from events.i18n import _
from events.logs import safe_log
from events.models import Event
from events.multipart import receive_file
from events.outcomes import submit
from events.storage import HEAD_BYTES, FileTooLarge, StoredFile
from events.templating import render

log = logging.getLogger("hackcity.datapackage")
# A zip is assembled in memory with this fixed time on every member, so the same data gives the same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


async def _package(request: Request) -> package_rules.Package:
    event: Event = request.state.event
    if not event.is_published and not await gallery.is_organiser(event=event, user=request.state.user):
        raise not_found(request)  # a juror or a mentor of a draft: its package is not theirs to read
    return await package_rules.build_package(event=event, base_url=request.app.state.settings.base_url)


def _headers(event: Event) -> dict[str, str]:
    return {} if event.is_published else {"Cache-Control": "private, no-store"}


async def datapackage_json(request: Request):
    """The descriptor with each resource's rows inline: one self-contained document."""
    package = await _package(request)
    body = json.dumps(package.inline_descriptor(), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json", headers=_headers(request.state.event))


def package_zip(package: package_rules.Package) -> bytes:
    """`datapackage.json` and one UTF-8 CSV file per resource, under `data/`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        members = [("datapackage.json", json.dumps(package.zip_descriptor(), ensure_ascii=False, indent=1))]
        for table in package_rules.TABLES:
            members.append((table.path, csv_text(*package.csv_table(table.name))))
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


async def datapackage_zip(request: Request):
    event: Event = request.state.event
    package = await _package(request)
    body = await asyncio.to_thread(package_zip, package)
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": attachment(f"{event.slug}-datapackage.zip"), **_headers(event)},
    )


# --- import -----------------------------------------------------------------------------------------


class _ScratchUpload:
    """A received file kept in an anonymous temporary file (the `events.storage.PendingUpload` protocol):
    the import reads it once, and it never reaches the storage of entry files."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.head = b""
        self.file = tempfile.TemporaryFile()  # closed by discard()
        self._hash = hashlib.sha256()

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            await self.discard()
            raise FileTooLarge
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._hash.update(data)
        await asyncio.to_thread(self.file.write, data)

    async def commit(self) -> StoredFile:
        self.file.seek(0)
        return StoredFile(key="", size=self.size, sha256=self._hash.hexdigest(), head=self.head)

    async def discard(self) -> None:
        self.file.close()


class _Scratch:
    """Where `receive_file` puts the uploaded zip: `upload` is the last file begun."""

    def __init__(self) -> None:
        self.upload: _ScratchUpload | None = None

    def begin(self, *, max_bytes: int) -> _ScratchUpload:
        self.upload = _ScratchUpload(max_bytes)
        return self.upload


def _import_page(request: Request, *, errors: dict | None = None, status_code: int = 200):
    settings = request.app.state.settings
    return render(
        request,
        "events/import.html",
        {"errors": errors or {}, "max_file_mb": settings.max_upload_mb, "limits": import_rules.LIMITS},
        status_code=status_code,
    )


async def import_datapackage(request: Request):
    """Create a new draft event from a Data Package's zip; the importer becomes its organiser."""
    if request.method == "GET":
        return _import_page(request)
    settings = request.app.state.settings
    scratch = _Scratch()
    try:
        received = await receive_file(request, scratch, max_bytes=settings.max_upload_bytes)
    except file_rules.FileRefused as refusal:
        log.info("data package refused: %s", safe_log(refusal.message))
        return _import_page(request, errors={"file": refusal.message}, status_code=422)
    except UnreadableRequest as unreadable:
        return _import_page(request, errors={"file": unreadable.message}, status_code=400)
    upload = scratch.upload
    assert upload is not None  # receive_file returned: the file was begun and committed
    try:
        if received.extension != "zip":
            return _import_page(
                request, errors={"file": _("Choose the .zip file of a Data Package.")}, status_code=422
            )
        outcome = await submit(
            request,
            import_rules.import_package(archive=upload.file, user=request.state.user),
            done=_imported_message,
            then=lambda imported: f"/events/{imported.event.slug}/manage",
        )
    finally:
        await upload.discard()
    if outcome.response is not None:
        return outcome.response
    return _import_page(request, errors=outcome.errors, status_code=422)


def _imported_message(imported: import_rules.Imported) -> str:
    if imported.slug != imported.wanted_slug:
        return _(
            "The event “%(title)s” is imported as a draft at %(slug)s: the address %(wanted)s was taken.",
            title=imported.event.title,
            wanted=imported.wanted_slug,
            slug=imported.slug,
        )
    return _(
        "The event “%(title)s” is imported as a draft. Check it, then publish it.", title=imported.event.title
    )


routes = [
    route("/events/new/import", import_datapackage, access=EVENT_CREATOR, methods=("GET", "POST")),
    route("/events/{slug}/datapackage.json", datapackage_json, access=PUBLIC),
    route("/events/{slug}/datapackage.zip", datapackage_zip, access=PUBLIC),
]
