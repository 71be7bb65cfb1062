"""The rules of the Data Package that need no database: the CSV apostrophe, the schema's keys, the names
of an archive's members and the count of its end record (the HTTP tests are in
tests/routes/test_datapackage.py)."""

from __future__ import annotations

import io
import zipfile

import pytest

from events.csv_export import FORMULA_PREFIXES, NUMBER_RE, csv_cell
from events.domain.datapackage import TABLES, TABLES_BY_NAME, csv_value, from_csv_text
from events.domain.datapackage_import import declared_members, member_problem

TEXTS = [
    "",
    "plain",
    "=1+1",
    "+33 6 12 34 56 78",
    "-2+3",
    "-3.5",
    "@SUM(A1)",
    "\ttab",
    "\rreturn",
    "'=quoted once",
    "''=quoted twice",
    "'-3.5",
    "'plain apostrophe",
    "''",
    "it's =fine",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_csv_apostrophe_comes_off_exactly(text):
    written = csv_cell(csv_value(text))

    assert from_csv_text(written) == text
    assert not written.startswith(FORMULA_PREFIXES) or NUMBER_RE.fullmatch(written)


def test_lists_are_written_as_json():
    assert csv_value(["=a", 'b "c"']) == '["=a", "b \\"c\\""]'
    assert csv_value(7) == 7


def test_every_key_names_columns_and_resources_that_exist():
    assert len(TABLES_BY_NAME) == len(TABLES)
    for table in TABLES:
        columns = {column.name: column for column in table.columns}
        assert len(columns) == len(table.columns), table.name
        for name in table.primary_key:
            assert columns[name].required, (table.name, name)
        for key in table.foreign_keys:
            assert set(key.fields) <= set(columns), table.name
            target = TABLES_BY_NAME[key.resource]
            assert tuple(key.reference) == target.primary_key, (table.name, key)
            assert TABLES.index(target) < TABLES.index(table), "a resource comes after what it names"


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("datapackage.json", False),
        ("data/teams.csv", False),
        ("data/", False),
        ("TEAMS.CSV", False),
        ("../teams.csv", True),
        ("data/../../teams.csv", True),
        ("./teams.csv", True),
        ("data//teams.csv", True),
        ("/teams.csv", True),
        ("c:/teams.csv", True),
        ("data\\teams.csv", True),
        ("data/teams.csv\x00.exe", True),
        ("data/team\nname.csv", True),
        ("data/teams.exe", True),
        ("data/datapackage.json", True),
        ("x" * 300 + ".csv", True),
    ],
)
def test_member_names(name, refused):
    assert (member_problem(name) is not None) is refused


def _archive(count: int, comment: bytes = b"") -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            archive.writestr(f"data/{number}.csv", "a\r\n")
        archive.comment = comment
    buffer.seek(0)
    return buffer


def test_the_end_record_says_how_many_members_before_the_directory_is_read():
    assert declared_members(_archive(3)) == 3
    assert declared_members(_archive(40, comment=b"a comment")) == 40
    assert declared_members(_archive(0)) == 0
    assert declared_members(io.BytesIO(b"PK\x03\x04 not a whole archive")) is None
    assert declared_members(io.BytesIO(b"")) is None
