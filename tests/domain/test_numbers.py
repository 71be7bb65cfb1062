"""Numbers from clients, read defensively (events/domain/numbers.py): docs/SECURITY.md, "Numbers from clients
are parsed defensively: NaN, infinities, 1e309, integers of hundreds of digits, Unicode digits,
booleans, nested JSON: a clear 400/422, never a 500"."""

from __future__ import annotations

import pytest

from events.domain.numbers import MAX_ID, parse_id, parse_int, parse_number

HOSTILE = [
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e309",
    "9" * 400,  # float() reads it as inf
    "9" * 5000,  # int() raises ValueError beyond 4,300 digits
    "²",  # a digit to isdigit(), not to int()
    "١",  # ARABIC-INDIC DIGIT ONE: int() and float() read it as 1
    "١٢",
    "１２",  # FULLWIDTH DIGITS: read as 12
    "1_000",  # int() and float() accept the underscore
    "0x10",
    "1 2",
    "\x00",
    "12\x00",
    True,
    False,
    None,
    [1],
    {"a": 1},
    b"12",
]


@pytest.mark.parametrize("raw", HOSTILE, ids=repr)
def test_hostile_values_are_no_number(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw", HOSTILE, ids=repr)
def test_hostile_values_are_no_whole_number(raw):
    assert parse_int(raw) is None


@pytest.mark.parametrize("raw", [10**400, -(10**400), float("nan"), float("inf"), float("-inf")], ids=repr)
def test_json_numbers_beyond_a_float_are_no_number(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("-2.5", -2.5),
        ("2,5", 2.5),
        (".5", 0.5),
        ("1e2", 100.0),
        (3, 3.0),
        (0.25, 0.25),
    ],
    ids=repr,
)
def test_numbers_as_people_type_them(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12), (" 12 ", 12), ("-3", -3), ("+3", 3), (12, 12)], ids=repr
)
def test_whole_numbers(raw, expected):
    assert parse_int(raw) == expected


def test_a_whole_number_out_of_its_bounds_is_none():
    assert parse_int("0", low=1, high=5) is None
    assert parse_int("6", low=1, high=5) is None
    assert parse_int(10**400, low=1, high=5) is None
    assert parse_int("5", low=1, high=5) == 5


@pytest.mark.parametrize("raw", ["0", "-1", "2.5", str(MAX_ID + 1), "99999999999999999999", "+"], ids=repr)
def test_an_id_is_a_positive_32_bit_integer(raw):
    assert parse_id(raw) is None


def test_ids_within_bounds():
    assert (parse_id("1"), parse_id(str(MAX_ID)), parse_id(" 42 ")) == (1, MAX_ID, 42)
