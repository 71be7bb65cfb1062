"""A new event from a Data Package: the zip that `/events/{slug}/datapackage.zip` gives, from any instance.

Who: whoever may create events (`may_create_events`: admins and organisers); the importer becomes
the new event's organiser. What comes in is what the package holds (`events.domain.datapackage`):
a draft event with its rounds, challenges, datasets, teams without members, entries without files
or answers, and the published results and awards as they were published (the frozen ranking, the
public votes' counts), never scores or jurors. Exporting the new event gives the same data again.

The archive is read defensively, before any row is written (docs/SECURITY.md, "Uploads"):
- at most `LIMITS.members` members, counted from the archive's own directory before it is parsed;
  a name that is absolute, holds `..`, a backslash or a control character is refused, and so is any
  member other than `datapackage.json` and `.csv` files (directories aside), an encrypted one, or one
  compressed other than stored or deflated;
- what it unpacks to is counted as it is read, not taken from the headers: past
  `LIMITS.uncompressed_bytes` in all (a zip bomb), it is refused; the descriptor is at most
  `LIMITS.descriptor_bytes`, each resource at most `LIMITS.rows` rows;
- a resource is read only from a CSV member of the archive named by its `path`: nothing is fetched.
Then every cell is checked against its column (strict numbers from `events.domain.numbers`, ISO 8601
dates with their zone, lengths that fit the model's fields, the choices of an enumeration), then the
keys between resources and the rules of the domain (slugs, time zones, entry questions, licences,
teams named alike). Every problem is reported with its file, line and column, in the reader's
language, and nothing is written unless there is none: the rows are then created in one transaction.

The event keeps its address unless another event has it: then it gets the first free `-2`, `-3`...
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import logging
import re
import secrets
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import challenges as challenge_rules
from events.domain import events as event_rules
from events.domain import schedule
from events.domain.awards import clean_title
from events.domain.datapackage import TABLES, TABLES_BY_NAME, Column, Table, from_csv_text
from events.domain.errors import FormErrors
from events.domain.numbers import MAX_ID, parse_int, parse_number
from events.domain.rounds import clean_questions
from events.domain.spdx import code_licence
from events.domain.teams import name_key
from events.i18n import _, ngettext
from events.models import (
    Award,
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryStatus,
    Event,
    EventKind,
    EventRole,
    EventStatus,
    GalleryMode,
    JudgingMode,
    JurySession,
    Normalisation,
    PortalKind,
    Role,
    Round,
    SessionStatus,
    Team,
    User,
)

log = logging.getLogger("hackcity.datapackage")


@dataclass(frozen=True)
class Limits:
    members: int = 32  # datapackage.json, the CSV files and their folders, with room to spare
    uncompressed_bytes: int = 32 * 1024 * 1024
    descriptor_bytes: int = 1024 * 1024
    rows: int = 50_000  # per resource


LIMITS = Limits()
DESCRIPTOR = "datapackage.json"
MAX_PROBLEMS = 50  # reported; the count says how many more there are
MAX_SHOWN = 60  # characters of a value quoted in a message
READ_CHUNK = 64 * 1024
MAX_SPONSORS = challenge_rules.MAX_SPONSORS
MAX_FORMATS = 50
MAX_FILES = 1000  # a dataset's resources
TRUE = frozenset({"true", "True", "TRUE", "1"})  # the Table Schema's defaults
FALSE = frozenset({"false", "False", "FALSE", "0"})
DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
URL_COLUMNS = frozenset(
    {"portal_url", "landing_url", "api_url", "licence_url", "repository_url", "demo_url", "video_url"}
)
# End of central directory record: its signature, fixed size and the largest comment after it.
EOCD_SIGNATURE = b"PK\x05\x06"
EOCD_SIZE = 22
MAX_COMMENT = 0xFFFF


# --- problems ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    where: str  # a file of the archive, or the archive itself
    line: int | None
    column: str | None
    message: str

    def text(self) -> str:
        if self.line is not None and self.column:
            return _(
                "%(file)s, line %(line)s, column %(column)s: %(problem)s",
                file=self.where,
                line=self.line,
                column=self.column,
                problem=self.message,
            )
        if self.line is not None:
            return _(
                "%(file)s, line %(line)s: %(problem)s", file=self.where, line=self.line, problem=self.message
            )
        return _("%(file)s: %(problem)s", file=self.where, problem=self.message)


class PackageRefused(FormErrors):
    """The package cannot be imported: `problems` (at most MAX_PROBLEMS of `total`) say why, and the
    form's errors hold the same lines (`problem-1`, `problem-2`...) under a summary."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        errors: dict[str | None, str] = {
            None: ngettext(
                "Nothing was imported: the package has %(num)s problem to fix.",
                "Nothing was imported: the package has %(num)s problems to fix.",
                total,
            )
        }
        for number, problem in enumerate(problems, start=1):
            errors[f"problem-{number}"] = problem.text()
        if total > len(problems):
            errors["problem-more"] = ngettext(
                "And %(num)s more problem.", "And %(num)s more problems.", total - len(problems)
            )
        super().__init__(errors)
        self.problems = problems
        self.total = total


