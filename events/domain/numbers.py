"""Numbers sent by clients, read defensively: in a form, a query string, a URL or a JSON body.

`int()` and `float()` accept more than a person types in a form, and fail in ways a handler does not
expect: they read Unicode digits ("١٢" and "１２" are 12), underscores ("1_000") and "NaN" or "inf";
`"²".isdigit()` is true but `int("²")` raises; `int()` of a text of more than 4,300 digits raises
ValueError and `float()` of a JSON integer of a few hundred digits raises OverflowError. Here a number
is ASCII digits of bounded length, or a JSON number that fits: anything else is None, which the
caller turns into a message for the field.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Ids are 32-bit integers in the database: a larger number names nothing (SQLite refuses a Python int
# beyond 64 bits with an OverflowError, PostgreSQL one beyond 32 bits with a DataError).
MAX_ID = 2**31 - 1
# [0-9], not \d: \d matches every Unicode decimal digit.
INT_RE = re.compile(r"[+-]?[0-9]{1,18}")
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
MAX_NUMBER_CHARS = 32


def parse_int(raw: Any, *, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number in ASCII digits (a sign and surrounding spaces allowed) or a JSON integer, within
    [low, high] when given; None for anything else (booleans, floats, lists, Unicode digits...)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and INT_RE.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def parse_id(raw: Any) -> int | None:
    """A database id (1 to MAX_ID) from a URL, a query string or a form; None when it is not one."""
    return parse_int(raw, low=1, high=MAX_ID)


def parse_number(raw: Any) -> float | None:
    """A finite number from a form field (a decimal comma accepted) or a JSON number; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        try:
            number = float(raw)
        except OverflowError:  # a JSON integer of hundreds of digits
            return None
    elif isinstance(raw, str) and len(raw) <= MAX_NUMBER_CHARS and NUMBER_RE.fullmatch(raw.strip()):
        number = float(raw.strip().replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None
