"""The score log of a jury session for its organisers: reading it (filtered by juror and entry, page by
page), exporting it as CSV, and recounting the results from it.

What the log shows: every change of every sheet of the session, in the order it was made — who (the
juror), when, which entry, which criterion, the old and the new value; changes of the comment for
the team (its text: the team reads it after publication, and organisers answer for what it reads),
of the sheet's status (draft, submitted), and undos, which point at the change they reverse.
Private notes are the juror's own: the log says that a note changed, never what it said, on the
page and in the CSV alike. Organisers see jurors' and teams' names, blind session or not (blind
mode hides names from jurors, not from the people who seat them).

The recount (`recount`) recomputes the results from the log replayed alone
(`events.domain.results.recount_from_log`: the log, the grid, the assignments and the scope; not the
stored scores) and compares them, entry by entry, with the stored results: the snapshot frozen when
the session closed, or before that the results computed now from the stored scores. Two results
are equal when rank, number of counted sheets, raw mean and score are (numbers rounded to 6
decimals, as the ranking compares them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events.domain.results import compute_results, recount_from_log
from events.models import (
    Challenge,
    Criterion,
    Entry,
    JurySession,
    ScoreLogEntry,
    ScoreSheet,
    User,
)

PER_PAGE = 50
PRIVATE = "private_note"


@dataclass(frozen=True)
class LogLine:
    """One change of a sheet, as organisers may read it."""

    id: int
    at: datetime
    juror_id: int
    juror: str
    juror_email: str
    entry_id: int
    entry: str  # the entry's title
    team: str
    field: str  # "value", "comment", "private_note" or "status"
    criterion: str  # the criterion's name for a value, else ""
    old: float | str | None  # a value is a number (None: no score); a private note is always None
    new: float | str | None
    undo_of: int | None  # the id of the change this one reverses

    @property
    def private(self) -> bool:
        return self.field == PRIVATE


@dataclass(frozen=True)
class LogPage:
    lines: list[LogLine]
    total: int  # changes matching the filter, on every page
    page: int  # from 1
    pages: int  # at least 1
    jurors: list[tuple[int, str]]  # who wrote in this session's log: (user id, name), for the filter
    entries: list[tuple[int, str]]  # the entries with a sheet in this session: (entry id, title)
    juror_id: int | None  # the filter as applied: None when absent or not one of the choices
    entry_id: int | None


def _number(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _shown(field: str, raw: str | None) -> float | str | None:
    if field == "value":
        return _number(raw)
    if field == PRIVATE:
        return None
    return raw


async def _choices(session: JurySession) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    sheets = ScoreSheet.filter(session_id=session.id)
    juror_ids = set(await sheets.values_list("juror_id", flat=True))
    entry_ids = set(await sheets.values_list("entry_id", flat=True))
    jurors = await User.filter(id__in=juror_ids).order_by("name", "id").values_list("id", "name", "email")
    entries = await Entry.filter(id__in=entry_ids).order_by("title", "id").values_list("id", "title")
    return [(user_id, name or email) for user_id, name, email in jurors], list(entries)


async def _lines(rows: list[dict[str, Any]], session: JurySession) -> list[LogLine]:
    """The log rows with the names they refer to, in a constant number of queries."""
    jurors = {
        user_id: (name or email, email)
        for user_id, name, email in await User.filter(id__in={r["juror_id"] for r in rows}).values_list(
            "id", "name", "email"
        )
    }
    entries = {
        entry_id: (title, team)
        for entry_id, title, team in await Entry.filter(id__in={r["entry_id"] for r in rows}).values_list(
            "id", "title", "team__name"
        )
    }
    criteria = dict(await Criterion.filter(round_id=session.round_id).values_list("id", "name"))
    lines = []
    for row in rows:
        juror, email = jurors.get(row["juror_id"], ("", ""))
        title, team = entries.get(row["entry_id"], ("", ""))
        lines.append(
            LogLine(
                id=row["id"],
                at=row["created_at"],
                juror_id=row["juror_id"],
                juror=juror,
                juror_email=email,
                entry_id=row["entry_id"],
                entry=title,
                team=team,
                field=row["field"],
                criterion=criteria.get(row["criterion_id"], "") if row["criterion_id"] else "",
                old=_shown(row["field"], row["old_value"]),
                new=_shown(row["field"], row["new_value"]),
                undo_of=row["undone_of_id"],
            )
        )
    return lines


def _query(session: JurySession, juror_id: int | None, entry_id: int | None):
    query = ScoreLogEntry.filter(sheet__session_id=session.id)
    if juror_id is not None:
        query = query.filter(juror_id=juror_id)
    if entry_id is not None:
        query = query.filter(sheet__entry_id=entry_id)
    return query


_FIELDS = (
    "id",
    "created_at",
    "juror_id",
    "criterion_id",
    "field",
    "old_value",
    "new_value",
    "undone_of_id",
)


async def read_log(
    *,
    session: JurySession,
    juror_id: int | None = None,
    entry_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> LogPage:
    """One page of the session's log, oldest change first. A juror or an entry that is not among the
    filter's choices is ignored (the whole log shows); a page beyond the last shows the last."""
    jurors, entries = await _choices(session)
    juror_id = juror_id if juror_id in {user_id for user_id, _name in jurors} else None
    entry_id = entry_id if entry_id in {id_ for id_, _title in entries} else None
    query = _query(session, juror_id, entry_id)
    total = await query.count()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    rows = (
        await query.order_by("id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .values(*_FIELDS, entry_id="sheet__entry_id")
    )
    return LogPage(
        lines=await _lines(rows, session),
        total=total,
        page=page,
        pages=pages,
        jurors=jurors,
        entries=entries,
        juror_id=juror_id,
        entry_id=entry_id,
    )


CSV_HEADER = [
    "change_id",
    "at_utc",
    "juror",
    "juror_email",
    "entry_id",
    "entry",
    "team",
    "field",
    "criterion",
    "old",
    "new",
    "undo_of",
]


async def log_table(
    *, session: JurySession, juror_id: int | None = None, entry_id: int | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The (filtered) log as a header and rows, oldest first, for the CSV export
    (`events.csv_export`: numbers stay numbers, text never runs as a formula); a private note's cells
    stay empty."""
    jurors, entries = await _choices(session)
    juror_id = juror_id if juror_id in {user_id for user_id, _name in jurors} else None
    entry_id = entry_id if entry_id in {id_ for id_, _title in entries} else None
    rows = (
        await _query(session, juror_id, entry_id).order_by("id").values(*_FIELDS, entry_id="sheet__entry_id")
    )
    return list(CSV_HEADER), [
        [
            line.id,
            line.at.astimezone(UTC).isoformat(),
            line.juror,
            line.juror_email,
            line.entry_id,
            line.entry,
            line.team,
            line.field,
            line.criterion,
            line.old,
            line.new,
            line.undo_of,
        ]
        for line in await _lines(rows, session)
    ]


# --- the recount ------------------------------------------------------------------------------------


# What a recount must reproduce for each entry (`events.domain.results.ranking` compares the same).
COMPARED = ("rank", "sheets", "raw_mean", "score")


def format_score(value: float | None) -> str:
    """A score as the comparison sees it: up to 6 decimals, no trailing zeros; "–" for none."""
    if value is None:
        return "–"
    return f"{value:.6f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class RecountLine:
    entry_id: int
    entry: str
    team: str
    challenge: str
    stored: dict[str, Any] | None  # the entry's row of the stored results (None: absent from them)
    recounted: dict[str, Any] | None  # its row of the recount from the log

    @property
    def differing(self) -> list[str]:
        """What differs: "missing" (the entry is in one result only), or some of "rank", "sheets",
        "raw_mean" and "score"; empty when the two results agree."""
        if self.stored is None or self.recounted is None:
            return ["missing"]
        return [key for key in COMPARED if self.stored.get(key) != self.recounted.get(key)]

    @property
    def equal(self) -> bool:
        return not self.differing


@dataclass(frozen=True)
class Recount:
    session: JurySession
    frozen: bool  # the stored results are the snapshot frozen at closing (else computed now)
    computed_at: str  # when the stored results were computed (ISO 8601)
    lines: list[RecountLine]

    @property
    def differences(self) -> int:
        return sum(1 for line in self.lines if not line.equal)

    @property
    def equal(self) -> bool:
        return self.differences == 0


async def recount(*, session: JurySession, now: datetime | None = None) -> Recount:
    """The stored results and the results recounted from the score log, entry by entry."""
    frozen = session.results_snapshot is not None
    stored = (
        session.results_snapshot
        if frozen
        else await compute_results(session=session, now=now, criteria=False)
    )
    stored_rows = {row["entry_id"]: row for row in stored.get("entries", [])}
    recounted_rows = {row["entry_id"]: row for row in await recount_from_log(session)}
    order = list(stored_rows) + [entry_id for entry_id in recounted_rows if entry_id not in stored_rows]
    entries = {
        entry_id: (title, team, challenge_id)
        for entry_id, title, team, challenge_id in await Entry.filter(id__in=order).values_list(
            "id", "title", "team__name", "challenge_id"
        )
    }
    challenges = dict(await Challenge.filter(event_id=session.event_id).values_list("id", "title"))
    lines = []
    for entry_id in order:
        title, team, challenge_id = entries.get(entry_id, ("", "", None))
        lines.append(
            RecountLine(
                entry_id=entry_id,
                entry=title,
                team=team,
                challenge=challenges.get(challenge_id, ""),
                stored=stored_rows.get(entry_id),
                recounted=recounted_rows.get(entry_id),
            )
        )
    return Recount(session=session, frozen=frozen, computed_at=stored.get("computed_at", ""), lines=lines)