class Problems:
    """What is wrong with a package, gathered as it is read; `check()` raises them all at once."""

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.total = 0

    def add(self, where: str, message: str, *, line: int | None = None, column: str | None = None) -> None:
        self.total += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Problem(where, line, column, message))

    def __bool__(self) -> bool:
        return self.total > 0

    def check(self) -> None:
        if self.total:
            raise PackageRefused(self.found, self.total)


def _refuse(where: str, message: str) -> PackageRefused:
    return PackageRefused([Problem(where, None, None, message)], 1)


def _shown(value: Any) -> str:
    text = CONTROL_RE.sub("?", str(value))
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _archive_name() -> str:
    return _("The archive")


# --- the archive ------------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    valid: bool = True


@dataclass
class RawPackage:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # resource → its file in the archive
    problems: Problems = field(default_factory=Problems)  # those of the cells, so far


def declared_members(archive: IO[bytes]) -> int | None:
    """How many members the archive's end record announces, read before `zipfile` parses its whole
    directory (which a crafted archive could make huge); None when there is no end record. A ZIP64
    archive announces 0xFFFF here, which is over any limit: hackcity never needs one."""
    archive.seek(0, io.SEEK_END)
    size = archive.tell()
    start = max(0, size - EOCD_SIZE - MAX_COMMENT)
    archive.seek(start)
    tail = archive.read(size - start)
    position = tail.rfind(EOCD_SIGNATURE)
    if position < 0 or len(tail) - position < EOCD_SIZE:
        return None
    (_signature, _disk, _start_disk, _here, total, _size, _offset, _comment) = struct.unpack(
        "<4s4H2LH", tail[position : position + EOCD_SIZE]
    )
    return total


def member_problem(name: str) -> str | None:
    """Why a member's name is refused, or None: only plain relative paths, in ASCII slashes."""
    if CONTROL_RE.search(name) or "\\" in name or len(name) > 255:
        return _("This name holds a backslash or a control character.")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return _("An absolute path is refused.")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return _("A path with .. or an empty folder is refused.")
    if name.endswith("/"):
        return None  # a folder
    if name != DESCRIPTOR and not name.lower().endswith(".csv"):
        return _("Only datapackage.json and CSV files are accepted in the archive.")
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], limit: int) -> bytes:
    """A member's bytes, counted as they are unpacked: over `limit` or over what is left of the
    archive's budget, the whole package is refused."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(READ_CHUNK):
                size += len(chunk)
                if size > budget[0]:
                    raise _refuse(
                        info.filename,
                        _(
                            "The archive unpacks to more than %(size)s MB: it is refused.",
                            size=LIMITS.uncompressed_bytes // (1024 * 1024),
                        ),
                    )
                if size > limit:
                    raise _refuse(
                        info.filename, _("This file is larger than %(size)s KB.", size=limit // 1024)
                    )
                chunks.append(chunk)
    except PackageRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        # a damaged stream, a wrong checksum, an encrypted or oddly compressed member
        raise _refuse(info.filename, _("This file of the archive is damaged.")) from None
    budget[0] -= size
    return b"".join(chunks)


def read_archive(archive: IO[bytes], limits: Limits = LIMITS) -> RawPackage:
    """The rows of each resource, each cell checked against its column (the problems of the cells
    are kept in `problems`, for `plan` to report with its own); PackageRefused at once for an
    archive that cannot be read safely. Synchronous (run it in a thread): it unpacks and parses."""
    problems = Problems()
    where = _archive_name()
    count = declared_members(archive)
    if count is None:
        raise _refuse(where, _("This is not a zip archive."))
    if count > limits.members:
        raise _refuse(where, _("The archive holds more than %(n)s files: it is refused.", n=limits.members))
    try:
        opened = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        raise _refuse(where, _("This is not a zip archive.")) from None
    with opened:
        infos = opened.infolist()
        if len(infos) > limits.members:
            raise _refuse(
                where, _("The archive holds more than %(n)s files: it is refused.", n=limits.members)
            )
        members: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            name = info.orig_filename
            problem = member_problem(name)
            if problem is None and info.filename != name:
                problem = _("This name holds a backslash or a control character.")
            if problem is not None:
                problems.add(_shown(name), problem)
                continue
            if info.is_dir():
                continue
            if name in members:
                problems.add(_shown(name), _("The archive holds two files of this name."))
            elif info.flag_bits & 0x1:
                problems.add(_shown(name), _("An encrypted file is refused."))
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                problems.add(_shown(name), _("Only stored or deflated files are read."))
            members[name] = info
            declared += info.file_size
        problems.check()
        if declared > limits.uncompressed_bytes:
            raise _refuse(
                where,
                _(
                    "The archive unpacks to more than %(size)s MB: it is refused.",
                    size=limits.uncompressed_bytes // (1024 * 1024),
                ),
            )
        if DESCRIPTOR not in members:
            raise _refuse(where, _("The archive has no datapackage.json at its root."))
        budget = [limits.uncompressed_bytes]
        descriptor = _descriptor(_read_member(opened, members[DESCRIPTOR], budget, limits.descriptor_bytes))
        found = RawPackage(files=_resources(descriptor, members, problems), problems=problems)
        problems.check()
        for name, path in found.files.items():
            data = _read_member(opened, members[path], budget, limits.uncompressed_bytes)
            found.rows[name] = _table_rows(TABLES_BY_NAME[name], path, data, problems, limits)
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON numbers


def _json(text: str) -> Any:
    """JSON text, or ValueError (NaN and Infinity refused, nesting bounded by the parser)."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("too deep") from None


