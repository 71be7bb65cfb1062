"""A team's entries pages and the organiser's workspace cost a constant number of SQL statements,
whatever the size of the event.

Each test measures the same requests twice: on a small event (one round, one challenge, one entry),
then after it grew (more rounds, challenges picked by the team, entries with files and revisions,
decisions in a round before, a published jury session, a larger catalogue, more people and
invitations). The counts must be equal, and are pinned per database: a new query on these pages is a
decision, not an accident. `tests/querycount.py` counts the statements Tortoise sends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.domain import entries as entry_rules
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryFile,
    EventRole,
    Invitation,
    JurySession,
    Role,
    Round,
    Selection,
    SessionStatus,
    TeamChallenge,
)
from tests.conftest import ON_POSTGRES
from tests.entry_world import ENTRY_FORM, EntryWorld, make_entry_world, make_user, signed_in
from tests.helpers import TOKEN_RE
from tests.querycount import Queries, count_queries

# What each request costs, on SQLite and on PostgreSQL.
EXPECTED = {
    "team_entries": (10, 10),
    "start_entry": (22, 22),
    "start_entry_refused": (15, 15),
    "entry_page": (13, 13),
    "save_entry": (17, 17),
    "dashboard": (13, 13),
    "people": (7, 7),  # with the page of invitations: how many, how many expired
}


def expected(name: str) -> int:
    sqlite, postgres = EXPECTED[name]
    return postgres if ON_POSTGRES else sqlite


@pytest.fixture
async def world(db) -> EntryWorld:
    world = await make_entry_world()
    world.entry_a = await entry_rules.create_entry(
        event=world.event,
        team=world.team_a,
        stage=world.stage,
        challenge=world.challenge,
        user=world.alice,
        values={"title": "Bus à l'heure"},
        dataset_notes={},
    )
    return world


async def _grow(world: EntryWorld) -> None:
    """Rounds after the first, challenges the team picked, entries with files and revisions,
    decisions in the first round, a published jury session, a larger catalogue, more people with
    roles and invitations waiting."""
    event, team = world.event, world.team_a
    later = [
        await Round.create(
            event=event,
            name=f"Round {index}",
            position=index,
            opens_at=datetime.now(UTC) - timedelta(days=1),
            deadline=datetime.now(UTC) + timedelta(days=20 + index),
            team_max=1 if index == 5 else 5,
        )
        for index in range(2, 6)
    ]
    challenges = [world.challenge] + [
        await Challenge.create(
            event=event,
            slug=f"challenge-{index}",
            title=f"Challenge {index}",
            status=ChallengeStatus.PUBLISHED,
        )
        for index in range(6)
    ]
    await Challenge.create(event=event, slug="proposed", title="Proposed", status=ChallengeStatus.PROPOSED)
    for challenge in challenges[:5]:
        await TeamChallenge.create(team=team, challenge=challenge)
    datasets = [
        await Dataset.create(
            event=event,
            title=f"Dataset {index}",
            licence_spdx="" if index % 3 else "etalab-2.0",
            status=DatasetStatus.GONE if index == 4 else DatasetStatus.OK,
        )
        for index in range(12)
    ]
    for challenge, dataset in zip(challenges[:3], datasets, strict=False):
        await ChallengeDataset.create(challenge=challenge, dataset=dataset, is_primary=True)
    # Entries to the first round for three challenges, to the next two rounds for the first one.
    for stage, entered in (
        (world.stage, challenges[:3]),
        (later[0], challenges[:1]),
        (later[1], challenges[:1]),
    ):
        for challenge in entered:
            await entry_rules.create_entry(
                event=event,
                team=team,
                stage=stage,
                challenge=challenge,
                user=world.alice,
                values={"title": f"{stage.name} {challenge.title}"},
                dataset_notes={},
            )
    # Decisions in the first round: the rounds after it admit its finalists only.
    for challenge, selection in zip(
        challenges[:3], (Selection.SELECTED, Selection.WAITLISTED, None), strict=True
    ):
        if selection:
            await Entry.filter(team_id=team.id, round_id=world.stage.id, challenge_id=challenge.id).update(
                selection=selection
            )
    # The first entry: datasets declared, files, revisions.
    notes = {dataset.id: f"Used {dataset.title}" for dataset in datasets[:8]}
    for _ in range(3):
        await entry_rules.save_entry(
            entry=world.entry_a, event=event, user=world.alice, values=ENTRY_FORM, dataset_notes=notes
        )
    for index in range(6):
        await EntryFile.create(
            entry_id=world.entry_a.id,
            storage_key=f"key-{index}",
            original_name=f"file-{index}.csv",
            content_type="text/csv",
            size=100 + index,
            sha256="0" * 64,
            uploaded_by=world.alice,
        )
    await JurySession.create(
        event=event,
        round=world.stage,
        name="Jury",
        status=SessionStatus.PUBLISHED,
        published_at=datetime.now(UTC),
        results_snapshot={"entries": [{"entry_id": world.entry_a.id, "challenge_id": world.challenge.id}]},
    )
    for index in range(8):
        user = await make_user(f"person{index}@example.org", name=f"Person {index}")
        await EventRole.create(
            event=event, user=user, role=(Role.JUROR, Role.MENTOR, Role.ORGANISER)[index % 3]
        )
        await Invitation.create(
            event=event,
            email=f"invited{index}@example.org",
            role=Role.CHALLENGE_OWNER if index % 2 else Role.JUROR,
            challenge=challenges[index % len(challenges)] if index % 2 else None,
            token_hash=f"{index:064x}",
            invited_by=world.olga,
        )


async def _measure_team(client, world: EntryWorld) -> dict[str, Queries]:
    slug = world.event.slug
    counts: dict[str, Queries] = {}
    async with count_queries() as counts["team_entries"]:
        page = await client.get(f"/events/{slug}/team/entries")
    assert page.status_code == 200
    assert "Bus à l&#39;heure" in page.text
    token = TOKEN_RE.search(page.text).group(1)
    # A second challenge, never entered in the first round: the same path (a new draft) both times.
    fresh = await Challenge.create(
        event=world.event,
        slug=f"fresh-{await Challenge.filter(event_id=world.event.id).count()}",
        title="Fresh",
        status=ChallengeStatus.PUBLISHED,
    )
    if await TeamChallenge.filter(team_id=world.team_a.id).exists():
        await TeamChallenge.create(team=world.team_a, challenge=fresh)
    async with count_queries() as counts["start_entry"]:
        response = await client.post(
            f"/events/{slug}/team/entries",
            data={
                "csrf_token": token,
                "round": str(world.stage.id),
                "challenge": str(fresh.id),
                "title": "New",
            },
        )
    assert response.status_code == 303, response.text
    started = await Entry.get(team_id=world.team_a.id, round_id=world.stage.id, challenge_id=fresh.id)
    assert response.headers["location"] == f"/events/{slug}/entries/{started.id}/edit"
    async with count_queries() as counts["start_entry_refused"]:
        response = await client.post(
            f"/events/{slug}/team/entries",
            data={"csrf_token": token, "round": str(world.stage.id), "challenge": str(fresh.id), "title": ""},
        )
    assert response.status_code == 422, response.text
    assert "Enter a title of at most 200 characters." in response.text
    assert (await Entry.get(id=started.id)).title == "New"
    url = f"/events/{slug}/entries/{world.entry_a.id}/edit"
    async with count_queries() as counts["entry_page"]:
        page = await client.get(url)
    assert page.status_code == 200
    # The datasets declared stay as they are: a save that changes N declarations costs N writes.
    declared = {}
    for link in await EntryDataset.filter(entry_id=world.entry_a.id):
        declared |= {f"dataset_{link.dataset_id}": "on", f"dataset_{link.dataset_id}_note": link.note}
    async with count_queries() as counts["save_entry"]:
        response = await client.post(
            url, data={**ENTRY_FORM, **declared, "csrf_token": token, "action": "save"}
        )
    assert response.status_code == 303, response.text
    saved = await Entry.get(id=world.entry_a.id)
    assert (saved.summary, saved.version) == (ENTRY_FORM["summary"], world.entry_a.version + 1)
    world.entry_a = saved
    assert await EntryDataset.filter(entry_id=saved.id).count() == len(declared) // 2
    return counts


async def _measure_organiser(client, world: EntryWorld) -> dict[str, Queries]:
    slug = world.event.slug
    counts: dict[str, Queries] = {}
    async with count_queries() as counts["dashboard"]:
        page = await client.get(f"/events/{slug}/manage")
    assert page.status_code == 200
    async with count_queries() as counts["people"]:
        page = await client.get(f"/events/{slug}/manage/people")
    assert page.status_code == 200
    assert "olga@example.org" in page.text
    return counts


def _compare(small: dict[str, Queries], large: dict[str, Queries]) -> None:
    assert {name: len(queries) for name, queries in large.items()} == {
        name: len(queries) for name, queries in small.items()
    }, "\n".join(
        f"--- {name}: {len(small[name])} then {len(large[name])}\n{large[name].report()}"
        for name in small
        if len(small[name]) != len(large[name])
    )
    assert {name: len(queries) for name, queries in small.items()} == {
        name: expected(name) for name in small
    }, "\n".join(f"--- {name}\n{queries.report()}" for name, queries in small.items())


async def test_the_team_entries_pages_cost_the_same_for_a_small_or_a_grown_event(world, make_client):
    client = await signed_in(make_client, world.alice)
    small = await _measure_team(client, world)

    await _grow(world)
    large = await _measure_team(client, world)

    page = await client.get(f"/events/{world.event.slug}/team/entries")
    assert page.text.count("The jury's feedback") == 1  # the published session ranked one entry
    assert "Your team is on the waiting list of the round Prototype" in page.text
    _compare(small, large)


async def test_the_dashboard_and_the_people_page_cost_the_same_for_a_small_or_a_grown_event(
    world, make_client
):
    client = await signed_in(make_client, world.olga)
    small = await _measure_organiser(client, world)

    await _grow(world)
    large = await _measure_organiser(client, world)

    page = await client.get(f"/events/{world.event.slug}/manage/people")
    assert page.text.count("Cancel the invitation of") == 8
    _compare(small, large)
