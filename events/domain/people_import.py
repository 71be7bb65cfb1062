"""Importing people into an event from a CSV file: participants, jurors, challenge owners, mentors and
organisers invited in bulk, all or nothing.

The file has a header line naming its columns, in any order: `email` and `role` are required, `name`,
`team` and `challenge` optional (French names are read too: courriel, nom, rôle, équipe, défi). Cells
are separated by commas or semicolons (whichever the header line uses most; a first line `sep=;`, as
Excel writes, says it), the text is UTF-8 with or without a BOM, else Windows-1252 (what French Excel
saves as "CSV"). Empty lines, and lines of empty cells, are ignored; a file holds at most `MAX_ROWS`
people in at most `MAX_BYTES`.

Every line is checked before anything is written: the address, the role (in English or French), the
name's length, the team (participants only) and the challenge (challenge owners name theirs, by
title or address), the same address twice with the same role, the event's allowed email domains for
participants, a participant already in another team, a team that would be larger than the event
allows. One problem and nothing is written: `ImportRefused` lists them all, each with its line as
numbered in the file, its column, its value and the reason, in the reader's language.

Then each line is done, in one transaction (the event's row locked, so two imports into one event
run one after the other):
- a role for an active account is given at once, as the single invitation form does
  (`invitations.grant`); any other address gets an invitation, stored and mailed through the outbox;
- a participant always gets an invitation (registering is theirs to do: they accept the event's
  rules): they register, accept, and the invitation places them in the team it names, created by the
  first of its invitees who accepts (`teams.join_named_team`);
- a line that asks for what is already there (the role, an unanswered invitation to the same place,
  a registration, a seat in the same team) is skipped and counted: importing a file again changes
  nothing and mails nobody twice.
An import that mails counts once against the importer's rate limit (`throttle.people_import`).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from tortoise.transactions import in_transaction

from events.domain import invitations, registration, teams, throttle
from events.domain.errors import FormErrors
from events.domain.events import role_label
from events.i18n import _, format_megabytes, format_number, in_language, ngettext
from events.mail import queue_mails
from events.models import (
    Challenge,
    ChallengeOwner,
    Event,
    EventRole,
    Invitation,
    InvitedRole,
    Registration,
    Role,
    Team,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.people_import")
MAX_MEGABYTES = 1
MAX_BYTES = MAX_MEGABYTES * 1024 * 1024
MAX_ROWS = 2000
MAX_PROBLEMS = 500  # reported one by one; the total is said
MAX_SHOWN = 80  # characters of a value shown in the report
NAME_MAX = 120  # as an account's name
CHUNK = 500  # values in one `IN (...)`
COLUMNS = ("email", "name", "role", "team", "challenge")
REQUIRED = ("email", "role")
DELIMITERS = (",", ";", "\t")
SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$", re.IGNORECASE)
# Characters no spreadsheet writes in a CSV: a file holding them is not one.
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEWLINE = re.compile(r"\r\n|\r|\n")
SEPARATORS = re.compile(r"[\s_\-·.()'’/]+")

# What a header cell may say, folded (`fold`), for each column.
COLUMN_NAMES = {
    "email": {
        "email",
        "e mail",
        "mail",
        "email address",
        "courriel",
        "adresse email",
        "adresse e mail",
        "adresse mail",
        "adresse de courriel",
        "adresse electronique",
    },
    "name": {"name", "full name", "nom", "nom complet", "prenom nom", "nom prenom"},
    "role": {"role"},
    "team": {"team", "team name", "equipe", "nom d equipe", "nom de l equipe"},
    "challenge": {"challenge", "defi", "challenge title", "challenge slug"},
}
# Role words, folded, in English and French (inclusive spellings: "juré·e", "porteur·se de défi").
ROLE_WORDS = {
    InvitedRole.PARTICIPANT: {
        "participant",
        "participante",
        "participant e",
        "participants",
        "participantes",
    },
    InvitedRole.JUROR: {"juror", "jury", "jury member", "judge", "jure", "juree", "jure e", "membre du jury"},
    InvitedRole.CHALLENGE_OWNER: {
        "challenge owner",
        "owner",
        "porteur de defi",
        "porteuse de defi",
        "porteur se de defi",
        "porteur euse de defi",
        "porteur du defi",
        "porteuse du defi",
        "porteur de challenge",
        "porteuse de challenge",
    },
    InvitedRole.MENTOR: {"mentor", "mentore", "mentor e", "coach"},
    InvitedRole.ORGANISER: {
        "organiser",
        "organizer",
        "organisateur",
        "organisatrice",
        "organisateur rice",
        "organisateur trice",
    },
}
ROLE_BY_WORD = {word: role for role, words in ROLE_WORDS.items() for word in words}

T = TypeVar("T")


def fold(text: str) -> str:
    """A word as compared: accents dropped, case folded, separators (`_-·.()'/`, spaces) as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(SEPARATORS.sub(" ", bare).split())


