"""The organisers' CSV exports: jury results keep their numbers as numbers, the teams and the entries
of an event, all written by one helper (UTF-8 with a BOM, attachment, formulas neutralised)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from events.domain import sessions, sheets
from events.models import (
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryDataset,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    PortalKind,
    Role,
    Round,
    Selection,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)
from tests.helpers import csv_rows, make_user, sign_in
from tests.jury_world import open_jury_world


async def _signed_in(make_client, email: str) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, email)
    return client


# --- jury results ----------------------------------------------------------------------------------


async def test_results_csv_writes_negative_scores_as_numbers(db, make_client):
    world = await open_jury_world(
        organiser=("orga@example.org", "Orga"), jurors=2, teams=3, normalisation="zscore"
    )
    # A harsh juror and a lenient one: normalisation moves some scores down (negative differences).
    for juror, values in zip(world.jurors, ((8, 5, 2), (9, 9, 1)), strict=True):
        for entry, value in zip(world.entries, values, strict=True):
            await sheets.save_score(
                session=world.session, juror=juror, entry=entry, criterion=world.criteria[0], value=value
            )
            await sheets.submit_sheet(session=world.session, juror=juror, entry=entry)
    await sessions.set_session_status(session=world.session, status="closed")
    client = await _signed_in(make_client, "orga@example.org")

    response = await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/results.csv")

    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0][5:8] == ["score", "raw_mean", "difference"]
    assert len(rows) == 4
    differences = [row[7] for row in rows[1:]]
    negative = [cell for cell in differences if cell.startswith(("-", "'"))]
    assert len(negative) == 2, differences
    for cell in negative:
        assert not cell.startswith("'"), differences
        assert float(cell) < 0
    snapshot = (await JurySession.get(id=world.session.id)).results_snapshot
    assert sorted(float(cell) for cell in differences) == sorted(
        row["difference"] for row in snapshot["entries"]
    )


# --- teams and entries ------------------------------------------------------------------------------


async def _event_with_teams():
    event = await Event.create(
        slug="datacity", title="DataCity", status=EventStatus.PUBLISHED, timezone="Europe/Paris"
    )
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    application = await Round.create(event=event, name="Application", position=1)
    prototype = await Round.create(event=event, name="Prototype", position=2)
    heat = await Challenge.create(
        event=event, slug="heat", title="Heat islands", status=ChallengeStatus.PUBLISHED, position=1
    )
    bus = await Challenge.create(
        event=event, slug="bus", title="=Bus stops", status=ChallengeStatus.PUBLISHED, position=2
    )
    trees = await Dataset.create(event=event, title="Trees", portal_kind=PortalKind.MANUAL)
    counts = await Dataset.create(event=event, title="@Counts", portal_kind=PortalKind.MANUAL)

    bees = await Team.create(event=event, name="Les Abeilles", name_key="les abeilles", invite_token_hash="a")
    zoe = await make_user("zoe@example.org", name="Zoé Durand")
    max_ = await make_user("max@example.org", name="-Max")
    await TeamMember.create(team=bees, event=event, user=zoe, is_captain=True)
    await TeamMember.create(team=bees, event=event, user=max_)
    await TeamChallenge.create(team=bees, challenge=heat)
    await TeamChallenge.create(team=bees, challenge=bus)
    applied = await Entry.create(
        event=event,
        team=bees,
        round=application,
        challenge=heat,
        title="Cool yards",
        status=EntryStatus.SUBMITTED,
        selection=Selection.SELECTED,
        submitted_at=datetime(2026, 3, 1, 13, 0, 5, tzinfo=UTC),
        repository_url="https://git.example.org/bees",
        demo_url="https://demo.example.org/bees",
    )
    await EntryDataset.create(entry=applied, dataset=trees, note="")
    await EntryDataset.create(entry=applied, dataset=counts, note="")
    drafted = await Entry.create(
        event=event, team=bees, round=prototype, challenge=heat, title="+Cool yards v2"
    )

    wasps = await Team.create(event=event, name="=Wasps", name_key="wasps", invite_token_hash="w")
    ada = await make_user("ada@example.org", name="Ada")
    await TeamMember.create(team=wasps, event=event, user=ada, is_captain=True)
    rejected = await Entry.create(
        event=event,
        team=wasps,
        round=application,
        challenge=bus,
        title="Bus",
        status=EntryStatus.SUBMITTED,
        selection=Selection.REJECTED,
        submitted_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
    )
    idle = await Team.create(event=event, name="Idle", name_key="idle", invite_token_hash="i")
    return event, (applied, drafted, rejected), idle


async def test_teams_csv_lists_members_challenges_and_each_rounds_status(db, make_client):
    await _event_with_teams()
    client = await _signed_in(make_client, "orga@example.org")

    response = await client.get("/events/datacity/manage/teams.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="datacity-teams.csv"'
    assert response.headers["cache-control"] == "private, no-store"
    assert csv_rows(response) == [
        [
            "Team",
            "Captain",
            "Captain's email",
            "Members",
            "Members' emails",
            "Challenges",
            "Application",
            "Prototype",
        ],
        [
            "Les Abeilles",
            "Zoé Durand",
            "zoe@example.org",
            "Zoé Durand; -Max",
            "zoe@example.org; max@example.org",
            "Heat islands; =Bus stops",
            "submitted, selected",
            "draft",
        ],
        ["'=Wasps", "Ada", "ada@example.org", "Ada", "ada@example.org", "", "submitted, not selected", ""],
        ["Idle", "", "", "", "", "", "", ""],
    ]


async def test_entries_csv_lists_every_entry_with_datasets_links_and_utc_time(db, make_client):
    _event, (applied, drafted, rejected), _idle = await _event_with_teams()
    client = await _signed_in(make_client, "orga@example.org")

    response = await client.get("/events/datacity/manage/entries.csv")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="datacity-entries.csv"'
    assert csv_rows(response) == [
        [
            "Round",
            "Challenge",
            "Team",
            "Entry",
            "Status",
            "Decision",
            "Datasets declared",
            "Repository",
            "Demo",
            "Video",
            "Page",
            "Submitted at (UTC, ISO 8601)",
        ],
        [
            "Application",
            "Heat islands",
            "Les Abeilles",
            "Cool yards",
            "submitted",
            "selected",
            "'@Counts; Trees",
            "https://git.example.org/bees",
            "https://demo.example.org/bees",
            "",
            f"http://testserver/events/datacity/entries/{applied.id}",
            "2026-03-01T13:00:05Z",
        ],
        [
            "Application",
            "'=Bus stops",
            "'=Wasps",
            "Bus",
            "submitted",
            "not selected",
            "",
            "",
            "",
            "",
            f"http://testserver/events/datacity/entries/{rejected.id}",
            "2026-03-02T08:30:00Z",
        ],
        [
            "Prototype",
            "Heat islands",
            "Les Abeilles",
            "'+Cool yards v2",
            "draft",
            "pending",
            "",
            "",
            "",
            "",
            f"http://testserver/events/datacity/entries/{drafted.id}",
            "",
        ],
    ]


async def test_exports_are_in_the_organisers_language(db, make_client):
    await _event_with_teams()
    client = await _signed_in(make_client, "orga@example.org")
    await User.filter(email="orga@example.org").update(language="fr")

    teams = csv_rows(await client.get("/events/datacity/manage/teams.csv"))
    entries = csv_rows(await client.get("/events/datacity/manage/entries.csv"))

    assert teams[0][:6] == [
        "Équipe",
        "Capitaine",
        "Adresse électronique du capitaine",
        "Membres",
        "Adresses électroniques des membres",
        "Défis",
    ]
    assert teams[1][6:] == ["déposé, sélectionné", "brouillon"]
    assert entries[0][-1] == "Déposé le (UTC, ISO 8601)"
    assert entries[1][4:6] == ["déposé", "sélectionné"]


async def test_the_selection_page_links_both_exports(db, make_client):
    await _event_with_teams()
    client = await _signed_in(make_client, "orga@example.org")

    page = await client.get("/events/datacity/manage/entries")
    registrants = await client.get("/events/datacity/manage/registrants")

    assert page.status_code == 200
    entries_link = (
        '<a class="button button--secondary button--small" href="/events/datacity/manage/entries.csv">'
    )
    teams_link = '<a class="button button--secondary button--small" href="/events/datacity/manage/teams.csv">'
    assert page.text.count(entries_link) == 1
    assert page.text.count(teams_link) == 1
    assert registrants.text.count(teams_link) == 1


async def test_exports_are_for_this_events_organisers_only(db, make_client):
    await _event_with_teams()
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stranger = await make_user("orga2@example.org", name="Orga Two")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    member = await _signed_in(make_client, "zoe@example.org")
    outsider = await _signed_in(make_client, "orga2@example.org")
    anonymous = make_client()

    for path in ("/events/datacity/manage/teams.csv", "/events/datacity/manage/entries.csv"):
        assert (await member.get(path)).status_code == 403
        assert (await outsider.get(path)).status_code == 403
        redirected = await anonymous.get(path)
        assert redirected.status_code == 303
        assert redirected.headers["location"].startswith("/login?next=")
