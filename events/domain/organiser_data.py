"""What an event's organisers read through the JSON API with a personal token, a page at a time:
registrants, teams with their members, every entry with its status and selection, the jury sessions
with their scores and results.

The organiser pages show the same (the registrants page, the teams and entries exports, a jury's
results and scores), so nothing here is new to its readers; each page of rows costs a constant
number of queries. Pages follow `open_data.Page`: by id, `after` the last id already read.
Private notes of jurors are never read here: they are for their author only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from events.domain import jury_exports, results
from events.domain.open_data import Page, page_query
from events.models import (
    Entry,
    EntryDataset,
    Event,
    JurySession,
    Registration,
    Score,
    ScoreSheet,
    Team,
    TeamChallenge,
    TeamMember,
)


@dataclass
class Registrant:
    registration: Registration  # with its user
    team_id: int | None


async def registrants(event: Event, *, after: int, limit: int) -> Page[Registrant]:
    found = await page_query(
        Registration.filter(event_id=event.id).select_related("user"), after=after, limit=limit
    )
    teams = dict(
        await TeamMember.filter(event_id=event.id, user_id__in=[r.user_id for r in found.items]).values_list(
            "user_id", "team_id"
        )
    )
    return Page([Registrant(r, teams.get(r.user_id)) for r in found.items], found.after)


@dataclass
class TeamWithMembers:
    team: Team
    members: list[TeamMember] = field(default_factory=list)  # each with its user, captain first
    challenge_ids: list[int] = field(default_factory=list)


async def teams(event: Event, *, after: int, limit: int) -> Page[TeamWithMembers]:
    found = await page_query(Team.filter(event_id=event.id), after=after, limit=limit)
    listed = {team.id: TeamWithMembers(team) for team in found.items}
    for member in (
        await TeamMember.filter(team_id__in=list(listed)).select_related("user").order_by("-is_captain", "id")
    ):
        listed[member.team_id].members.append(member)
    for team_id, challenge_id in (
        await TeamChallenge.filter(team_id__in=list(listed))
        .order_by("challenge_id")
        .values_list("team_id", "challenge_id")
    ):
        listed[team_id].challenge_ids.append(challenge_id)
    return Page(list(listed.values()), found.after)


@dataclass
class EntryRecord:
    entry: Entry  # with its team, round and challenge
    dataset_ids: list[int]


async def entries(event: Event, *, after: int, limit: int) -> Page[EntryRecord]:
    found = await page_query(
        Entry.filter(event_id=event.id).select_related("team", "round", "challenge"), after=after, limit=limit
    )
    declared: dict[int, list[int]] = defaultdict(list)
    for entry_id, dataset_id in (
        await EntryDataset.filter(entry_id__in=[e.id for e in found.items])
        .order_by("dataset_id")
        .values_list("entry_id", "dataset_id")
    ):
        declared[entry_id].append(dataset_id)
    return Page([EntryRecord(e, declared[e.id]) for e in found.items], found.after)


async def jury_sessions(event: Event, *, after: int, limit: int) -> Page[JurySession]:
    return await page_query(JurySession.filter(event_id=event.id), after=after, limit=limit)


async def jury_session(event: Event, session_id: int) -> JurySession | None:
    return await JurySession.get_or_none(id=session_id, event_id=event.id)


async def session_results(session: JurySession) -> dict[str, Any]:
    """The session's results as the organiser's results.json download gives them: frozen once the
    session is closed, as they stand while it is open."""
    table = await results.session_results(session)
    return jury_exports.results_json(session, table, await jury_exports.names_for(session, table))


@dataclass
class SheetScores:
    sheet: ScoreSheet  # with its juror
    values: dict[int, float]  # criterion id → value


async def score_sheets(session: JurySession, *, after: int, limit: int) -> Page[SheetScores]:
    """The session's score sheets with their values (never the juror's private note)."""
    found = await page_query(
        ScoreSheet.filter(session_id=session.id).select_related("juror"), after=after, limit=limit
    )
    values: dict[int, dict[int, float]] = defaultdict(dict)
    for sheet_id, criterion_id, value in await Score.filter(
        sheet_id__in=[s.id for s in found.items]
    ).values_list("sheet_id", "criterion_id", "value"):
        values[sheet_id][criterion_id] = value
    return Page([SheetScores(s, values[s.id]) for s in found.items], found.after)