def role_of(word: str) -> InvitedRole | None:
    return ROLE_BY_WORD.get(fold(word))


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- problems ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason the file is refused: its line as numbered in the file (None: the whole file), the
    column as its header names it, the value shown (shortened) and the reason."""

    line: int | None
    column: str
    value: str
    message: str


class ImportRefused(FormErrors):
    """Nothing was written: `problems` (at most MAX_PROBLEMS of `total`) say why."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        super().__init__(
            {
                None: ngettext(
                    "Nothing was imported: the file has %(num)s problem to fix.",
                    "Nothing was imported: the file has %(num)s problems to fix.",
                    total,
                )
            }
        )
        self.problems = problems
        self.total = total


def _shown(value: str) -> str:
    text = BINARY.sub("?", value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


class Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.total = 0

    def add(self, message: str, *, line: int | None = None, column: str = "", value: str = "") -> None:
        self.total += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Problem(line, column, _shown(value), message))

    def __bool__(self) -> bool:
        return self.total > 0

    def check(self) -> None:
        if self.total:
            problems = sorted(self.found, key=lambda p: p.line or 0)
            raise ImportRefused(problems, self.total)


def _whole_file(message: str) -> ImportRefused:
    return ImportRefused([Problem(None, "", "", message)], 1)


# --- reading the file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: int  # where the line starts in the file, counting from 1
    values: dict[str, str]  # column -> the cell, stripped ("" when the line is short)


@dataclass(frozen=True)
class Sheet:
    headers: dict[str, str]  # column -> the header cell as written
    lines: list[Line]


def too_large() -> str:
    return _(
        "The file is larger than %(size)s: split it into several files.", size=format_megabytes(MAX_MEGABYTES)
    )


