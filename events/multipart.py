"""Receiving one uploaded file from a multipart request, streamed straight to storage.

`request.form()` would spool the whole file (to memory, then to a temporary file of its own)
before any check could run. Here python-multipart's push parser is fed the request body chunk by
chunk and the file part goes to `Storage.begin()` as it arrives, so memory stays flat whatever the
file's size (see `bench/upload.py`). The CSRF token travels in the query string or a header and was
checked before the first byte of the body was read (events.csrf).

The per-file limit is enforced here (413); the request body limit (BodyLimitMiddleware) bounds the
whole request, chunked or not. A body that is not a whole multipart upload is an UnreadableRequest
(400, with the reason): an odd boundary (events.forms.multipart_boundary), too many parts, a body
that ends before its closing boundary (python-multipart's `finalize()` does not check it: the file
would be stored with whatever bytes came). Nothing is left in storage then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from events.domain.files import ContentCheck, FileRefused, check_extension, display_name, extension_of
from events.forms import UnreadableRequest, multipart_boundary
from events.i18n import _
from events.storage import HEAD_BYTES, FileTooLarge, PendingUpload, Storage, StoredFile

FILE_FIELD = "file"
MAX_PARTS = 8
MAX_OTHER_PART_BYTES = 64 * 1024
MAX_HEADER_SIZE = 4096


@dataclass(frozen=True)
class ReceivedFile:
    stored: StoredFile
    name: str  # for display only
    extension: str
    fields: dict[str, str] = field(default_factory=dict)  # the form's other fields (first value of each)


class MemoryUpload:
    """A received file kept in memory (the `PendingUpload` protocol), within its limit: for a small
    file the server reads itself (a CSV of people, an image to re-encode) rather than stores."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.head = b""
        self.data = bytearray()

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            await self.discard()
            raise FileTooLarge
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.data += data

    async def commit(self) -> StoredFile:
        return StoredFile(key="", size=self.size, sha256="", head=self.head)

    async def discard(self) -> None:
        self.data = bytearray()


class InMemory:
    """Where `receive_file` puts a file kept in memory: `upload` is the last one begun."""

    def __init__(self) -> None:
        self.upload: MemoryUpload | None = None

    def begin(self, *, max_bytes: int) -> MemoryUpload:
        self.upload = MemoryUpload(max_bytes)
        return self.upload

    @property
    def data(self) -> bytes:
        return bytes(self.upload.data) if self.upload is not None else b""


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.name = ""
        self.filename: str | None = None
        self.size = 0
        self.data = bytearray()  # a field's value (not the file's bytes)


async def receive_file(
    request: Request,
    storage: Storage,
    *,
    max_bytes: int,
    check_content: bool = True,
    any_extension: bool = False,
) -> ReceivedFile:
    """Stream the `file` part of a multipart request into storage and check it.

    Raises UnreadableRequest (400: not a whole multipart upload, or no file), HTTPException 413
    (over `max_bytes`), or FileRefused (extension or content not accepted). Nothing is left in
    storage on any failure. `check_content=False` skips the check of the content against the
    extension (`files.ContentCheck`, made for files served back to browsers): for a file the server
    only reads, whose reader checks it (the import of people takes Windows-1252 CSV files).
    `any_extension=True` also takes a name with any extension, for a reader that decides by the
    content alone (images, which are decoded and re-encoded: events.domain.images). The form's
    other fields come back in `fields`.
    """
    boundary = multipart_boundary(request.headers.get("content-type", ""))
    if boundary is None:
        raise UnreadableRequest(_("Choose a file to upload."))

    parts: list[_Part] = []
    pending_data: list[bytes] = []
    state: dict = {"file_part": None, "refusal": None, "complete": False}

    def on_part_begin() -> None:
        if len(parts) >= MAX_PARTS:
            raise UnreadableRequest(
                _("An upload carries one file and a few fields: this one has too many parts.")
            )
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        parts[-1].field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        parts[-1].value += data[start:end]

    def on_header_end() -> None:
        part = parts[-1]
        part.headers[part.field.lower()] = part.value
        part.field, part.value = b"", b""

    def on_headers_finished() -> None:
        part = parts[-1]
        _disposition, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        if raw_filename is not None:
            part.filename = raw_filename.decode("utf-8", "replace")
        if part.filename is None:
            return
        if state["file_part"] is not None:  # the form sends one file: a second is not dropped silently
            raise UnreadableRequest(_("Send one file at a time."))
        if part.name == FILE_FIELD:
            state["file_part"] = part

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = parts[-1]
        part.size += end - start
        if part is state["file_part"]:
            pending_data.append(data[start:end])
        elif part.size > MAX_OTHER_PART_BYTES:
            raise HTTPException(status_code=413)
        else:
            part.data += data[start:end]

    def on_end() -> None:
        state["complete"] = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_end": on_end,
        },
        max_header_size=MAX_HEADER_SIZE,
    )
    upload: PendingUpload | None = None
    check: ContentCheck | None = None
    name = extension = ""
    committed = False
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except MultipartParseError:
                raise UnreadableRequest(
                    _("The file could not be read: nothing was stored. Send it again.")
                ) from None
            if state["file_part"] is not None and upload is None and state["refusal"] is None:
                name = display_name(state["file_part"].filename or "")
                try:
                    extension = extension_of(name) if any_extension else check_extension(name)
                except FileRefused as refusal:
                    state["refusal"] = refusal  # keep reading (and dropping) the body, then refuse
                else:
                    upload = storage.begin(max_bytes=max_bytes)
                    check = ContentCheck(extension) if check_content else None
            if pending_data:
                if upload is not None:
                    for data in pending_data:
                        if check is not None:
                            check.feed(data)
                        await upload.write(data)
                pending_data.clear()
        parser.finalize()
        if not state["complete"]:
            raise UnreadableRequest(_("The file arrived incomplete: nothing was stored. Send it again."))
        if state["refusal"] is not None:
            raise state["refusal"]
        if upload is None:
            raise UnreadableRequest(_("Choose a file to upload."))
        if check is not None:
            check.finish(upload.head, upload.size)
        stored = await upload.commit()
        committed = True
        fields: dict[str, str] = {}
        for part in parts:
            if part.filename is None and part.name:
                fields.setdefault(part.name, part.data.decode("utf-8", "replace").replace("\x00", ""))
        return ReceivedFile(stored=stored, name=name, extension=extension, fields=fields)
    except FileTooLarge:
        raise HTTPException(status_code=413) from None
    except ClientDisconnect:
        raise UnreadableRequest(
            _("The file arrived incomplete: nothing was stored. Send it again.")
        ) from None
    finally:
        if upload is not None and not committed:
            await upload.discard()
