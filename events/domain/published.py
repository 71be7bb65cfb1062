"""What a published jury session shows: the public ranking per challenge and a team's feedback.

Both read the results snapshot frozen when the session closed (`events.domain.results`), and only
for published sessions: before publication nothing here is shown to anyone. Jurors stay anonymous:
comments come without names or juror labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from events.domain.deliberation import final_rows
from events.models import (
    Challenge,
    Criterion,
    Entry,
    Event,
    JurySession,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
)


@dataclass(frozen=True)
class TeamName:
    id: int
    name: str


@dataclass(frozen=True)
class RankedName:
    """What a ranking shows of an entry: its title and its team's name (read as values: a results
    page names every ranked entry, 800 in the large demo, and whole rows cost ten times more)."""

    id: int
    title: str
    team: TeamName


@dataclass
class RankedEntry:
    rank: int
    entry: RankedName
    score: float | None
    sheets: int  # comparisons, in a pairwise session
    deliberated: bool = False  # this place was decided in deliberation, not by the computed ranking
    uncertainty: float | None = None  # a pairwise session's: the standard error of `score`


@dataclass
class ChallengeRanking:
    challenge: Challenge
    entries: list[RankedEntry] = field(default_factory=list)


@dataclass
class SessionResults:
    session: JurySession
    challenges: list[ChallengeRanking]


async def published_sessions(event: Event) -> list[JurySession]:
    return await JurySession.filter(
        event_id=event.id, status=SessionStatus.PUBLISHED, results_snapshot__isnull=False
    ).order_by("published_at", "id")


async def has_published_results(event: Event) -> bool:
    return await JurySession.exists(
        event_id=event.id, status=SessionStatus.PUBLISHED, results_snapshot__isnull=False
    )


async def entries_with_feedback(event: Event, entry_ids: list[int]) -> set[int]:
    """Which of these entries a published session of the event ranked: their teams have feedback."""
    wanted = set(entry_ids)
    if not wanted:
        return set()
    return {
        row["entry_id"]
        for session in await published_sessions(event)
        for row in _rows(session)
        if row["entry_id"] in wanted
    }


def _rows(session: JurySession) -> list[dict[str, Any]]:
    """The final ranking: as computed, with the deliberation's changes (`events.domain.deliberation`)."""
    return final_rows(session.results_snapshot)


async def public_results(event: Event) -> list[SessionResults]:
    """Each published session's ranking, per challenge, with the entries' titles."""
    sessions = await published_sessions(event)
    entry_ids = {row["entry_id"] for session in sessions for row in _rows(session)}
    entries = {
        entry_id: RankedName(entry_id, title, TeamName(team_id, team_name))
        for entry_id, title, team_id, team_name in await Entry.filter(id__in=list(entry_ids)).values_list(
            "id", "title", "team_id", "team__name"
        )
    }
    challenge_ids = {row["challenge_id"] for session in sessions for row in _rows(session)}
    challenges = {
        c.id: c
        for c in await Challenge.filter(id__in=list(challenge_ids), event_id=event.id).only(
            "id", "slug", "title", "position"
        )
    }
    results = []
    for session in sessions:
        by_challenge: dict[int, ChallengeRanking] = {}
        for row in _rows(session):  # already ordered by challenge, then rank
            entry = entries.get(row["entry_id"])
            challenge = challenges.get(row["challenge_id"])
            if entry is None or challenge is None:
                continue
            ranking = by_challenge.setdefault(challenge.id, ChallengeRanking(challenge))
            ranking.entries.append(
                RankedEntry(
                    row["rank"],
                    entry,
                    row["score"],
                    row["sheets"],
                    deliberated=row["deliberated"],
                    uncertainty=row.get("uncertainty"),
                )
            )
        ordered = sorted(by_challenge.values(), key=lambda r: (r.challenge.position, r.challenge.id))
        results.append(SessionResults(session, ordered))
    return results


@dataclass
class CriterionAverage:
    criterion: Criterion
    average: float


@dataclass
class Feedback:
    session: JurySession
    score: float | None
    rank: int | None
    averages: list[CriterionAverage]
    comments: list[str]


async def team_feedback(entry: Entry) -> list[Feedback]:
    """For each published session that judged the entry: per-criterion averages and the comments of
    the counted sheets (submitted, still assigned), without the jurors' names."""
    found = []
    for session in await published_sessions(await entry.event):
        row = next((r for r in _rows(session) if r["entry_id"] == entry.id), None)
        if row is None:
            continue
        averages_by_id = {int(key): value for key, value in (row.get("criteria") or {}).items()}
        criteria = await Criterion.filter(id__in=list(averages_by_id)).order_by("position", "id")
        comments = (
            await ScoreSheet.filter(
                session_id=session.id, entry_id=entry.id, status=SheetStatus.SUBMITTED, assigned=True
            )
            .exclude(comment="")
            .order_by("comment")  # not by juror or by time: the order tells nothing about who wrote
            .values_list("comment", flat=True)
        )
        found.append(
            Feedback(
                session=session,
                score=row["score"],
                rank=row["rank"] if row["score"] is not None else None,
                averages=[CriterionAverage(c, averages_by_id[c.id]) for c in criteria],
                comments=list(comments),
            )
        )
    return found