def _not_csv() -> ImportRefused:
    return _whole_file(
        _(
            "This file is not a CSV file. In your spreadsheet, save it as “CSV UTF-8” (or “CSV”), "
            "then choose it again."
        )
    )


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252. ImportRefused for what is not text."""
    if not data.strip():
        raise _whole_file(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _whole_file(too_large())
    if b"\x00" in data:  # UTF-16 (Excel's "Unicode text"), a spreadsheet, an image...
        raise _not_csv()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _not_csv() from None
    if BINARY.search(text):
        raise _not_csv()
    return text


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # a tie (none at all included): the comma
    return best if counts[best] else ","


def _header(cells: list[str], line: int, problems: Problems) -> dict[int, str]:
    """Which column each cell of the header names (by position); problems for unknown or repeated names."""
    columns: dict[int, str] = {}
    named: dict[str, str] = {}
    for position, cell in enumerate(cells):
        written = cell.strip()
        if not written:
            continue  # an empty header cell (a trailing separator): its column is not read
        folded = fold(written)
        column = next((name for name, words in COLUMN_NAMES.items() if folded in words), None)
        if column is None:
            problems.add(
                _("Unknown column. The columns are: %(columns)s.", columns=", ".join(COLUMNS)),
                line=line,
                column=written,
                value=written,
            )
        elif column in named:
            problems.add(
                _("This column is named twice (also “%(other)s”).", other=named[column]),
                line=line,
                column=written,
                value=written,
            )
        else:
            columns[position] = column
            named[column] = written
    missing = [column for column in REQUIRED if column not in named]
    if missing:
        problems.add(
            _(
                "The first line must name the columns: email and role are required, name, team and "
                "challenge are optional."
            ),
            line=line,
            value=", ".join(cells),
        )
    return columns


def read_sheet(data: bytes) -> Sheet:
    """The header and the non-empty lines of the file; ImportRefused when it cannot be read as such."""
    text = decode(data)
    lines = NEWLINE.split(text)  # as the CSV reader counts them (not str.splitlines)
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise _whole_file(_("The file is empty."))
    skip = first
    sep = SEP_LINE.match(lines[first])
    if sep and sep.group(1) in DELIMITERS:
        delimiter = sep.group(1)
        skip = first + 1
    else:
        delimiter = _delimiter(lines[first])
    problems = Problems()
    stream = io.StringIO(text, newline="")
    for _skipped in range(skip):
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    offset = skip  # lines before the reader's first
    header_line = offset + 1
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header_line = offset + reader.line_num + 1
            header = next(reader)
    except StopIteration:
        raise _whole_file(_("The file is empty.")) from None
    except csv.Error:
        raise _whole_file(_("The first line cannot be read as CSV.")) from None
    columns = _header(header, header_line, problems)
    problems.check()
    found: list[Line] = []
    while True:
        number = offset + reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.add(
                _("This line cannot be read as CSV: a quote is not closed, or a cell is too long."),
                line=number,
            )
            break
        if not any(cell.strip() for cell in record):
            continue  # an empty line, or a line of empty cells
        if len(found) >= MAX_ROWS:
            problems.add(
                _(
                    "A file holds at most %(n)s people: split it into several files.",
                    n=format_number(MAX_ROWS),
                ),
                line=number,
            )
            break
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if extra:
            problems.add(
                _(
                    "This line has %(found)s cells; the first line names %(expected)s columns.",
                    found=len(record),
                    expected=len(header),
                ),
                line=number,
                value=extra[0],
            )
            continue
        values = dict.fromkeys(COLUMNS, "")
        for position, column in columns.items():
            if position < len(record):
                values[column] = record[position].strip()
        found.append(Line(number, values))
    problems.check()
    return Sheet(
        headers={column: header[position].strip() for position, column in columns.items()}, lines=found
    )


# --- checking each line -------------------------------------------------------------------------------


class Action(StrEnum):
    INVITE = "invite"  # an invitation is stored and mailed
    GRANT = "grant"  # an account gets the role at once
    SKIP = "skip"  # already done


@dataclass
class Person:
    line: int
    email: str
    name: str
    role: InvitedRole
    team: str = ""  # a participant's team, as it will be written on the invitation
    challenge: Challenge | None = None
    user: User | None = None
    action: Action = Action.INVITE
    why: str = ""  # for a skipped line: what is already there

    @property
    def role_label(self) -> str:
        return role_label(self.role)


def _challenge_finder(challenges: list[Challenge]):
    by_slug = {challenge.slug: challenge for challenge in challenges}
    by_title: dict[str, list[Challenge]] = {}
    for challenge in challenges:
        by_title.setdefault(fold(challenge.title), []).append(challenge)

    def find(value: str) -> Challenge | str:
        """The challenge a cell names (its address, else its title), or why none."""
        if value.strip().lower() in by_slug:
            return by_slug[value.strip().lower()]
        found = by_title.get(fold(value), [])
        if len(found) == 1:
            return found[0]
        if found:
            return _("Several challenges have this title: write the address (slug) of the one you mean.")
        return _("No challenge of this event has this title or address.")

    return find


def _read_line(line: Line, sheet: Sheet, event: Event, find_challenge, seen: dict, problems: Problems):
    """The person a line describes, or None after adding its problems."""
    before = problems.total
    values = line.values

    def problem(column: str, message: str) -> None:
        problems.add(
            message, line=line.number, column=sheet.headers.get(column, column), value=values[column]
        )

    email = values["email"].lower()
    if not email:
        problem("email", _("Enter an email address."))
    else:
        invalid = invitations.email_problem(email)
        if invalid:
            problem("email", invalid)
    name = " ".join(values["name"].split())
    if len(name) > NAME_MAX:
        problem("name", _("Use at most %(n)s characters.", n=NAME_MAX))
    role = role_of(values["role"])
    if role is None:
        problem(
            "role",
            _(
                "Unknown role. Write participant, juror, challenge owner, mentor or organiser "
                "(in English or French)."
            )
            if values["role"]
            else _("Give a role: participant, juror, challenge owner, mentor or organiser."),
        )
    team = " ".join(values["team"].split())
    if team and role is not None and role != InvitedRole.PARTICIPANT:
        problem("team", _("Only a participant's line names a team."))
    elif team and (len(team) > teams.NAME_MAX or not teams.name_key(team)):
        problem("team", _("Enter a team name of at most %(n)s characters.", n=teams.NAME_MAX))
    challenge = None
    if values["challenge"] and role is not None and role != InvitedRole.CHALLENGE_OWNER:
        problem("challenge", _("Only a challenge owner's line names a challenge."))
    elif role == InvitedRole.CHALLENGE_OWNER:
        if not values["challenge"]:
            problem("challenge", _("Name the challenge of this owner, by its title or its address."))
        else:
            found = find_challenge(values["challenge"])
            if isinstance(found, str):
                problem("challenge", found)
            else:
                challenge = found
    if role == InvitedRole.PARTICIPANT and email and not registration.is_eligible(event, email):
        problem(
            "email",
            _(
                "This event is open to email addresses of these domains only: %(domains)s.",
                domains=", ".join(registration.eligible_domains(event)),
            ),
        )
    if email and role is not None:
        key = (email, role, challenge.id if challenge else None)
        if key in seen:
            problem("email", _("This address already has this role on line %(line)s.", line=seen[key]))
        else:
            seen[key] = line.number
    if problems.total > before or role is None:
        return None
    return Person(line=line.number, email=email, name=name, role=role, team=team, challenge=challenge)


# --- what each line does ------------------------------------------------------------------------------


@dataclass
class _State:
    """What the event already holds about the people of the file."""

    users: dict[str, User] = field(default_factory=dict)  # email -> active account
    roles: set[tuple[int, str]] = field(default_factory=set)  # (user id, role)
    owned: set[tuple[int, int]] = field(default_factory=set)  # (user id, challenge id)
    registered: set[int] = field(default_factory=set)  # user ids
    memberships: dict[int, Team] = field(default_factory=dict)  # user id -> team
    # unanswered, unexpired invitations: (email, role, challenge id) -> team name
    pending: dict[tuple[str, str, int | None], str] = field(default_factory=dict)
    # unanswered invitations, expired or not, that a new one to the same place replaces:
    # (email, role, challenge id) -> ids (the invitations to a jury session are not replaced)
    replaceable: dict[tuple[str, str, int | None], list[int]] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)  # name key -> team
    spellings: dict[str, str] = field(default_factory=dict)  # name key -> a new team's name, as first written


async def _state(event: Event, people: list[Person], now: datetime) -> _State:
    state = _State()
    emails = sorted({person.email for person in people})
    for chunk in _chunks(emails):
        for user in await User.filter(email__in=chunk, is_active=True):
            state.users[user.email] = user
        for invitation in await Invitation.filter(
            event_id=event.id, email__in=chunk, accepted_at__isnull=True
        ):
            place = (invitation.email, str(invitation.role), invitation.challenge_id)
            if invitation.created_at >= now - invitations.INVITATION_LIFETIME:
                state.pending[place] = invitation.team_name
            if invitation.jury_session_id is None:
                state.replaceable.setdefault(place, []).append(invitation.id)
    user_ids = [user.id for user in state.users.values()]
    for chunk in _chunks(user_ids):
        for user_id, role in await EventRole.filter(event_id=event.id, user_id__in=chunk).values_list(
            "user_id", "role"
        ):
            state.roles.add((user_id, str(role)))
        state.owned.update(
            await ChallengeOwner.filter(challenge__event_id=event.id, user_id__in=chunk).values_list(
                "user_id", "challenge_id"
            )
        )
        state.registered.update(
            await Registration.filter(event_id=event.id, user_id__in=chunk).values_list("user_id", flat=True)
        )
        for member in await TeamMember.filter(event_id=event.id, user_id__in=chunk).select_related("team"):
            state.memberships[member.user_id] = member.team
    state.teams = {team.name_key: team for team in await Team.filter(event_id=event.id)}
    return state


def place_of(person: Person) -> tuple[str, str, int | None]:
    """Where an invitation invites: a participant has one place per event, whatever the team."""
    return (person.email, str(person.role), person.challenge.id if person.challenge else None)


def _decide_role(person: Person, state: _State) -> None:
    if person.user is not None:
        has = (person.user.id, str(person.role)) in state.roles
        if person.challenge is not None:
            has = has and (person.user.id, person.challenge.id) in state.owned
        if has:
            person.action, person.why = Action.SKIP, _("already has this role")
        else:
            person.action = Action.GRANT
        return
    if place_of(person) in state.pending:
        person.action, person.why = Action.SKIP, _("already invited")
    else:
        person.action = Action.INVITE


def _decide_participant(person: Person, state: _State, problems: Problems, header: str) -> None:
    wanted = teams.name_key(person.team) if person.team else ""
    if wanted:
        # As the team writes itself, else as the file first wrote it: one team, one spelling.
        existing = state.teams.get(wanted)
        person.team = existing.name if existing else state.spellings.setdefault(wanted, person.team)
    user = person.user
    current = state.memberships.get(user.id) if user else None
    if current is not None:
        if not wanted or current.name_key == wanted:
            person.action, person.why = Action.SKIP, _("already in the team “%(team)s”", team=current.name)
        else:
            problems.add(
                _("This person is already in the team “%(team)s” of this event.", team=current.name),
                line=person.line,
                column=header,
                value=person.team,
            )
        return
    if user is not None and user.id in state.registered and not wanted:
        person.action, person.why = Action.SKIP, _("already registered")
        return
    pending = state.pending.get(place_of(person))
    if pending is not None and teams.name_key(pending) == wanted:
        person.action, person.why = Action.SKIP, _("already invited")
    else:
        person.action = Action.INVITE


async def _check_team_sizes(
    event: Event, people: list[Person], state: _State, problems: Problems, header: str, now: datetime
) -> None:
    """A team's newcomers and members within the limit of the event (the invitations may all be accepted)."""
    newcomers: dict[str, list[Person]] = {}
    for person in people:
        if person.role == InvitedRole.PARTICIPANT and person.action == Action.INVITE and person.team:
            newcomers.setdefault(teams.name_key(person.team), []).append(person)
    if not newcomers:
        return
    event_limit = await teams.size_limit(event, now)
    for key, invited in newcomers.items():
        team = state.teams.get(key)
        if team is None:
            limit, members = event_limit, 0
        else:
            limit = (await teams.team_size_limit(team_id=team.id, event=event, now=now)).limit
            members = await TeamMember.filter(team_id=team.id).count()
        if limit is None:
            continue
        for person in invited[max(limit - members, 0) :]:
            problems.add(
                ngettext(
                    "A team has at most %(num)s member in this event: the team “%(team)s” would have more.",
                    "A team has at most %(num)s members in this event: the team “%(team)s” would have more.",
                    limit,
                    team=person.team,
                ),
                line=person.line,
                column=header,
                value=person.team,
            )


