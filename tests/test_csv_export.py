"""The one CSV writer of every export: numbers stay numbers, text never runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from events.csv_export import attachment, csv_cell, csv_response, csv_text


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 00", "'+33 6 00"),
        ("-2+3", "'-2+3"),
        ("-1e5*A1", "'-1e5*A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("- item", "'- item"),
        ("Zoé", "Zoé"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        # Text that is a plain number is read as that number by a spreadsheet: nothing to neutralise.
        ("-2", "-2"),
        ("-3.434017", "-3.434017"),
        ("+1.5e-3", "+1.5e-3"),
        # Real numbers are written as numbers.
        (-3.434017, "-3.434017"),
        (-2, "-2"),
        (0, "0"),
        (Decimal("-1.50"), "-1.50"),
        (75.0, "75.0"),
        (float("-inf"), "'-inf"),
        (float("nan"), "nan"),
        (True, "True"),
        (False, "False"),
        (datetime(2026, 3, 1, 14, 0, 5, tzinfo=timezone(timedelta(hours=1))), "2026-03-01T13:00:05Z"),
        (datetime(2026, 3, 1, 13, 0, tzinfo=UTC), "2026-03-01T13:00:00Z"),
    ],
)
def test_a_cell_is_a_number_or_text_that_never_starts_a_formula(cell, written):
    assert csv_cell(cell) == written


def test_csv_text_has_a_header_crlf_line_ends_and_quotes_what_needs_it():
    text = csv_text(["name", "=score"], [['Zoé, "the" best', -1.5], ["=cmd|' /C calc'!A0", None]])

    assert text == 'name,\'=score\r\n"Zoé, ""the"" best",-1.5\r\n\'=cmd|\' /C calc\'!A0,\r\n'
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "'=score"],
        ['Zoé, "the" best', "-1.5"],
        ["'=cmd|' /C calc'!A0", ""],
    ]


def test_csv_response_is_utf8_with_a_bom_an_attachment_and_not_cached():
    response = csv_response("datacity-teams.csv", ["Équipe"], [["Les Abeilles"]])

    assert response.body == "\ufeffÉquipe\r\nLes Abeilles\r\n".encode()
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="datacity-teams.csv"'
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("datacity-jury-3-results.csv", 'attachment; filename="datacity-jury-3-results.csv"'),
        ("été 2026.csv", "attachment; filename=\"ete-2026.csv\"; filename*=UTF-8''%C3%A9t%C3%A9%202026.csv"),
        (
            'a"b\r\nSet-Cookie: x.csv',
            'attachment; filename="a-b-Set-Cookie-x.csv"; '
            "filename*=UTF-8''a%22b%0D%0ASet-Cookie%3A%20x.csv",
        ),
    ],
)
def test_the_filename_cannot_break_the_header(filename, header):
    assert attachment(filename) == header
