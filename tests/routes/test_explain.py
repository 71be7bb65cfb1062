"""The explanation of one entry's result: its per-criterion averages, each juror's total under an
anonymous label, what normalisation and the trimmed mean changed; and who may read it (organisers at
any time, the session's jurors once it is closed, nobody else)."""

from __future__ import annotations

import re

from events.domain import jury, sessions
from events.models import (
    Entry,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    Role,
    SessionStatus,
    User,
)
from tests.helpers import make_user, sign_in
from tests.jury_world import JuryWorld, open_jury_world

TAG_RE = re.compile(r"<[^>]+>")


async def _world(**options) -> JuryWorld:
    """A jury whose window is open now, with jurors and members who can sign in, and an organiser."""
    return await open_jury_world(organiser=("organiser@example.org", "Olga Organiser"), **options)


async def _score(world: JuryWorld, juror: User, entry: Entry, *values: float) -> None:
    """Values in the order of the grid, then submit (in the session's real window)."""
    for criterion, value in zip(world.criteria, values, strict=True):
        await jury.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=value
        )
    await jury.submit_sheet(session=world.session, juror=juror, entry=entry)


async def _as(make_client, email: str):
    client = make_client()
    await sign_in(client, email)
    return client


def _url(world: JuryWorld, entry: Entry, session: JurySession | None = None) -> str:
    return f"/events/{world.event.slug}/manage/juries/{(session or world.session).id}/results/{entry.id}"


