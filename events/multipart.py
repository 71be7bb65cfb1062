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

from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from events.domain.files import ContentCheck, FileRefused, check_extension, display_name
from events.forms import UnreadableRequest, multipart_boundary
from events.i18n import _
from events.storage import FileTooLarge, PendingUpload, Storage, StoredFile

FILE_FIELD = "file"
MAX_PARTS = 8
MAX_OTHER_PART_BYTES = 64 * 1024
MAX_HEADER_SIZE = 4096


@dataclass(frozen=True)
class ReceivedFile:
    stored: StoredFile
    name: str  # for display only
    extension: str


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.name = ""
        self.filename: str | None = None
        self.size = 0


async def receive_file(
    request: Request, storage: Storage, *, max_bytes: int, check_content: bool = True
) -> ReceivedFile:
    """Stream the `file` part of a multipart request into storage and check it.

    Raises UnreadableRequest (400: not a whole multipart upload, or no file), HTTPException 413
    (over `max_bytes`), or FileRefused (extension or content not accepted). Nothing is left in
    storage on any failure. `check_content=False` skips the check of the content against the
    extension (`files.ContentCheck`, made for files served back to browsers): for a file the server
    only reads, whose reader checks it (the import of people takes Windows-1252 CSV files).
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
                    extension = check_extension(name)
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
        return ReceivedFile(stored=stored, name=name, extension=extension)
    except FileTooLarge:
        raise HTTPException(status_code=413) from None
    except ClientDisconnect:
        raise UnreadableRequest(
            _("The file arrived incomplete: nothing was stored. Send it again.")
        ) from None
    finally:
        if upload is not None and not committed:
            await upload.discard()
