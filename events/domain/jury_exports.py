"""A jury session's results and scores as organisers read and download them: the titles the results
refer to by id (with the public votes and the awards), the ranking as CSV rows and as JSON, and
every score as CSV rows (`events.csv_export` writes them).

The score export names jurors; the results export does not (their anonymous labels only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.domain.deliberation import final_rows
from events.domain.public_vote import vote_counts
from events.models import (
    Award,
    Challenge,
    Comparison,
    Criterion,
    Entry,
    JurySession,
    Score,
    ScoreSheet,
    Team,
    User,
)


@dataclass
class Names:
    entries: dict[int, Entry]
    teams: dict[int, str]
    challenges: dict[int, str]
    criteria: dict[int, Criterion]
    votes: dict[int, int] | None = None  # entry id → public votes; None: the session has no public vote
    awards: list[dict[str, Any]] | None = None  # the awards given, in order


async def names_for(session: JurySession, results: dict[str, Any]) -> Names:
    """Titles of what the results refer to by id, with the public votes and the awards, in a
    constant number of queries."""
    entry_ids = [row["entry_id"] for row in results["entries"]]
    entries = {entry.id: entry for entry in await Entry.filter(id__in=entry_ids)}
    teams = dict(await Team.filter(id__in={e.team_id for e in entries.values()}).values_list("id", "name"))
    challenges = dict(await Challenge.filter(event_id=session.event_id).values_list("id", "title"))
    criteria = {c.id: c for c in await Criterion.filter(round_id=session.round_id).order_by("position", "id")}
    votes = await vote_counts(session) if session.public_vote else None
    awards = (
        await Award.filter(session_id=session.id)
        .order_by("position", "id")
        .values("challenge_id", "entry_id", "title", "position")
    )
    return Names(entries, teams, challenges, criteria, votes, awards)


def _title(names: Names, entry_id: int) -> str:
    entry = names.entries.get(entry_id)
    return entry.title if entry else ""


def results_table(results: dict[str, Any], names: Names) -> tuple[list[str], list[list[Any]]]:
    """The ranking as a header and rows, for the CSV export (`events.csv_export`); scores stay numbers."""
    if results.get("mode") == "pairwise":
        return _pairwise_table(results, names)
    header = [
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
        "computed_rank",
        "deliberated",
    ]
    rows: list[list[Any]] = []
    for row in final_rows(results):  # the final ranking; the computed rank beside it
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
                row["computed_rank"],
                row["deliberated"],
            ]
        )
    return header, rows


def _pairwise_table(results: dict[str, Any], names: Names) -> tuple[list[str], list[list[Any]]]:
    """A pairwise ranking: each entry's Crowd-BT strength (mu), its standard error and variance
    (sigma²), its comparisons and wins."""
    header = ["challenge", "rank", "entry_id", "entry", "team", "strength", "uncertainty", "variance"]
    header += ["comparisons", "wins", "tie_broken"]
    rows: list[list[Any]] = []
    for row in results["entries"]:
        rows.append(
            [
                names.challenges.get(row["challenge_id"], ""),
                row["rank"],
                row["entry_id"],
                _title(names, row["entry_id"]),
                names.teams.get(row["team_id"], ""),
                row["score"],
                row["uncertainty"],
                round(row["uncertainty"] ** 2, 6),
                row["sheets"],
                row["wins"],
                row["tie_broken"],
            ]
        )
    return header, rows


def results_json(session: JurySession, results: dict[str, Any], names: Names) -> dict[str, Any]:
    """The results with the titles they refer to; jurors stay anonymous (their labels only)."""
    entries = []
    for row in final_rows(results):  # with computed_rank and deliberated
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
                **({"votes": names.votes.get(row["entry_id"], 0)} if names.votes is not None else {}),
            }
        )
    return {
        "session": {"id": session.id, "name": session.name, "status": str(session.status)},
        "computed_at": results["computed_at"],
        "mode": results.get("mode", "rubric"),
        **({"comparisons": results["comparisons"]} if "comparisons" in results else {}),
        "normalisation": results["normalisation"],
        "trimmed": results["trimmed"],
        "public_vote": names.votes is not None,
        "entries": entries,
        # the jury's changes to the computed ranking, oldest first, each with its reason
        "deliberation": results.get("deliberation") or [],
        "awards": [
            {
                **award,
                "challenge": names.challenges.get(award["challenge_id"]) if award["challenge_id"] else None,
                "entry": _title(names, award["entry_id"]),
            }
            for award in names.awards or []
        ],
    }


async def scores_table(session: JurySession) -> tuple[list[str], list[list[Any]]]:
    """Every score of the session, one row per juror, entry and criterion, for the CSV export."""
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
    header = [
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
    rows: list[list[Any]] = []
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
    return header, rows


async def comparisons_log(session: JurySession) -> list[dict[str, Any]]:
    """Every row of a pairwise session's comparison log, undo rows included, in order, with the
    juror's name and email (organisers only, like the scores) and the entries' titles."""
    rows = (
        await Comparison.filter(session_id=session.id)
        .order_by("id")
        .values(
            "id",
            "juror_id",
            "kind",
            "previous_id",
            "current_id",
            "winner_id",
            "loser_id",
            "undone_of_id",
            "step",
            "created_at",
        )
    )
    jurors = {
        user_id: (name, email)
        for user_id, name, email in await User.filter(id__in={row["juror_id"] for row in rows}).values_list(
            "id", "name", "email"
        )
    }
    titles = dict(await Entry.filter(event_id=session.event_id).values_list("id", "title"))
    return [
        {
            "id": row["id"],
            "juror": jurors.get(row["juror_id"], ("", ""))[0],
            "juror_email": jurors.get(row["juror_id"], ("", ""))[1],
            "kind": str(row["kind"]),
            "previous_id": row["previous_id"],
            "previous": titles.get(row["previous_id"], ""),
            "current_id": row["current_id"],
            "current": titles.get(row["current_id"], ""),
            "winner_id": row["winner_id"],
            "loser_id": row["loser_id"],
            "undone_of": row["undone_of_id"],
            "step": row["step"],
            "created_at": row["created_at"].isoformat(),
        }
        for row in rows
    ]


def comparisons_table(log: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The comparison log as CSV rows, one per log row."""
    return list(COMPARISON_COLUMNS), [[row[column] for column in COMPARISON_COLUMNS] for row in log]


COMPARISON_COLUMNS = (
    "id",
    "juror",
    "juror_email",
    "kind",
    "previous_id",
    "previous",
    "current_id",
    "current",
    "winner_id",
    "loser_id",
    "undone_of",
    "step",
    "created_at",
)