@dataclass(frozen=True)
class Plan:
    people: list[Person]
    replaced: list[int]  # the unanswered invitations the new ones replace


async def plan(*, event: Event, sheet: Sheet, now: datetime | None = None) -> Plan:
    """What each line of the sheet will do; ImportRefused with every problem found."""
    now = now or datetime.now(UTC)
    problems = Problems()
    find_challenge = _challenge_finder(await Challenge.filter(event_id=event.id))
    seen: dict = {}
    people = []
    for line in sheet.lines:
        person = _read_line(line, sheet, event, find_challenge, seen, problems)
        if person is not None:
            people.append(person)
    if not sheet.lines:
        problems.add(_("The file names its columns but holds nobody: add one person per line."))
    # The lines read well are checked against the event too: every problem is reported at once.
    state = await _state(event, people, now)
    team_header = sheet.headers.get("team", "team")
    for person in people:
        person.user = state.users.get(person.email)
        if person.role == InvitedRole.PARTICIPANT:
            _decide_participant(person, state, problems, team_header)
        else:
            _decide_role(person, state)
    await _check_team_sizes(event, people, state, problems, team_header, now)
    problems.check()
    replaced = [
        invitation_id
        for person in people
        if person.action == Action.INVITE
        for invitation_id in state.replaceable.get(place_of(person), [])
    ]
    return Plan(people, replaced)


