"""Reading submitted forms with explicit limits, and the small conversions every route needs.

A form arrives url-encoded or as multipart/form-data. A body that cannot be read whole is refused
with a 400 that says why (`UnreadableRequest`), before a handler sees any of it: a multipart
boundary that is missing, named twice, empty, longer than 256 characters or made of characters
RFC 2046 does not allow (python-multipart raises on a long one while the parser is built, and reads
the others in its own way); a multipart body that ends before its closing boundary (python-multipart
does not check: the fields that came would be saved as if whole); too many fields; a file where a
form takes none.
"""

from __future__ import annotations

import re
from contextlib import aclosing

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from events.domain.numbers import parse_id
from events.i18n import _

MAX_FIELDS = 100
MAX_FIELD_BYTES = 64 * 1024
# RFC 2046 boundary characters, at most 256 of them (RFC 2046 says 70, python-multipart refuses
# more than 256: the room between is left to clients that overshoot), not ending with a space.
BOUNDARY_RE = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,255}[0-9A-Za-z'()+_,\-./:=?]")
# Each way of naming the boundary parameter, to refuse a header that names it twice (a proxy and the
# app could then disagree on where the parts are), the extended syntax RFC 7578 forbids included.
BOUNDARY_PARAM_RE = re.compile(r";\s*boundary\s*\*?\s*=", re.IGNORECASE)


class UnreadableRequest(HTTPException):
    """A 400 whose message, already translated, is shown to the reader."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=400, detail=message)
        self.message = message


def bad_boundary_message() -> str:
    return _(
        "This form could not be read: its multipart boundary is missing or malformed. Nothing was saved."
    )


def multipart_boundary(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data body; None when the body is not multipart.

    Raises UnreadableRequest when the boundary is missing, empty, named twice, too long or made of
    characters a boundary cannot hold."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    boundary = params.get(b"boundary", b"")
    if len(BOUNDARY_PARAM_RE.findall(content_type)) != 1 or not BOUNDARY_RE.fullmatch(boundary):
        raise UnreadableRequest(bad_boundary_message())
    return boundary


def cut_short_message() -> str:
    return _(
        "This form arrived incomplete: it ended before its last boundary. Nothing was saved: send it again."
    )


class _CheckedMultiPartParser(MultiPartParser):
    """Starlette's multipart parser, noting whether the closing boundary arrived."""

    complete = False

    def on_end(self) -> None:
        self.complete = True


def _refusal(starlette_message: str) -> HTTPException:
    """Starlette's reason for refusing a form (English, for developers) as an answer for the reader."""
    if "exceeded maximum size" in starlette_message:  # a field over `max_part_size`: too large
        return HTTPException(status_code=413)
    if "Too many fields" in starlette_message:
        return UnreadableRequest(_("This form has more fields than it can take. Nothing was saved."))
    if "Too many files" in starlette_message:
        return UnreadableRequest(_("This form does not take files. Nothing was saved."))
    return UnreadableRequest(_("This form could not be read. Nothing was saved: send it again."))


async def form_data(
    request: Request, *, max_fields: int = MAX_FIELDS, max_part_size: int = MAX_FIELD_BYTES
) -> FormData:
    """The submitted form, url-encoded or multipart, without files, within the limits; or
    UnreadableRequest (400, with the reason) or 413."""
    boundary = multipart_boundary(request.headers.get("content-type", ""))
    if boundary is None:
        try:
            return await request.form(max_files=0, max_fields=max_fields, max_part_size=max_part_size)
        except HTTPException as error:
            raise _refusal(str(error.detail)) from None
    try:
        async with aclosing(request.stream()) as stream:
            parser = _CheckedMultiPartParser(
                request.headers, stream, max_files=0, max_fields=max_fields, max_part_size=max_part_size
            )
            form = await parser.parse()
    except MultiPartException as error:
        raise _refusal(error.message) from None
    except ClientDisconnect:
        raise UnreadableRequest(cut_short_message()) from None
    if not parser.complete:
        await form.close()
        raise UnreadableRequest(cut_short_message())
    return form


async def read_form(request: Request, *, max_fields: int = MAX_FIELDS) -> dict[str, str]:
    """Text fields of a url-encoded or multipart form (files are refused here), the first value of each.

    Only the names a handler asks for are ever read, so a field the form does not offer
    (`is_admin`, `role`, ...) has no effect.
    """
    form = await form_data(request, max_fields=max_fields)
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value.replace("\x00", "")
    return values


def as_id(raw: str | None) -> int | None:
    """A database id read from a URL or a form, or None when it is not one (text, 0, negative, too large,
    Unicode digits, thousands of digits)."""
    return parse_id(raw)


def fits(model, field: str, value: str) -> bool:
    """Whether `value` can name a row by `model.field`: Tortoise refuses to filter a CharField by a
    longer value (a ValidationError, not a miss), PostgreSQL a text with a NUL byte (an error too)."""
    return len(value) <= model._meta.fields_map[field].max_length and "\x00" not in value


def checkbox(form: dict[str, str], name: str) -> bool:
    return form.get(name) in ("on", "1", "true", "yes")


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after login; anything else (//evil, http:...) is ignored."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ch in target for ch in "\r\n\t"):
        return default
    return target