def _cells(page: str, heading: str) -> list[list[str]]:
    """The rows of the table that this heading names (aria-labelledby), as the text of their cells."""
    match = re.search(rf'<h2 id="([^"]+)">{re.escape(heading)}</h2>', page)
    assert match, heading
    table = page.split(f'<table class="table" aria-labelledby="{match.group(1)}">', 1)[1].split(
        "</table>", 1
    )[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            " ".join(TAG_RE.sub(" ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def _close(world: JuryWorld) -> None:
    await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED)
    world.session = await JurySession.get(id=world.session.id)


# --- what the page says --------------------------------------------------------------------------------


async def test_averages_totals_and_the_trimmed_mean_of_one_entry(db, make_client):
    world = await _world(teams=2, jurors=3, grid=((0, 10, 1, 1.0), (0, 10, 1, 1.0)), trimmed=True)
    first, second, third = world.jurors
    entry = world.entries[0]
    await _score(world, first, entry, 8, 6)  # 70
    await _score(world, second, entry, 10, 10)  # 100: the highest, dropped
    await _score(world, third, entry, 6, 4)  # 50: the lowest, dropped
    await _score(world, first, world.entries[1], 9, 9)  # 90 from one juror: ranked above
    organiser = await _as(make_client, "organiser@example.org")

    page = await organiser.get(_url(world, entry))

    assert page.status_code == 200
    assert "<h1>How the result of Entry 0 came about</h1>" in page.text
    assert "Provisional: computed now from the submitted sheets" in page.text
    assert "<dt>Rank</dt><dd>2</dd>" in page.text
    assert _cells(page.text, "Average per criterion") == [
        ["C1", "1", "0–10", "8.00", "3"],
        ["C2", "1", "0–10", "6.67", "3"],
    ]
    assert _cells(page.text, "Each juror's total (anonymised)") == [
        ["Juror A", "70.00", "70.00", "+0.00", "counted"],
        ["Juror B", "100.00", "100.00", "+0.00", "dropped: highest total"],
        ["Juror C", "50.00", "50.00", "+0.00", "dropped: lowest total"],
    ]
    # Each table is named by its heading, which no caption repeats.
    assert "<caption>" not in page.text
    assert '<h2 id="criteria-title">Average per criterion</h2>' in page.text
    assert '<table class="table" aria-labelledby="criteria-title">' in page.text
    assert '<h2 id="jurors-title">Each juror\'s total (anonymised)</h2>' in page.text
    assert '<table class="table" aria-labelledby="jurors-title">' in page.text
    assert "No normalisation: each juror's total counts as it is." in page.text
    assert "Raw mean 73.33, score 70.00 (difference -3.33). Highest and lowest totals dropped." in page.text
    # Anonymised: no juror's name, and the organiser is none of the jurors.
    assert not any(juror.name in page.text for juror in world.jurors)
    assert ">you<" not in page.text


async def test_zscore_normalisation_shows_what_it_changed_for_each_juror(db, make_client):
    # The example of tests/domain/test_results.py: a harsh juror (A) and a lenient one (B).
    world = await _world(teams=4, jurors=2, normalisation="zscore")
    harsh, lenient = world.jurors
    for entry, value in zip(world.entries, (0, 1, 0, 1), strict=True):
        await _score(world, harsh, entry, value)
    for entry, value in zip(world.entries, (10, 3, 6, 7), strict=True):
        await _score(world, lenient, entry, value)
    await _close(world)
    client = await _as(make_client, harsh.email)

    page = await client.get(_url(world, world.entries[0]))

    assert page.status_code == 200
    assert "Frozen when the session was locked." in page.text
    assert "<dt>Rank</dt><dd>2</dd>" in page.text
    assert "Each juror's totals are normalised (z-scores) before the mean." in page.text
    assert _cells(page.text, "Each juror's total (anonymised)") == [
        ["Juror A you", "0.00", "0.00", "+0.00", "counted"],
        ["Juror B", "100.00", "84.00", "-16.00", "counted"],
    ]
    assert "Raw mean 50.00, score 42.00 (difference -8.00)." in page.text
    assert _cells(page.text, "Average per criterion") == [["C1", "1", "0–10", "5.00", "2"]]


async def test_the_closed_explanation_gives_the_figures_of_the_open_one(db, make_client):
    world = await _world(teams=3, jurors=2, normalisation="zscore", trimmed=True)
    for juror, values in zip(world.jurors, ((2, 5, 9), (7, 7, 3)), strict=True):
        for entry, value in zip(world.entries, values, strict=True):
            await _score(world, juror, entry, value)
    organiser = await _as(make_client, "organiser@example.org")
    url = _url(world, world.entries[2])
    before = await organiser.get(url)

    await _close(world)
    after = await organiser.get(url)

    assert "Frozen when the session was locked." in after.text
    for heading in ("Average per criterion", "Each juror's total (anonymised)"):
        assert _cells(after.text, heading) == _cells(before.text, heading)
    assert after.text.split("<dl")[1].split("</dl>")[0] == before.text.split("<dl")[1].split("</dl>")[0]


async def test_an_entry_without_a_submitted_sheet_says_so(db, make_client):
    world = await _world()
    organiser = await _as(make_client, "organiser@example.org")

    page = await organiser.get(_url(world, world.entries[1]))

    assert page.status_code == 200
    assert "No submitted sheet yet." in page.text
    assert "<dt>Sheets counted</dt><dd>0</dd>" in page.text


async def test_titles_are_escaped(db, make_client):
    world = await _world()
    await Entry.filter(id=world.entries[0].id).update(title="<script>alert(1)</script>")
    organiser = await _as(make_client, "organiser@example.org")

    page = await organiser.get(_url(world, world.entries[0]))

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_results_page_links_each_entry_to_its_explanation(db, make_client):
    world = await _world()
    organiser = await _as(make_client, "organiser@example.org")

    page = await organiser.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/results")

    assert page.status_code == 200
    assert len(world.entries) == 3
    for entry in world.entries:
        assert f'<a href="{_url(world, entry)}">{entry.title}</a>' in page.text


async def test_jurors_find_the_explanations_on_their_session_page_once_it_is_closed(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0].email)
    session_page = f"/events/{world.event.slug}/jury/{world.session.id}"
    assert _url(world, world.entries[0]) not in (await client.get(session_page)).text

    await _close(world)

    assert f'<a href="{_url(world, world.entries[0])}">' in (await client.get(session_page)).text


# --- who may read it ------------------------------------------------------------------------------------


async def test_organisers_and_admins_read_it_at_any_time(db, make_client):
    world = await _world()
    admin = await make_user("admin@example.org", is_admin=True)
    organiser = await _as(make_client, "organiser@example.org")
    as_admin = await _as(make_client, admin.email)
    url = _url(world, world.entries[0])

    assert (await organiser.get(url)).status_code == 200
    assert (await as_admin.get(url)).status_code == 200
    await _close(world)
    assert (await organiser.get(url)).status_code == 200


async def test_a_juror_of_the_session_reads_it_only_once_the_session_is_closed(db, make_client):
    world = await _world(teams=2, jurors=2)
    await _score(world, world.jurors[0], world.entries[0], 6)
    await _score(world, world.jurors[1], world.entries[0], 8)
    juror = await _as(make_client, world.jurors[1].email)
    url = _url(world, world.entries[0])

    assert (await juror.get(url)).status_code == 404  # scoring still open

    await _close(world)
    page = await juror.get(url)
    assert page.status_code == 200
    assert _cells(page.text, "Each juror's total (anonymised)") == [
        ["Juror A", "60.00", "60.00", "+0.00", "counted"],
        ["Juror B you", "80.00", "80.00", "+0.00", "counted"],
    ]
    assert f'<a href="/events/{world.event.slug}/jury/{world.session.id}">Final jury</a>' in page.text
    await sessions.set_session_status(session=world.session, status=SessionStatus.PUBLISHED)
    assert (await juror.get(url)).status_code == 200


async def test_a_juror_conflicted_with_the_team_gets_404(db, make_client):
    world = await _world(teams=2, jurors=2, open_session=False)
    await jury.declare_conflicts(session=world.session, juror=world.jurors[0], team_ids=[world.teams[0].id])
    await sessions.set_session_status(session=world.session, status=SessionStatus.OPEN)
    await _close(world)
    juror = await _as(make_client, world.jurors[0].email)

    assert (await juror.get(_url(world, world.entries[0]))).status_code == 404
    assert (await juror.get(_url(world, world.entries[1]))).status_code == 200


async def test_everyone_else_gets_404_or_the_sign_in_page(db, make_client):
    world = await _world()
    await _close(world)
    url = _url(world, world.entries[0])
    other_juror = await make_user("other-juror@example.org")  # a juror of the event, not on this jury
    await EventRole.create(event=world.event, user=other_juror, role=Role.JUROR)
    other_event = await Event.create(slug="elsewhere", title="Elsewhere", status=EventStatus.PUBLISHED)
    other_organiser = await make_user("other-organiser@example.org")
    await EventRole.create(event=other_event, user=other_organiser, role=Role.ORGANISER)
    former = world.jurors[1]  # seated, but no longer a juror of the event
    await EventRole.filter(event_id=world.event.id, user_id=former.id).delete()

    for email in (other_juror.email, world.members[0].email, other_organiser.email, former.email):
        client = await _as(make_client, email)
        response = await client.get(url)
        assert response.status_code == 404, email
        assert "Juror A" not in response.text
    anonymous = await make_client().get(url)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")


async def test_ids_that_do_not_match_are_404_even_for_organisers(db, make_client):
    world = await _world()
    organiser = await _as(make_client, "organiser@example.org")
    other = await sessions.create_session(stage=world.stage, name="Another jury", challenge_ids=[])
    base = f"/events/{world.event.slug}/manage/juries"
    entry = world.entries[0]
    await Entry.filter(id=world.entries[1].id).update(status="draft")  # out of the session's scope

    assert (
        await organiser.get(f"{base}/{world.session.id}/results/{world.entries[1].id}")
    ).status_code == 404
    assert (await organiser.get(f"{base}/999999/results/{entry.id}")).status_code == 404
    assert (await organiser.get(f"{base}/{world.session.id}/results/999999")).status_code == 404
    assert (await organiser.get(f"{base}/{world.session.id}/results/x1")).status_code == 404
    assert (await organiser.get(f"{base}/{world.session.id}/results/99999999999")).status_code == 404
    assert (await organiser.get(f"{base}/{other.id}/results/{entry.id}")).status_code == 200  # in its scope
    other_event = await Event.create(slug="elsewhere", title="Elsewhere", status=EventStatus.PUBLISHED)
    await EventRole.create(
        event=other_event, user=await User.get(email="organiser@example.org"), role=Role.ORGANISER
    )
    assert (
        await organiser.get(f"/events/elsewhere/manage/juries/{world.session.id}/results/{entry.id}")
    ).status_code == 404