# --- the import -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    people: list[Person]
    checked_only: bool  # True: nothing was written

    def count(self, action: Action) -> int:
        return sum(1 for person in self.people if person.action == action)

    @property
    def invited(self) -> int:
        return self.count(Action.INVITE)

    @property
    def granted(self) -> int:
        return self.count(Action.GRANT)

    @property
    def skipped(self) -> int:
        return self.count(Action.SKIP)

    @property
    def participants_invited(self) -> bool:
        return any(p.role == InvitedRole.PARTICIPANT and p.action == Action.INVITE for p in self.people)

    def text(self) -> str:
        """What the import did (or would do), in the reader's language."""
        if self.checked_only:
            parts = (
                ngettext("%(num)s invitation to mail", "%(num)s invitations to mail", self.invited),
                ngettext(
                    "%(num)s role to give at once to an existing account",
                    "%(num)s roles to give at once to existing accounts",
                    self.granted,
                ),
                ngettext(
                    "%(num)s line to skip (already done)",
                    "%(num)s lines to skip (already done)",
                    self.skipped,
                ),
            )
            return _("The file can be imported: %(parts)s. Nothing is written yet.", parts=", ".join(parts))
        parts = (
            ngettext("%(num)s invitation mailed", "%(num)s invitations mailed", self.invited),
            ngettext(
                "%(num)s role given at once to an existing account",
                "%(num)s roles given at once to existing accounts",
                self.granted,
            ),
            ngettext(
                "%(num)s line skipped (already done)", "%(num)s lines skipped (already done)", self.skipped
            ),
        )
        return _("People imported: %(parts)s.", parts=", ".join(parts))


