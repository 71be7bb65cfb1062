"""The juror's pages and saves, and the organiser's page of a session, cost a constant number of SQL
statements, whatever the size of the jury; the pages that matter (public event page, dataset
catalogue, gallery, public results, juror's sheet, the API's lists of events and of gallery
entries) cost a pinned number of statements on the demo
data, and the same once the event grew.

Each jury test measures the same requests twice on one session: with 3 entries and 2 jurors, then
after the session grew to 30 entries and 8 jurors (more teams, more seats, assignments topped up, more
sheets scored). The counts must be equal. `tests/querycount.py` counts the statements Tortoise sends,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from events.domain import assignments, awards, seats, sessions, sheets
from events.models import (
    AssignmentMode,
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Criterion,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    Invitation,
    JurySession,
    PortalKind,
    Role,
    Round,
    TeamMember,
    User,
)
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.conftest import ON_POSTGRES
from tests.helpers import CHEAP_HASH, TOKEN_RE, make_user, sign_in
from tests.jury_world import JuryWorld, add_team_with_entry, open_jury_world
from tests.querycount import Queries, count_queries

SMALL = (3, 2)  # entries, jurors
LARGE = (30, 8)
# The organiser's page of a session, sign-in and event included: 4 for the request, 11 for the page.
SESSION_PAGE_QUERIES = {False: 15, True: 15}  # on SQLite, on PostgreSQL


async def _world(mode: AssignmentMode = AssignmentMode.ALL) -> JuryWorld:
    return await open_jury_world(
        teams=SMALL[0],
        jurors=SMALL[1],
        grid=((0, 10, 1, 2.0), (1, 5, 1, 1.0), (0, 4, 1, 1.0)),
        mode=mode,
        k=1,  # with 2 jurors, a recused entry still finds another juror (as with 8)
    )


async def _grow(world: JuryWorld, entries: int, jurors: int) -> None:
    """More teams with a submitted entry, more jurors seated, assignments topped up, sheets scored."""
    await _add(world, entries, jurors)
    await assignments.compute_assignments(session=world.session)
    await _score_some(world)


async def _add(world: JuryWorld, entries: int, jurors: int, *, seat: bool = True) -> None:
    """More teams with a submitted entry, more jurors of the event (seated on the world's session)."""
    for index in range(len(world.entries), entries):
        _team, _member, entry = await add_team_with_entry(world.event, world.stage, world.challenge, index)
        world.entries.append(entry)
    for index in range(len(world.jurors), jurors):
        user = await User.create(
            email=f"juror{index}@example.org", name=f"Juror {index}", password_hash=CHEAP_HASH
        )
        await EventRole.create(event=world.event, user=user, role=Role.JUROR)
        if seat:
            await seats.add_juror(session=world.session, user=user)
        world.jurors.append(user)


async def _score_some(world: JuryWorld) -> None:
    """Every juror scores and submits a third of the entries assigned to them (never the last one,
    which the measures use)."""
    session = await JurySession.get(id=world.session.id)
    for juror in world.jurors:
        assigned = sorted(
            await session.assignments.filter(juror_id=juror.id).values_list("entry_id", flat=True)
        )
        for entry in world.entries:
            if (
                entry.id in assigned[1 : 1 + len(assigned) // 3]
                and not await session.sheets.filter(juror_id=juror.id, entry_id=entry.id).exists()
            ):
                for criterion in world.criteria:
                    await sheets.save_score(
                        session=session, juror=juror, entry=entry, criterion=criterion, value=1
                    )
                await sheets.submit_sheet(session=session, juror=juror, entry=entry)


async def _measure(client, world: JuryWorld) -> dict[str, Queries]:
    """The juror's requests, each counted: pages, a form save, an autosave, an undo."""
    juror = world.jurors[0]
    base = f"/events/{world.event.slug}/jury/{world.session.id}"
    # The juror's last entry, never touched before: both measures take the same path (a first save).
    entry = await Entry.get(
        id=max(await world.session.assignments.filter(juror_id=juror.id).values_list("entry_id", flat=True))
    )
    assert not await world.session.sheets.filter(juror_id=juror.id, entry_id=entry.id).exists()
    url = f"{base}/entries/{entry.id}"
    first, second, third = world.criteria
    counts: dict[str, Queries] = {}
    async with count_queries() as counts["sessions"]:
        assert (await client.get(f"/events/{world.event.slug}/jury")).status_code == 200
    async with count_queries() as counts["session"]:
        assert (await client.get(base)).status_code == 200
    async with count_queries() as counts["entry"]:
        page = await client.get(url)
    assert page.status_code == 200
    token = TOKEN_RE.search(page.text).group(1)
    async with count_queries() as counts["save"]:
        response = await client.post(
            url,
            data={
                "csrf_token": token,
                f"criterion_{first.id}": "7",
                f"criterion_{second.id}": "3",
                f"criterion_{third.id}": "2",
                "comment": "Clear",
                "private_note": "",
                "action": "save",
            },
        )
    assert response.status_code == 303, response.text
    async with count_queries() as counts["submit"]:
        response = await client.post(
            url,
            data={
                "csrf_token": token,
                f"criterion_{first.id}": "8",
                f"criterion_{second.id}": "3",
                f"criterion_{third.id}": "2",
                "comment": "Clear",
                "private_note": "",
                "action": "submit",
            },
        )
    assert response.status_code == 303, response.text
    async with count_queries() as counts["autosave"]:
        response = await client.post(
            url + "/score",
            json={"field": f"criterion_{first.id}", "value": "6"},
            headers={"X-CSRF-Token": token},
        )
    assert response.status_code == 200, response.text
    async with count_queries() as counts["autosave_text"]:
        response = await client.post(
            url + "/score", json={"field": "comment", "value": "Clearer"}, headers={"X-CSRF-Token": token}
        )
    assert response.status_code == 200, response.text
    async with count_queries() as counts["undo"]:
        response = await client.post(url + "/undo", data={"csrf_token": token})
    assert response.status_code == 303, response.text
    async with count_queries() as counts["recuse"]:
        response = await client.post(url + "/recuse", data={"csrf_token": token, "reason": "I know them"})
    assert response.status_code == 303, response.text
    return counts


@pytest.mark.parametrize("mode", [AssignmentMode.ALL, AssignmentMode.K])
async def test_juror_pages_and_saves_cost_the_same_queries_for_3_or_30_entries(db, make_client, mode):
    world = await _world(mode)
    await _score_some(world)
    client = make_client()
    await sign_in(client, world.jurors[0].email)
    small = await _measure(client, world)

    await _grow(world, *LARGE)
    large = await _measure(client, world)

    assert {name: len(queries) for name, queries in large.items()} == {
        name: len(queries) for name, queries in small.items()
    }, "\n".join(
        f"--- {name}: {len(small[name])} then {len(large[name])}\n{large[name].report()}"
        for name in small
        if len(small[name]) != len(large[name])
    )


# One autosave of a score: user session, event, session (with seat and role), entry with the juror's
# standing, grid; then in the transaction the session again with the standing, the sheet with the
# score's old value, the score's upsert, the log line, the total; then the juror's progress. On
# PostgreSQL two more: the session's lock, and the old value read once the sheet's lock is held.
AUTOSAVE_QUERIES = {False: 11, True: 13}


async def test_an_autosave_costs_a_pinned_number_of_queries(db, make_client):
    world = await _world()
    await _score_some(world)
    client = make_client()
    await sign_in(client, world.jurors[0].email)

    counts = await _measure(client, world)

    assert len(counts["autosave"]) == AUTOSAVE_QUERIES[ON_POSTGRES], counts["autosave"].report()
    sheet = await world.session.sheets.filter(juror_id=world.jurors[0].id).order_by("-updated_at").first()
    assert sheet is not None and sheet.total is not None


async def test_the_scoring_page_costs_the_same_before_and_after_the_sheet_exists(db, make_client):
    world = await _world()
    client = make_client()
    await sign_in(client, world.jurors[0].email)
    url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    async with count_queries() as before:
        page = await client.get(url)
    for criterion in world.criteria:
        await sheets.save_score(
            session=world.session, juror=world.jurors[0], entry=world.entries[0], criterion=criterion, value=2
        )
    await sheets.save_comment(
        session=world.session, juror=world.jurors[0], entry=world.entries[0], comment="Hi"
    )

    async with count_queries() as after:
        again = await client.get(url)

    assert (page.status_code, again.status_code) == (200, 200)
    assert "Hi</textarea>" in again.text
    assert len(after) == len(before), after.report()


async def test_my_juries_costs_the_same_for_one_or_three_sessions(db, make_client):
    world = await _world()
    client = make_client()
    await sign_in(client, world.jurors[0].email)
    url = f"/events/{world.event.slug}/jury"
    async with count_queries() as one:
        page = await client.get(url)
    for name in ("Second jury", "Third jury"):
        other = await sessions.create_session(stage=world.stage, name=name)
        await seats.add_juror(session=other, user=world.jurors[0])
        await sessions.set_session_status(session=other, status="open")
    await _score_some(world)

    async with count_queries() as three:
        again = await client.get(url)

    assert page.status_code == again.status_code == 200
    assert again.text.count("0 of 3 scored") == 2  # the new sessions
    assert "1 of 3 scored" in again.text  # the first one, where a third of the entries are submitted
    assert len(three) == len(one), three.report()


async def test_the_counter_counts_each_statement_once_in_and_out_of_transactions(db):
    async with count_queries() as queries:
        await User.all().count()
        async with in_transaction():
            await User.create(email="counted@example.org", name="Counted", password_hash="!")
            await User.filter(email="counted@example.org").update(name="Still counted")

    assert [sql.split()[0] for _method, sql in queries] == ["SELECT", "INSERT", "UPDATE"]
    async with count_queries() as none:
        pass
    assert len(none) == 0


async def test_a_refused_save_shows_the_values_typed_again(db, make_client):
    world = await _world()
    client = make_client()
    await sign_in(client, world.jurors[0].email)
    url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    token = TOKEN_RE.search((await client.get(url)).text).group(1)
    first, second, _third = world.criteria

    response = await client.post(
        url,
        data={
            "csrf_token": token,
            f"criterion_{first.id}": "7",
            f"criterion_{second.id}": "99",
            "comment": "Typed, not saved",
        },
    )

    assert response.status_code == 422
    assert f'name="criterion_{first.id}" value="7" id="f-criterion_{first.id}-7" checked' in response.text
    assert "Typed, not saved</textarea>" in response.text


async def test_the_explanation_of_an_entry_costs_the_same_for_3_or_30_entries(db, make_client):
    world = await _world()
    await _score_some(world)
    organiser = await make_user("organiser@example.org")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    client = make_client()
    await sign_in(client, organiser.email)
    base = f"/events/{world.event.slug}/manage/juries"

    async def explain(session: JurySession) -> Queries:
        scored = await session.sheets.filter(status="submitted").order_by("entry_id").first()
        async with count_queries() as queries:
            page = await client.get(f"{base}/{session.id}/results/{scored.entry_id}")
        assert page.status_code == 200
        assert "Juror A" in page.text
        return queries

    small_open = await explain(world.session)
    await sessions.set_session_status(session=world.session, status="closed")
    small_closed = await explain(await JurySession.get(id=world.session.id))
    await _add(world, *LARGE, seat=False)
    # A second jury on the same round, over the 30 entries, with the 8 jurors.
    world.session = await sessions.create_session(
        stage=world.stage, name="Second jury", opens_at=None, closes_at=None
    )
    for juror in world.jurors:
        await seats.add_juror(session=world.session, user=juror)
    await sessions.set_session_status(session=world.session, status="open")
    await _score_some(world)
    large_open = await explain(world.session)
    await sessions.set_session_status(session=world.session, status="closed")
    large_closed = await explain(await JurySession.get(id=world.session.id))

    assert len(large_open) == len(small_open), large_open.report()
    assert len(large_closed) == len(small_closed), large_closed.report()


async def test_the_organisers_session_page_costs_the_same_for_2_or_8_jurors(db, make_client):
    """The organiser's page of a session: jurors with their progress, conflicts, assignments,
    invitations. The same statements for 3 entries and 2 jurors as for 30 entries and 8 jurors."""
    world = await _world()
    organiser = await make_user("organiser@example.org")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    await seats.declare_conflicts(session=world.session, juror=world.jurors[1], team_ids=[world.teams[0].id])
    await Invitation.create(
        event=world.event,
        email="invitee@example.org",
        role=Role.JUROR,
        jury_session=world.session,
        token_hash="c" * 64,
    )
    await _score_some(world)
    client = make_client()
    await sign_in(client, organiser.email)
    url = f"/events/{world.event.slug}/manage/juries/{world.session.id}"

    async with count_queries() as small:
        page = await client.get(url)
    await _grow(world, *LARGE)
    async with count_queries() as large:
        again = await client.get(url)

    assert (page.status_code, again.status_code) == (200, 200)
    # Juror 1 is conflicted with one team: one entry fewer. Each juror submitted a third, but one.
    assert [page.text.count(f"{done} of {total} scored") for done, total in ((1, 3), (0, 2))] == [1, 1]
    assert [again.text.count(f"{done} of {total} scored") for done, total in ((10, 30), (9, 29))] == [7, 1]
    assert again.text.count("<td>Team 0</td>") == 1  # the conflict
    assert again.text.count("invitee@example.org") == 1
    assert len(large) == len(small), large.report()
    assert len(small) == SESSION_PAGE_QUERIES[ON_POSTGRES], small.report()


async def test_the_organisers_results_page_costs_the_same_for_2_or_8_jurors(db, make_client):
    """The organiser's results page: the ranking, how stable it is (a thousand rankings recomputed
    in memory, never a query per resample) and the jurors' calibration. The same statements for 3
    entries and 2 jurors as for 30 entries and 8 jurors, open and then closed with an award; its
    stability exports too."""
    world = await _world()
    organiser = await make_user("organiser@example.org")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    await _score_some(world)
    client = make_client()
    await sign_in(client, organiser.email)
    base = f"/events/{world.event.slug}/manage/juries/{world.session.id}"

    async def measure() -> dict[str, Queries]:
        counts: dict[str, Queries] = {}
        for name in ("results", "stability.csv", "stability.json"):
            async with count_queries() as counts[name]:
                response = await client.get(f"{base}/{name}")
            assert response.status_code == 200, name
            if name == "results":
                assert "How stable is this ranking?" in response.text
                assert "Jurors' calibration" in response.text
        return counts

    small = await measure()
    await _grow(world, *LARGE)
    large = await measure()
    assert {name: len(q) for name, q in large.items()} == {name: len(q) for name, q in small.items()}, {
        name: q.report() for name, q in large.items()
    }
    page = await client.get(f"{base}/results")
    assert page.text.count('class="chart"') == 30
    assert page.text.count('<th scope="row">Juror ') == 8  # the calibration's rows
    await sessions.set_session_status(session=world.session, status="closed")
    top = (await JurySession.get(id=world.session.id)).results_snapshot["entries"][0]["entry_id"]
    await awards.give_award(
        session=await JurySession.get(id=world.session.id),
        challenge_id=world.challenge.id,
        entry_id=top,
        title="First prize",
    )
    closed = await measure()  # the frozen snapshot replaces the computation: fewer statements still
    assert all(len(closed[name]) < len(small[name]) for name in small), {
        name: q.report() for name, q in closed.items()
    }


# --- the pages that matter, on the demo data: absolute counts ---------------------------------------
#
# Each page is measured on the demo as loaded (the number pinned below), then after the event grew by
# five of everything the page lists: the count must not move (no query per row). Anonymous visitors
# for the public pages; the demo's juror jure1 for the scoring sheet. The counts are the same on
# SQLite and PostgreSQL.

LYON = "hackathon-mobilite-lyon-2026"  # archived: open gallery, published results
PARIS = "datacity-paris-2026"  # under way: its jury scores today
GROWTH = 5
PAGE_QUERIES = {
    # event, rounds, challenges, its images (cover, logos, illustrations), public votes, published
    # results?, then the linked data (challenge datasets, the public gallery's entries, their
    # datasets) and the latest announcements
    "event page": 10,
    "dataset catalogue": 4,  # event, the datasets' facets (a few columns), challenges, the page's datasets
    "gallery": 5,  # event, last round, count, the page's entries (with team and challenge), challenges
    "public results": 5,  # event, published sessions, entries (with team), challenges, awards
    "juror sheet": 13,  # user session, event, session (with seat and role), entry with the standing
    # (assigned, conflict, membership, locked pitch), grid, sheet, scores, assigned entries, progress,
    # datasets, files, members, live
    "api events": 2,  # events, their rounds (is the gallery public?)
    "api gallery entries": 6,  # event, last round, entries (with team, round, challenge), datasets, files,
    # members
}


async def _page_urls(juror_entry: Entry) -> dict[str, str]:
    session = await JurySession.get(event__slug=PARIS)
    return {
        "event page": f"/events/{LYON}",
        "dataset catalogue": f"/events/{PARIS}/datasets",
        "gallery": f"/events/{LYON}/gallery",
        "public results": f"/events/{LYON}/results",
        "juror sheet": f"/events/{PARIS}/jury/{session.id}/entries/{juror_entry.id}",
        "api events": "/api/v1/events?limit=100",
        "api gallery entries": f"/api/v1/events/{LYON}/entries?limit=100",
    }


async def _measure_pages(anonymous, juror, urls: dict[str, str]) -> dict[str, tuple[int, Queries, str]]:
    measured = {}
    for name, url in urls.items():
        browser = juror if name == "juror sheet" else anonymous
        async with count_queries() as queries:
            response = await browser.get(url)
        assert response.status_code == 200, (name, response.text)
        measured[name] = (len(queries), queries, response.text)
    return measured


async def _grow_lyon() -> list[Entry]:
    """Five more rounds (before the hackathon's), published challenges, datasets linked to them,
    submitted entries of new teams (in the gallery's round, declaring a dataset), and a second jury
    that scored every entry, closed, published and gave an award per new challenge."""
    event = await Event.get(slug=LYON)
    hackathon = await Round.get(event=event)
    await Round.filter(id=hackathon.id).update(position=GROWTH + 1)
    ended = event.starts_at - timedelta(days=1)
    for index in range(1, GROWTH + 1):
        await Round.create(event=event, position=index, name=f"Warm-up {index}", deadline=ended)
    entries = []
    for index in range(GROWTH):
        challenge = await Challenge.create(
            event=event,
            slug=f"grown-{index}",
            title=f"Grown challenge {index}",
            status=ChallengeStatus.PUBLISHED,
            position=100 + index,
        )
        dataset = await Dataset.create(
            event=event, title=f"Grown dataset {index}", portal_kind=PortalKind.MANUAL
        )
        await ChallengeDataset.create(challenge=challenge, dataset=dataset, is_primary=True)
        _team, _member, entry = await add_team_with_entry(
            event,
            hackathon,
            challenge,
            100 + index,
            summary="Grown for the count.",
            submitted_at=datetime.now(UTC),
        )
        await EntryDataset.create(entry=entry, dataset=dataset, note="Used")
        entries.append(entry)
    second = await sessions.create_session(stage=hackathon, name="Second jury", opens_at=None, closes_at=None)
    jurors = await User.filter(event_roles__event_id=event.id, event_roles__role=Role.JUROR).order_by("id")
    assert len(jurors) == 4
    for juror in jurors[:2]:
        await seats.add_juror(session=second, user=juror)
    await sessions.set_session_status(session=second, status="open")
    grid = await Criterion.filter(round_id=hackathon.id).order_by("position")
    assert len(grid) == 5
    for juror in jurors[:2]:
        assigned = await Entry.filter(
            jury_assignments__session_id=second.id, jury_assignments__juror_id=juror.id
        )
        assert len(assigned) == 6 + GROWTH  # every submitted entry of the round
        for entry in assigned:
            for criterion in grid:
                await sheets.save_score(
                    session=second, juror=juror, entry=entry, criterion=criterion, value=3
                )
            await sheets.submit_sheet(session=second, juror=juror, entry=entry)
    await sessions.set_session_status(session=second, status="closed")
    for entry in entries:
        await awards.give_award(
            session=second, challenge_id=entry.challenge_id, entry_id=entry.id, title="Grown prize"
        )
    await sessions.set_session_status(session=second, status="published")
    return entries


async def _grow_paris(juror_entry: Entry) -> None:
    """Five more datasets in the catalogue (linked to a challenge), declared by the juror's entry,
    five more files and members of its team, and five more entries of new teams assigned to jure1."""
    event = await Event.get(slug=PARIS)
    session = await JurySession.get(event_id=event.id)
    stage = await Round.get(id=session.round_id)
    challenge = await Challenge.filter(event=event, status=ChallengeStatus.PUBLISHED).order_by("id").first()
    for index in range(GROWTH):
        dataset = await Dataset.create(
            event=event,
            title=f"Grown dataset {index}",
            publisher=f"Grown publisher {index}",
            portal_kind=PortalKind.MANUAL,
            formats=["CSV"],
        )
        await ChallengeDataset.create(challenge=challenge, dataset=dataset)
        await EntryDataset.create(entry=juror_entry, dataset=dataset, note="Used too")
        await EntryFile.create(
            entry=juror_entry,
            storage_key=f"grown-{index}",
            original_name=f"annex-{index}.pdf",
            content_type="application/pdf",
            size=1000,
            sha256="0" * 64,
        )
        member = await User.create(
            email=f"grown-member-{index}@example.org", name=f"Grown member {index}", password_hash="!"
        )
        await TeamMember.create(team_id=juror_entry.team_id, event=event, user=member)
        await add_team_with_entry(event, stage, challenge, 200 + index, submitted_at=datetime.now(UTC))
    await assignments.compute_assignments(session=session)


async def _more_events() -> None:
    """Five more published events, each with a round, for the API's list of events."""
    for index in range(GROWTH):
        event = await Event.create(
            slug=f"grown-event-{index}", title=f"Grown event {index}", status=EventStatus.PUBLISHED
        )
        await Round.create(event=event, position=1, name="Only round", deadline=datetime.now(UTC))


async def test_the_pages_that_matter_cost_a_fixed_number_of_queries_on_the_demo_and_after_it_grows(
    db, make_client
):
    assert await load_demo() is True
    session = await JurySession.get(event__slug=PARIS)
    juror_entry = await Entry.get(round_id=session.round_id, team__name="Les Mobilistes")
    urls = await _page_urls(juror_entry)
    anonymous = make_client()
    juror = make_client()
    await sign_in(juror, "jure1@demo.hackcity.fr", DEMO_PASSWORD)
    before = await _measure_pages(anonymous, juror, urls)
    assert await Entry.filter(event__slug=LYON, status=EntryStatus.SUBMITTED).count() == 6

    grown = await _grow_lyon()
    await _grow_paris(juror_entry)
    await _more_events()
    after = await _measure_pages(anonymous, juror, urls)

    # the grown rows are on the pages: the counts below measured pages that show them
    assert "Warm-up 5" in after["event page"][2]
    assert all(f"Grown challenge {index}" in after["event page"][2] for index in range(GROWTH))
    assert after["dataset catalogue"][2].count("Grown dataset ") == GROWTH
    assert all(entry.title in after["gallery"][2] for entry in grown)
    assert "Second jury" in after["public results"][2]
    assert all(entry.title in after["public results"][2] for entry in grown)
    assert after["juror sheet"][2].count("annex-") == GROWTH
    assert all(f"grown-event-{index}" in after["api events"][2] for index in range(GROWTH))
    assert all(entry.title in after["api gallery entries"][2] for entry in grown)
    assert all(f"Grown dataset {index}" in after["juror sheet"][2] for index in range(GROWTH))
    assert {name: count for name, (count, _q, _t) in before.items()} == PAGE_QUERIES, "\n".join(
        f"--- {name}: {count}\n{queries.report()}" for name, (count, queries, _t) in before.items()
    )
    assert {name: count for name, (count, _q, _t) in after.items()} == PAGE_QUERIES, "\n".join(
        f"--- {name}: {count}\n{queries.report()}" for name, (count, queries, _t) in after.items()
    )
