"""The organiser's side of a jury: seating jurors by email, reading the results (the frozen snapshot
once the session is closed) and exporting them, with the scores, as CSV and JSON.

Exports are for organisers: the score export names jurors; the results export does not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from events.domain import events as event_rules
from events.domain.errors import FormErrors
from events.domain.jury import add_juror, compute_assignments
from events.domain.registration import neutralise
from events.domain.results import compute_results
from events.i18n import _
from events.models import (
    Challenge,
    Criterion,
    Entry,
    JurySession,
    Role,
    Score,
    ScoreSheet,
    SessionStatus,
    Team,
    User,
)


@dataclass(frozen=True)
class SeatResult:
    seated: bool  # an account existed: it is on the jury now
    email: str


async def invite_juror(*, session: JurySession, email: str, invited_by: User, base_url: str) -> SeatResult:
    """An existing account gets the juror role and a seat at once; otherwise an invitation to the
    event as juror is mailed (accepting it grants the role; the seat is then given here)."""
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
        raise FormErrors({None: _("This jury session is closed.")})
    event = await session.event
    result = await event_rules.invite(
        event=event, email=email, role=Role.JUROR.value, invited_by=invited_by, base_url=base_url
    )
    if not result.granted:
        return SeatResult(seated=False, email=result.email)
    user = await User.get(email=result.email, is_active=True)
    await add_juror(session=session, user=user)
    if session.status == SessionStatus.OPEN:
        await compute_assignments(session=session)  # the new juror takes a share of the entries
    return SeatResult(seated=True, email=result.email)


async def session_results(session: JurySession) -> dict[str, Any]:
    """The frozen snapshot once the session is closed, else the results as they stand now."""
    if session.results_snapshot is not None:
        return session.results_snapshot
    return await compute_results(session=session)


@dataclass
class Names:
    entries: dict[int, Entry]
    teams: dict[int, str]
    challenges: dict[int, str]
    criteria: dict[int, Criterion]


async def names_for(session: JurySession, results: dict[str, Any]) -> Names:
    """Titles of what the results refer to by id, in a constant number of queries."""
    entry_ids = [row["entry_id"] for row in results["entries"]]
    entries = {entry.id: entry for entry in await Entry.filter(id__in=entry_ids)}
    teams = dict(await Team.filter(id__in={e.team_id for e in entries.values()}).values_list("id", "name"))
    challenges = dict(await Challenge.filter(event_id=session.event_id).values_list("id", "title"))
    criteria = {c.id: c for c in await Criterion.filter(round_id=session.round_id).order_by("position", "id")}
    return Names(entries, teams, challenges, criteria)


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def _title(names: Names, entry_id: int) -> str:
    entry = names.entries.get(entry_id)
    return entry.title if entry else ""


def results_csv(results: dict[str, Any], names: Names) -> str:
    rows: list[list[Any]] = [
        [
            "challenge",
            "rank",
            "entry_id",
            "entry",
            "team",
            "score",
            "raw_mean",
            "difference",
            "sheets",
            "trimmed",
            "tie_broken",
        ]
    ]
    for row in results["entries"]:
        rows.append(
            [
                names.challenges.get(row["challenge_id"], ""),
                row["rank"],
                row["entry_id"],
                _title(names, row["entry_id"]),
                names.teams.get(row["team_id"], ""),
                row["score"],
                row["raw_mean"],
                row["difference"],
                row["sheets"],
                row["trimmed"],
                row["tie_broken"],
            ]
        )
    return _csv(rows)


def results_json(session: JurySession, results: dict[str, Any], names: Names) -> dict[str, Any]:
    """The results with the titles they refer to; jurors stay anonymous (their labels only)."""
    entries = []
    for row in results["entries"]:
        entries.append(
            {
                **{key: value for key, value in row.items() if key != "criteria"},
                "entry": _title(names, row["entry_id"]),
                "team": names.teams.get(row["team_id"], ""),
                "challenge": names.challenges.get(row["challenge_id"], ""),
                "criteria": [
                    {
                        "criterion_id": int(criterion_id),
                        "criterion": names.criteria[int(criterion_id)].name
                        if int(criterion_id) in names.criteria
                        else "",
                        "average": average,
                    }
                    for criterion_id, average in (row.get("criteria") or {}).items()
                ],
            }
        )
    return {
        "session": {"id": session.id, "name": session.name, "status": str(session.status)},
        "computed_at": results["computed_at"],
        "normalisation": results["normalisation"],
        "trimmed": results["trimmed"],
        "entries": entries,
    }


async def scores_csv(session: JurySession) -> str:
    """Every score of the session: one row per juror, entry and criterion."""
    sheets = (
        await ScoreSheet.filter(session_id=session.id)
        .order_by("entry_id", "juror_id")
        .values("id", "entry_id", "juror_id", "status", "assigned", "total")
    )
    scores: dict[tuple[int, int], float] = {
        (sheet_id, criterion_id): value
        for sheet_id, criterion_id, value in await Score.filter(
            sheet_id__in=[sheet["id"] for sheet in sheets]
        ).values_list("sheet_id", "criterion_id", "value")
    }
    jurors = {
        user_id: (name, email)
        for user_id, name, email in await User.filter(
            id__in={sheet["juror_id"] for sheet in sheets}
        ).values_list("id", "name", "email")
    }
    entries = dict(
        await Entry.filter(id__in={sheet["entry_id"] for sheet in sheets}).values_list("id", "title")
    )
    criteria = await Criterion.filter(round_id=session.round_id).order_by("position", "id")
    rows: list[list[Any]] = [
        [
            "juror",
            "juror_email",
            "entry_id",
            "entry",
            "criterion",
            "value",
            "sheet_status",
            "counted",
            "sheet_total",
        ]
    ]
    for sheet in sheets:
        name, email = jurors.get(sheet["juror_id"], ("", ""))
        for criterion in criteria:
            value = scores.get((sheet["id"], criterion.id))
            if value is None:
                continue
            rows.append(
                [
                    name,
                    email,
                    sheet["entry_id"],
                    entries.get(sheet["entry_id"], ""),
                    criterion.name,
                    value,
                    sheet["status"],
                    sheet["assigned"],
                    sheet["total"],
                ]
            )
    return _csv(rows)