def _descriptor(data: bytes) -> dict[str, Any]:
    try:
        descriptor = _json(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(DESCRIPTOR, _("This is not a JSON document in UTF-8.")) from None
    if not isinstance(descriptor, dict):
        raise _refuse(DESCRIPTOR, _("The descriptor must be a JSON object."))
    return descriptor


def _resources(
    descriptor: dict[str, Any], members: dict[str, zipfile.ZipInfo], problems: Problems
) -> dict[str, str]:
    """Resource name → its CSV file in the archive, for the resources hackcity knows."""
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        problems.add(DESCRIPTOR, _("The descriptor lists no resources."))
        return {}
    found: dict[str, str] = {}
    known = ", ".join(table.name for table in TABLES)
    for resource in resources[: len(TABLES) + 10]:
        name = resource.get("name") if isinstance(resource, dict) else None
        if not isinstance(name, str) or name not in TABLES_BY_NAME:
            problems.add(
                DESCRIPTOR,
                _(
                    "A resource hackcity does not know: %(name)s. Known: %(known)s.",
                    name=_shown(name),
                    known=known,
                ),
            )
            continue
        if name in found:
            problems.add(DESCRIPTOR, _("The resource %(name)s is listed twice.", name=name))
            continue
        path = resource.get("path")
        if "data" in resource or not isinstance(path, str):
            problems.add(
                DESCRIPTOR,
                _("The resource %(name)s must name its CSV file in the archive (path).", name=name),
            )
            continue
        if path not in members or not path.lower().endswith(".csv"):
            problems.add(
                DESCRIPTOR,
                _(
                    "The resource %(name)s names a file that is not a CSV file of the archive: %(path)s.",
                    name=name,
                    path=_shown(path),
                ),
            )
            continue
        found[name] = path
    if len(resources) > len(TABLES) + 10:
        problems.add(DESCRIPTOR, _("The descriptor lists too many resources."))
    if "event" not in found and not problems:
        problems.add(DESCRIPTOR, _("The descriptor has no event resource."))
    return found


def _table_rows(table: Table, path: str, data: bytes, problems: Problems, limits: Limits) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(path, _("A CSV file must be encoded in UTF-8."))
        return []
    if "\x00" in text:
        problems.add(path, _("A CSV file cannot hold a NUL character."))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.add(path, _("The file is empty: its first line names the columns."))
        return []
    except csv.Error:
        problems.add(path, _("This line cannot be read as CSV."), line=1)
        return []
    names = [from_csv_text(name).strip() for name in header]
    if sorted(names) != sorted(table.header):
        problems.add(
            path,
            _("The first line must name these columns: %(columns)s.", columns=", ".join(table.header)),
            line=1,
        )
        return []
    columns = [TABLES_BY_NAME[table.name].columns[table.header.index(name)] for name in names]
    rows: list[Row] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.add(
                path,
                _("This line cannot be read as CSV: a quote is not closed, or a cell is too long."),
                line=line,
            )
            break
        if not record:
            continue  # a blank line
        if len(rows) >= limits.rows:
            problems.add(path, _("A resource has at most %(n)s rows.", n=limits.rows), line=line)
            break
        if len(record) != len(columns):
            problems.add(
                path,
                _(
                    "This line has %(found)s cells; the first line names %(expected)s columns.",
                    found=len(record),
                    expected=len(columns),
                ),
                line=line,
            )
            continue
        row = Row(line, {})
        for column, raw in zip(columns, record, strict=True):
            if column.derived:
                continue
            try:
                row.values[column.name] = cell(column, raw)
            except ValueError as problem:
                problems.add(path, str(problem), line=line, column=column.name)
                row.valid = False
        rows.append(row)
    return rows


def cell(column: Column, raw: str) -> Any:
    """A CSV cell read for its column; ValueError with the message for the reader otherwise."""
    text = from_csv_text(raw)
    if text == "":
        if column.required:
            raise ValueError(_("A value is required."))
        return {"string": "", "array": []}.get(column.type)
    if column.type == "string":
        return _string(column, text)
    if column.type == "integer":
        low = int(column.minimum) if column.minimum is not None else -MAX_ID
        high = int(column.maximum) if column.maximum is not None else MAX_ID
        number = parse_int(text, low=low, high=high)
        if number is None:
            raise ValueError(_("Enter a whole number from %(low)s to %(high)s.", low=low, high=high))
        return number
    if column.type == "number":
        value = parse_number(text) if "," not in text else None
        if value is None:
            raise ValueError(_("Enter a number, with a dot before its decimals."))
        if (column.minimum is not None and value < column.minimum) or (
            column.maximum is not None and value > column.maximum
        ):
            raise ValueError(
                _("Enter a number from %(low)s to %(high)s.", low=column.minimum, high=column.maximum)
            )
        return value
    if column.type == "boolean":
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ValueError(_("Enter true or false."))
    if column.type == "datetime":
        return _datetime(text)
    if column.type == "array":
        try:
            value = _json(text)
        except ValueError:
            value = None
        if not isinstance(value, list):
            raise ValueError(_("Enter a list in JSON."))
        return value
    raise ValueError(column.type)  # a column type this module does not read: a programming error


def _string(column: Column, text: str) -> str:
    if column.max_length is not None and len(text) > column.max_length:
        raise ValueError(_("Use at most %(n)s characters.", n=column.max_length))
    if column.enum and text not in column.enum:
        raise ValueError(_("Choose one of: %(values)s.", values=", ".join(column.enum)))
    if column.pattern and not re.fullmatch(column.pattern, text):
        raise ValueError(_("Use lower-case letters, digits and hyphens only."))
    if column.name in URL_COLUMNS and not _web_address(text):
        raise ValueError(_("Enter an address that starts with http:// or https://."))
    return text


def _web_address(text: str) -> bool:
    return bool(re.match(r"https?://[^\s/?#]+", text, re.IGNORECASE)) and not re.search(r"\s", text)


def _datetime(text: str) -> datetime:
    problem = ValueError(_("Enter a date and time in ISO 8601 with its zone, like 2026-03-01T14:00:00Z."))
    if not DATETIME_RE.fullmatch(text):
        raise problem
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise problem from None
    if not 1900 <= moment.year <= 9998:
        raise problem
    return moment


# --- the rules of the domain ------------------------------------------------------------------------


@dataclass
class Plan:
    """The rows to create, checked: each resource's valid rows by name."""

    rows: dict[str, list[dict[str, Any]]]
    questions: dict[int, list[dict[str, Any]]]  # round id → its cleaned questions
    award_titles: dict[int, str]  # award id → its cleaned title


def plan(raw: RawPackage) -> Plan:
    """Check what the cells cannot say alone: keys between resources and the rules of the domain.
    Every problem is reported, those of the cells included; PackageRefused if there is any."""
    problems = raw.problems
    rows = {table.name: raw.rows.get(table.name, []) for table in TABLES}
    files = {table.name: raw.files.get(table.name, table.path) for table in TABLES}

    def adder(name: str, row: Row) -> Add:
        def add(message: str, column: str | None = None) -> None:
            problems.add(files[name], message, line=row.line, column=column)
            row.valid = False

        return add

    for table in TABLES:
        _unique(table, rows[table.name], adder)
    # A key names a row whose own key could be read, even if another of its cells could not.
    keys = {
        table.name: {_key(row, table.primary_key) for row in rows[table.name]} - {None} for table in TABLES
    }
    for table in TABLES:
        for key in table.foreign_keys:
            for row in rows[table.name]:
                value = _key(row, key.fields)
                if value is not None and value not in keys[key.resource]:
                    adder(table.name, row)(
                        _(
                            "No row of %(resource)s has the id %(id)s.",
                            resource=files[key.resource],
                            id=value[0],
                        ),
                        key.fields[0],
                    )
    if len(rows["event"]) != 1:
        problems.add(
            files["event"], _("The event resource has one row: this one has %(num)s.", num=len(rows["event"]))
        )
    for row in rows["event"]:
        _check_event(row.values, adder("event", row))
    questions: dict[int, list[dict[str, Any]]] = {}
    for row in rows["rounds"]:
        questions[row.values.get("id", 0)] = _check_round(row.values, adder("rounds", row))
    for row in rows["challenges"]:
        _check_challenge(row.values, adder("challenges", row))
    for row in rows["datasets"]:
        _check_dataset(row.values, adder("datasets", row))
    _check_links(rows, adder)
    award_titles = _check_results(rows, adder)
    problems.check()
    return Plan(
        rows={name: [row.values for row in found] for name, found in rows.items()},
        questions=questions,
        award_titles=award_titles,
    )


class Add(Protocol):
    def __call__(self, message: str, column: str | None = None) -> None: ...


def _key(row: Row, fields: tuple[str, ...]) -> tuple | None:
    """The row's values of these columns, or None when one is empty or could not be read."""
    value = tuple(row.values.get(name) for name in fields)
    return None if None in value else value


def _has(values: dict[str, Any], *names: str) -> bool:
    """These cells were read (a cell that could not be read is not in `values`)."""
    return all(name in values for name in names)


def _unique(table: Table, rows: list[Row], adder: Callable[[str, Row], Add]) -> None:
    keyed = {table.primary_key: _("Another row has the same key (line %(line)s).")}
    for column in table.columns:
        if column.unique and (column.name,) != table.primary_key:
            keyed[(column.name,)] = _("Another row has the same value (line %(line)s).")
    for fields, message in keyed.items():
        seen: dict[tuple, int] = {}
        for row in rows:
            value = _key(row, fields)
            if value is None:
                continue
            if value in seen:
                adder(table.name, row)(message % {"line": seen[value]}, fields[-1])
            else:
                seen[value] = row.line


def _collapsed(values: dict[str, Any], name: str) -> bool:
    """Collapse the spaces of a one-line text, as the forms do; False when nothing is left."""
    if name not in values:
        return True
    values[name] = " ".join(values[name].split())
    return bool(values[name])


def _check_event(values: dict[str, Any], add: Add) -> None:
    if _has(values, "timezone") and not schedule.is_timezone(values["timezone"]):
        add(_("Enter a time zone like Europe/Paris or America/Montreal."), "timezone")
    for start, end in (("starts_at", "ends_at"), ("registration_opens_at", "registration_closes_at")):
        if values.get(start) and values.get(end) and values[end] <= values[start]:
            add(_("The end must come after the start."), end)
    if not _collapsed(values, "title"):
        add(_("Enter a title of at most 200 characters."), "title")
    if _has(values, "summary"):
        values["summary"] = " ".join(values["summary"].split())


def _check_round(values: dict[str, Any], add: Add) -> list[dict[str, Any]]:
    if not _collapsed(values, "name"):
        add(_("Enter a name of at most 120 characters."), "name")
    if values.get("opens_at") and values.get("deadline") and values["deadline"] <= values["opens_at"]:
        add(_("The deadline must come after the opening."), "deadline")
    if _has(values, "team_min", "team_max") and values["team_min"] > values["team_max"]:
        add(_("The largest team cannot be smaller than the smallest."), "team_max")
    typed = []
    for question in values.get("questions", []):
        if not isinstance(question, dict) or not all(
            isinstance(question.get(key, ""), str) for key in ("key", "label", "kind")
        ):
            add(_("Each question is an object with a key, a label and a kind."), "questions")
            return []
        choices = question.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            add(_("The choices of a question are a list of texts."), "questions")
            return []
        typed.append(
            {
                "key": question.get("key", ""),
                "label": question.get("label", ""),
                "kind": question.get("kind", ""),
                "required": "on" if question.get("required") is True else "",
                "choices": "\n".join(choices),
            }
        )
    errors: dict[str | None, str] = {}
    cleaned = clean_questions(typed, errors)
    if errors:
        add(next(iter(errors.values())), "questions")
    return cleaned


def _check_challenge(values: dict[str, Any], add: Add) -> None:
    if values.get("slug") in challenge_rules.RESERVED_SLUGS:
        add(_("This address is reserved: choose another one."), "slug")
    if not _collapsed(values, "title"):
        add(_("Enter a title of at most 200 characters."), "title")
    sponsors = values.get("sponsors", [])
    if len(sponsors) > MAX_SPONSORS or not all(
        isinstance(name, str) and 0 < len(" ".join(name.split())) <= 200 for name in sponsors
    ):
        add(
            _("List at most %(n)s sponsors, each a text of at most 200 characters.", n=MAX_SPONSORS),
            "sponsors",
        )
    else:
        values["sponsors"] = [" ".join(name.split()) for name in sponsors]


def _check_dataset(values: dict[str, Any], add: Add) -> None:
    if _has(values, "title") and not values["title"].strip():
        add(_("Enter a title of at most %(n)s characters.", n=300), "title")
    formats = values.get("formats", [])
    if len(formats) > MAX_FORMATS or not all(isinstance(f, str) and len(f) <= 40 for f in formats):
        add(_("List at most %(n)s formats, each a text of at most 40 characters.", n=MAX_FORMATS), "formats")
    files = values.get("resources", [])
    if len(files) > MAX_FILES or not all(_dataset_file(item) for item in files):
        add(
            _("Each file is an object with an id, a title, a format, a web address and a size in bytes."),
            "resources",
        )


def _dataset_file(item: Any) -> bool:
    if not isinstance(item, dict) or set(item) - {"id", "title", "format", "url", "filesize"}:
        return False
    texts = {"id": 200, "title": 300, "format": 40, "url": 1000}
    for key, limit in texts.items():
        value = item.get(key, "")
        if not isinstance(value, str) or len(value) > limit:
            return False
    if item.get("url") and not _web_address(item["url"]):
        return False
    size = item.get("filesize")
    return size is None or (isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 2**63)


def _check_links(rows: dict[str, list[Row]], adder: Callable[[str, Row], Add]) -> None:
    remote: dict[tuple[str, str], int] = {}
    for row in rows["datasets"]:
        values = row.values
        if _has(values, "portal_kind", "remote_id") and values["remote_id"]:
            key = (values["portal_kind"], values["remote_id"])
            if key in remote:
                adder("datasets", row)(
                    _("Another row has the same value (line %(line)s).") % {"line": remote[key]}, "remote_id"
                )
            remote.setdefault(key, row.line)
    primaries: set[int] = set()
    for row in rows["challenge_datasets"]:
        if row.values.get("is_primary") and _has(row.values, "challenge_id"):
            if row.values["challenge_id"] in primaries:
                adder("challenge_datasets", row)(_("A challenge has one main dataset at most."), "is_primary")
            primaries.add(row.values["challenge_id"])
    names: dict[str, int] = {}
    for row in rows["teams"]:
        if not _has(row.values, "name"):
            continue
        row.values["name"] = " ".join(row.values["name"].split())
        key = name_key(row.values["name"])
        if not key:
            adder("teams", row)(_("Enter a team name of at most %(n)s characters.", n=100), "name")
        elif key in names:
            adder("teams", row)(
                _("Two teams cannot have the same name (line %(line)s).", line=names[key]), "name"
            )
        else:
            names[key] = row.line
    entries: dict[tuple, int] = {}
    for row in rows["entries"]:
        values, add = row.values, adder("entries", row)
        if not _collapsed(values, "title"):
            add(_("Enter a title of at most %(n)s characters.", n=200), "title")
        if _has(values, "summary"):
            values["summary"] = " ".join(values["summary"].split())
        if values.get("code_licence"):
            spdx = code_licence(values["code_licence"])
            if spdx is None:
                add(
                    _("Enter an SPDX licence identifier from the list, such as MIT or Apache-2.0."),
                    "code_licence",
                )
            values["code_licence"] = spdx or ""
        key = _key(row, ("team_id", "round_id", "challenge_id"))
        if key is None:
            continue
        if key in entries:
            add(
                _("A team has one entry per round and challenge (line %(line)s).", line=entries[key]),
                "challenge_id",
            )
        entries.setdefault(key, row.line)


def _check_results(rows: dict[str, list[Row]], adder: Callable[[str, Row], Add]) -> dict[int, str]:
    sessions = {
        row.values["id"]: row.values for row in rows["jury_sessions"] if _has(row.values, "id", "round_id")
    }
    entries = {
        row.values["id"]: row.values
        for row in rows["entries"]
        if _has(row.values, "id", "round_id", "challenge_id")
    }
    ranked: dict[int, dict[int, int]] = {}  # session → entry → the challenge it was ranked in
    for row in rows["jury_sessions"]:
        if not _collapsed(row.values, "name"):
            adder("jury_sessions", row)(_("Enter a name of at most 120 characters."), "name")
    for row in rows["results"]:
        values = row.values
        if not _has(values, "session_id", "entry_id", "challenge_id"):
            continue
        entry, session = entries.get(values["entry_id"]), sessions.get(values["session_id"])
        if entry is None or session is None:
            continue  # reported as a missing key
        if entry["round_id"] != session["round_id"] or entry["challenge_id"] != values["challenge_id"]:
            adder("results", row)(
                _("The entry is not of this session's round and of this challenge."), "entry_id"
            )
            continue
        seen = ranked.setdefault(values["session_id"], {})
        if values["entry_id"] in seen:
            adder("results", row)(_("The session ranks this entry twice."), "entry_id")
        seen[values["entry_id"]] = values["challenge_id"]
    titles: dict[int, str] = {}
    given: set[tuple[int, int | None, str]] = set()
    for row in rows["awards"]:
        values, add = row.values, adder("awards", row)
        if not _has(values, "id", "session_id", "entry_id", "challenge_id", "title"):
            continue
        try:
            title = clean_title(values["title"])
        except FormErrors as error:
            add(next(iter(error.errors.values())), "title")
            continue
        in_results = ranked.get(values["session_id"], {})
        challenge = values["challenge_id"]
        if values["entry_id"] not in in_results or (
            challenge is not None and in_results[values["entry_id"]] != challenge
        ):
            add(_("The entry awarded is not in this session's results for this challenge."), "entry_id")
            continue
        key = (values["session_id"], challenge, title)
        if key in given:
            add(_("This prize has already been given: choose another title."), "title")
            continue
        given.add(key)
        titles[values["id"]] = title
    return titles


# --- creating the event -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    event: Event
    slug: str
    wanted_slug: str  # the package's; `slug` differs when it was taken


async def free_slug(wanted: str) -> str:
    """The package's address if no event has it, else the first free `wanted-2`, `wanted-3`..."""
    base = wanted[:72].rstrip("-")
    candidates = [wanted] + [f"{base}-{number}" for number in range(2, 101)]
    candidates = [slug for slug in candidates if slug not in event_rules.RESERVED_SLUGS]
    taken = set(await Event.filter(slug__in=candidates).values_list("slug", flat=True))
    for slug in candidates:
        if slug not in taken:
            return slug
    raise _refuse(DESCRIPTOR, _("The address %(slug)s and its variants are all taken.", slug=wanted))


async def import_package(*, archive: IO[bytes], user: User) -> Imported:
    """A new draft event from the zip of a Data Package (see the module's docstring); PackageRefused
    (a FormErrors) with every problem, and nothing written, otherwise."""
    raw = await asyncio.to_thread(read_archive, archive)
    checked = plan(raw)
    wanted = checked.rows["event"][0]["slug"]
    slug = await free_slug(wanted)
    try:
        async with in_transaction():
            event = await _create(checked, slug, user)
    except IntegrityError:  # another import or event took the address in the meantime
        raise _refuse(
            DESCRIPTOR,
            _(
                "Another event took the address %(slug)s at the same moment: import the package again.",
                slug=slug,
            ),
        ) from None
    log.info(
        "event %s imported from a data package by user %s (%s rows)",
        event.id,
        user.id,
        sum(len(found) for found in checked.rows.values()),
    )
    return Imported(event=event, slug=slug, wanted_slug=wanted)


async def _create(checked: Plan, slug: str, user: User) -> Event:
    rows = checked.rows
    row = rows["event"][0]
    event = await Event.create(
        slug=slug,
        title=row["title"],
        kind=EventKind(row["kind"]),
        summary=" ".join(row["summary"].split()),
        description=row["description"],
        location=row["location"].strip(),
        timezone=row["timezone"],
        status=EventStatus.DRAFT,
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        registration_opens_at=row["registration_opens_at"],
        registration_closes_at=row["registration_closes_at"],
        allow_challenge_proposals=row["allow_challenge_proposals"],
        rules=row["rules"],
        challenges_per_team=row["challenges_per_team"],
        gallery=GalleryMode(row["gallery"]),
    )
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    rounds: dict[int, int] = {}
    for values in rows["rounds"]:
        stage = await Round.create(
            event=event,
            position=values["position"],
            name=" ".join(values["name"].split()),
            opens_at=values["opens_at"],
            deadline=values["deadline"],
            grace_minutes=values["grace_minutes"],
            team_min=values["team_min"],
            team_max=values["team_max"],
            questions=checked.questions.get(values["id"], []),
        )
        rounds[values["id"]] = stage.id
    challenges: dict[int, int] = {}
    for values in rows["challenges"]:
        challenge = await Challenge.create(
            event=event,
            slug=values["slug"],
            title=" ".join(values["title"].split()),
            position=values["position"],
            status=ChallengeStatus.PUBLISHED if values["published"] else ChallengeStatus.DRAFT,
            sponsors=[" ".join(name.split()) for name in values["sponsors"]],
            statement=values["statement"],
            deliverables=values["deliverables"],
            prizes=values["prizes"],
            max_teams=values["max_teams"],
        )
        challenges[values["id"]] = challenge.id
    datasets: dict[int, int] = {}
    for values in rows["datasets"]:
        dataset = await Dataset.create(
            event=event,
            **{name: values[name] for name in _DATASET_FIELDS},
            portal_kind=PortalKind(values["portal_kind"]),
            status=DatasetStatus(values["status"]),
            remote_id=values["remote_id"] or None,
            source_url=values["landing_url"],
        )
        datasets[values["id"]] = dataset.id
    for values in rows["challenge_datasets"]:
        await ChallengeDataset.create(
            challenge_id=challenges[values["challenge_id"]],
            dataset_id=datasets[values["dataset_id"]],
            is_primary=values["is_primary"],
        )
    teams: dict[int, int] = {}
    for values in rows["teams"]:
        team = await Team.create(
            event=event,
            name=values["name"],
            name_key=name_key(values["name"]),
            invite_token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        )
        teams[values["id"]] = team.id
    entries: dict[int, int] = {}
    for values in rows["entries"]:
        entry = await Entry.create(
            event=event,
            team_id=teams[values["team_id"]],
            round_id=rounds[values["round_id"]],
            challenge_id=challenges[values["challenge_id"]],
            status=EntryStatus.SUBMITTED,
            title=" ".join(values["title"].split()),
            summary=" ".join(values["summary"].split()),
            **{name: values[name] for name in _ENTRY_FIELDS},
            submitted_at=values["submitted_at"],
        )
        entries[values["id"]] = entry.id
    for values in rows["entry_datasets"]:
        await EntryDataset.create(
            entry_id=entries[values["entry_id"]],
            dataset_id=datasets[values["dataset_id"]],
            note=values["note"],
            declared_version=values["declared_version"],
        )
    team_of = {values["id"]: teams[values["team_id"]] for values in rows["entries"]}
    for values in rows["jury_sessions"]:
        session = await JurySession.create(
            event=event,
            round_id=rounds[values["round_id"]],
            name=" ".join(values["name"].split()),
            status=SessionStatus.PUBLISHED,
            normalisation=Normalisation(values["normalisation"]),
            mode=JudgingMode(values["mode"]),
            trimmed=values["trimmed"],
            public_vote=values["public_vote"],
            locked_at=values["published_at"],
            published_at=values["published_at"],
        )
        session.results_snapshot = _snapshot(session, values, rows["results"], entries, challenges, team_of)
        await session.save(update_fields=["results_snapshot"])
        for award in (a for a in rows["awards"] if a["session_id"] == values["id"]):
            await Award.create(
                session=session,
                challenge_id=challenges[award["challenge_id"]] if award["challenge_id"] is not None else None,
                entry_id=entries[award["entry_id"]],
                title=checked.award_titles[award["id"]],
                position=award["position"],
            )
    return event


_DATASET_FIELDS = (
    "title",
    "publisher",
    "description",
    "portal_url",
    "display_id",
    "landing_url",
    "api_url",
    "licence_id",
    "licence_spdx",
    "licence_title",
    "licence_url",
    "last_modified",
    "fetched_at",
    "frequency",
    "formats",
    "resources",
    "restricted",
    "restricted_terms",
)
_ENTRY_FIELDS = ("description", "repository_url", "demo_url", "video_url", "code_licence")


def _snapshot(
    session: JurySession,
    values: dict[str, Any],
    results: list[dict[str, Any]],
    entries: dict[int, int],
    challenges: dict[int, int],
    team_of: dict[int, int],
) -> dict[str, Any]:
    """The frozen results of an imported session: the published ranking as it came, without the
    jurors' figures (raw means, criteria, labels), which a package does not carry. `entries` and
    `challenges` map the package's ids to the new rows'; `team_of` gives an entry's new team."""
    ranking = []
    votes = []
    for row in results:
        if row["session_id"] != values["id"]:
            continue
        ranking.append(
            {
                "entry_id": entries[row["entry_id"]],
                "challenge_id": challenges[row["challenge_id"]],
                "team_id": team_of[row["entry_id"]],
                "sheets": row["sheets"],
                "raw_mean": None,
                "score": row["score"],
                "difference": None,
                "trimmed": False,
                "rank": row["rank"],
                "tie_broken": False,
                "criteria": {},
                **({"uncertainty": row["uncertainty"]} if values["mode"] == JudgingMode.PAIRWISE else {}),
            }
        )
        if row["votes"]:
            votes.append((entries[row["entry_id"]], row["votes"]))
    ranking.sort(key=lambda item: (item["challenge_id"], item["rank"]))
    snapshot: dict[str, Any] = {
        "session_id": session.id,
        "computed_at": (values["published_at"] or datetime.now(UTC)).isoformat(),
        "normalisation": str(values["normalisation"]),
        "trimmed": values["trimmed"],
        "juror_labels": {},
        "coefficients": {},
        "entries": ranking,
        "mode": str(values["mode"]),
        "imported": True,
    }
    if values["public_vote"]:
        # The tally's order: most votes first, then the package's order (the source's tie-break).
        ordered = sorted(enumerate(votes), key=lambda item: (-item[1][1], item[0]))
        snapshot["votes"] = [
            [entry_id, count, place] for place, (_i, (entry_id, count)) in enumerate(ordered, 1)
        ]
    return snapshot
