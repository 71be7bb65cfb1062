"""How a URL names a row: the `{entry_id:id}` path convertor every route uses for a database id.

A path segment is an id when it is the decimal writing of a number from 1 to `MAX_ID`, in ASCII
digits, without a sign or a leading zero. Anything else ("abc", "0", "007", "١٢", a number past the
32-bit range of the database, thousands of digits) matches no route and is a plain 404, so a handler
receives an `int` it can pass to the database as it is. The bound is in the pattern itself because a
convertor cannot refuse a value once its pattern matched: an exception there is a 500.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from events.domain.numbers import MAX_ID


def at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 1 to `limit` without leading zeros.

    For 2147483647: any number of fewer digits, or ten digits that stay below the limit at their first
    smaller digit ("1" then nine digits, "20" then eight, ..., "214748364" then 0 to 7)."""
    digits = str(limit)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else None
    same_length = []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        last = position == len(digits) - 1
        top = int(digit) if last else int(digit) - 1
        if top < lowest:
            continue
        rest = len(digits) - position - 1
        same_length.append(f"{digits[:position]}[{lowest}-{top}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join(([shorter] if shorter else []) + same_length)


class IdConvertor(Convertor[int]):
    regex = f"(?:{at_most(MAX_ID)})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"{value} is not an id")
        return str(value)


register_url_convertor("id", IdConvertor())