async def _write(
    *,
    event: Event,
    people: list[Person],
    replaced: list[int],
    invited_by: User,
    base_url: str,
    default_language: str,
) -> None:
    """Every line's change, a few statements at a time (a file may hold 2,000 people, and on SQLite
    the app waits for the transaction)."""
    for chunk in _chunks(replaced):
        await Invitation.filter(id__in=chunk, accepted_at__isnull=True).delete()
    stored: list[Invitation] = []
    mails: list[tuple[str, str, str]] = []
    for person in people:
        if person.action == Action.GRANT:
            assert person.user is not None
            await invitations.grant(event, person.user, Role(person.role), person.challenge)
        elif person.action == Action.INVITE:
            token, invitation = invitations.new_invitation(
                event=event,
                email=person.email,
                role=person.role,
                invited_by=invited_by,
                challenge=person.challenge,
                name=person.name,
                team_name=person.team,
            )
            stored.append(invitation)
            compose = invitations.invitation_mail(
                event=event,
                role=person.role,
                invited_by=invited_by,
                link=f"{base_url}/invitations/{token}",
                challenge=person.challenge,
                name=person.name,
                team_name=person.team,
            )
            # In the language of the account holding the address (a participant may have one), else
            # in the instance's (as `mail_address` does).
            with in_language(person.user.language if person.user else default_language):
                subject, body = compose()
            mails.append((person.email, subject, body))
    await Invitation.bulk_create(stored, batch_size=CHUNK)
    await queue_mails(mails)


async def import_people(
    *,
    event: Event,
    data: bytes,
    invited_by: User,
    base_url: str,
    default_language: str,
    check_only: bool = False,
    now: datetime | None = None,
) -> Summary:
    """Check the file, then (unless `check_only`) do every line in one transaction.

    ImportRefused (nothing written) with every problem of the file; RateLimited when the importer has
    imported too often (nothing written either)."""
    sheet = read_sheet(data)
    if check_only:
        return Summary((await plan(event=event, sheet=sheet, now=now)).people, checked_only=True)
    async with in_transaction():
        # One import into an event at a time: the second plans with what the first wrote.
        await Event.select_for_update().filter(id=event.id).first()
        planned = await plan(event=event, sheet=sheet, now=now)
        people = planned.people
        if any(person.action == Action.INVITE for person in people):
            await throttle.people_import(inviter_id=invited_by.id)
        await _write(
            event=event,
            people=people,
            replaced=planned.replaced,
            invited_by=invited_by,
            base_url=base_url,
            default_language=default_language,
        )
    summary = Summary(people, checked_only=False)
    log.info(
        "people imported into event %s by user %s: %s invited, %s granted, %s skipped",
        event.id,
        invited_by.id,
        summary.invited,
        summary.granted,
        summary.skipped,
    )
    return summary


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The header and example lines of the downloadable template."""
    return list(COLUMNS), [
        ["ada@example.org", "Ada Lovelace", "participant", "Les Analystes", ""],
        ["grace@example.org", "Grace Hopper", "participant", "Les Analystes", ""],
        ["alan@example.org", "Alan Turing", "juror", "", ""],
    ]
