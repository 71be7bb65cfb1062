"""What the organisers export about an event's teams and entries, as a header and rows of plain values
(`events.csv_export` writes them): one row per team, one row per entry.

Each table costs a constant number of queries, whatever the number of teams and entries. Labels and
headers are in the language of the organiser who downloads.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from events.i18n import _
from events.models import Entry, EntryDataset, EntryStatus, Event, Round, Team, TeamChallenge, TeamMember

SEPARATOR = "; "


def _entry_state(entry: Entry) -> str:
    """ "draft", or "submitted, <decision>" (the decision may still be pending)."""
    if entry.status != EntryStatus.SUBMITTED:
        return entry.status.label
    return f"{entry.status.label}, {entry.selection.label}"


async def teams_table(*, event: Event) -> tuple[list[str], list[list[Any]]]:
    """Each team with its captain, members and their emails, its challenges, and one column per round
    holding the state of its entries in that round (several entries: each prefixed by its challenge)."""
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    teams = await Team.filter(event_id=event.id).order_by("id")
    members: dict[int, list[TeamMember]] = defaultdict(list)
    for member in (
        await TeamMember.filter(event_id=event.id).select_related("user").order_by("-is_captain", "id")
    ):
        members[member.team_id].append(member)
    challenges: dict[int, list[str]] = defaultdict(list)
    for link in (
        await TeamChallenge.filter(team__event_id=event.id)
        .select_related("challenge")
        .order_by("challenge__position", "challenge_id")
    ):
        challenges[link.team_id].append(link.challenge.title)
    entries: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for entry in (
        await Entry.filter(event_id=event.id)
        .select_related("challenge")
        .order_by("challenge__position", "challenge_id", "id")
    ):
        entries[(entry.team_id, entry.round_id)].append(entry)

    header = [
        _("Team"),
        _("Captain"),
        _("Captain's email"),
        _("Members"),
        _("Members' emails"),
        _("Challenges"),
        *(stage.name for stage in rounds),
    ]
    rows: list[list[Any]] = []
    for team in teams:
        people = members[team.id]
        captain = next((member.user for member in people if member.is_captain), None)
        row: list[Any] = [
            team.name,
            captain.name if captain else "",
            captain.email if captain else "",
            SEPARATOR.join(member.user.name for member in people),
            SEPARATOR.join(member.user.email for member in people),
            SEPARATOR.join(challenges[team.id]),
        ]
        for stage in rounds:
            found = entries[(team.id, stage.id)]
            if len(found) == 1:
                row.append(_entry_state(found[0]))
            else:
                row.append(SEPARATOR.join(f"{e.challenge.title}: {_entry_state(e)}" for e in found))
        rows.append(row)
    return header, rows


async def entries_table(*, event: Event, base_url: str) -> tuple[list[str], list[list[Any]]]:
    """Every entry of the event, round by round: its team, state, the datasets it declared, its links
    and when it was submitted (a datetime: written in ISO 8601, UTC, as the header says)."""
    entries = (
        await Entry.filter(event_id=event.id)
        .select_related("round", "challenge", "team")
        .order_by("round__position", "round_id", "challenge__position", "challenge_id", "team_id", "id")
    )
    datasets: dict[int, list[str]] = defaultdict(list)
    for entry_id, title in await EntryDataset.filter(entry__event_id=event.id).values_list(
        "entry_id", "dataset__title"
    ):
        datasets[entry_id].append(title)
    header = [
        _("Round"),
        _("Challenge"),
        _("Team"),
        _("Entry"),
        _("Status"),
        _("Decision"),
        _("Datasets declared"),
        _("Repository"),
        _("Demo"),
        _("Video"),
        _("Page"),
        _("Submitted at (UTC, ISO 8601)"),
    ]
    rows = [
        [
            entry.round.name,
            entry.challenge.title,
            entry.team.name,
            entry.title,
            entry.status.label,
            entry.selection.label,
            SEPARATOR.join(sorted(datasets[entry.id], key=str.casefold)),
            entry.repository_url,
            entry.demo_url,
            entry.video_url,
            f"{base_url}/events/{event.slug}/entries/{entry.id}",
            entry.submitted_at,
        ]
        for entry in entries
    ]
    return header, rows
