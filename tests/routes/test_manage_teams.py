"""The organisers' list of teams: members (captain first) with their addresses, challenges, entries;
filters by challenge and by submission, counts, pages, empty states."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from events.models import Challenge, ChallengeStatus, Entry, EntryStatus, Team, TeamChallenge
from events.routes import teams as team_routes
from tests.entry_world import make_entry_world, signed_in

ROW_TEAM = re.compile(r'<th scope="row">([^<]+)</th>')


def _counts(html: str) -> list[str]:
    block = re.search(r'<ul class="counts"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


async def test_the_organiser_filters_the_teams_by_challenge_and_submission(db, make_client):
    world = await make_entry_world()
    energy = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED, position=2
    )
    await TeamChallenge.create(team=world.team_a, challenge=world.challenge)
    await TeamChallenge.create(team=world.team_b, challenge=energy)
    await Entry.create(
        event=world.event,
        team=world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title="Bus",
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.now(UTC),
    )
    await Entry.create(
        event=world.event, team=world.team_b, round=world.stage, challenge=energy, title="Vélo"
    )
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/teams"

    everything = await client.get(url)
    waiting = await client.get(url, params={"entries": "not_submitted"})
    energy_teams = await client.get(url, params={"challenge": energy.id, "entries": "junk"})
    none = await client.get(url, params={"challenge": energy.id, "entries": "submitted"})

    assert everything.status_code == 200
    assert _counts(everything.text) == ["2 teams", "1 has submitted", "1 has not submitted yet"]
    assert ROW_TEAM.findall(everything.text) == ["Data Vélo", "Les Bus"]
    les_bus = everything.text.split('<th scope="row">Les Bus</th>', 1)[1].split("</tr>", 1)[0]
    assert (
        '<a href="mailto:alice@example.org">Alice</a> <span class="meta">(captain)</span>, '
        '<a href="mailto:arthur@example.org">Arthur</a>'
    ) in les_bus
    assert "<td>Mobility</td>" in les_bus and "<td>1 submitted</td>" in les_bus
    assert "<td>0 submitted, 1 draft</td>" in everything.text
    assert ROW_TEAM.findall(waiting.text) == ["Data Vélo"]
    assert ROW_TEAM.findall(energy_teams.text) == ["Data Vélo"]
    assert _counts(energy_teams.text) == ["1 team", "0 have submitted", "1 has not submitted yet"]
    assert "No team matches these filters." in none.text


async def test_the_teams_list_pages_and_its_empty_state(db, make_client, monkeypatch):
    world = await make_entry_world()
    monkeypatch.setattr(team_routes, "TEAMS_PER_PAGE", 2)
    await Team.create(
        event=world.event, name="Zèbres", name_key="zebres", invite_token_hash=secrets.token_hex(32)
    )
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/teams"

    first = await client.get(url)
    second = await client.get(url, params={"page": 2})
    await Team.filter(event=world.event).delete()
    empty = await client.get(url)

    assert ROW_TEAM.findall(first.text) == ["Data Vélo", "Les Bus"]
    assert ">3 teams · page 1 of 2</caption>" in first.text
    assert ROW_TEAM.findall(second.text) == ["Zèbres"]
    assert "<td>–</td>" in second.text  # no member, no challenge, no entry
    assert "No team has formed yet." in empty.text
    assert 'href="/events/datacity/manage/registrants">See who has registered</a>' in empty.text
