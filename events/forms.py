"""Reading submitted forms with explicit limits, and the small conversions every route needs."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_FIELDS = 100
MAX_FIELD_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """Text fields of a url-encoded or multipart form (files are refused here).

    Only the names a handler asks for are ever read, so a field the form does not offer
    (`is_admin`, `role`, ...) has no effect.
    """
    try:
        form: FormData = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except HTTPException as error:
        # Starlette answers 400 to a multipart field over `max_part_size`: it is too large, not unreadable.
        if error.status_code == 400 and "exceeded maximum size" in str(error.detail):
            raise HTTPException(status_code=413) from None
        raise
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value.replace("\x00", "")
    return values


# Ids are 32-bit integers in the database: a larger number names nothing (and SQLite refuses a Python
# int beyond 64 bits with an OverflowError, PostgreSQL beyond 32 bits with a DataError).
MAX_ID = 2**31 - 1


def as_id(raw: str | None) -> int | None:
    """A database id read from a URL or a form, or None when it is not one (text, 0, negative, too large)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


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
