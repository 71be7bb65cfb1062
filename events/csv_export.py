"""CSV downloads: one writer and one response for every export (registrants, teams, entries, reuse
report, jury results and scores).

`csv_response(filename, header, rows)` is all a route needs. Domain functions return the header and
the rows as plain values (text, numbers, datetimes, None); this module decides how each is written:

- a number (int, float, Decimal; not a bool) is written as a number, so a spreadsheet can add it up;
- a datetime is written in ISO 8601, in UTC (`2026-03-01T14:00:00Z`);
- text that a spreadsheet would run as a formula (it starts with `= + - @`, a tab or a carriage
  return, CSV injection) gets a leading apostrophe, unless the whole text is a plain number
  (`-3.5`), which a spreadsheet reads as that number and never runs;
- the file is UTF-8 with a byte-order mark (Excel guesses a Windows code page without it) and
  CRLF line ends (RFC 4180).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, as a spreadsheet reads it: no expression, no thousands separator.
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def csv_cell(value: Any) -> str:
    """One cell as written to the file (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The header and the rows as CSV text (without the byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def attachment(filename: str) -> str:
    """A Content-Disposition value that names the file safely, in ASCII and in UTF-8."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = _FILENAME_UNSAFE.sub("-", ascii_name).strip("-.") or "export"
    if plain == filename:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download: UTF-8 with a BOM, sent as an attachment, never cached."""
    return Response(
        ("\ufeff" + csv_text(header, rows)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(filename), "Cache-Control": "private, no-store"},
    )
