"""How stable a ranking is and the jurors' calibration, over HTTP: the organiser's results page (the
sentences, the table, the SVG figure, the calibration table), the explanation page of one entry,
the CSV and JSON exports; and the calibration shown to organisers only, never on a public page."""

from __future__ import annotations

import json
import re

from events.domain import awards, sessions, sheets
from events.domain.stability import SEED
from events.models import Entry, Event, EventRole, EventStatus, JurySession, Role, SessionStatus, User
from tests.helpers import csv_rows, make_user, sign_in
from tests.jury_world import JuryWorld, open_jury_world

TAG_RE = re.compile(r"<[^>]+>")
ORGANISER = "organiser@example.org"


async def _world(jurors: int = 3, **options) -> JuryWorld:
    """One criterion on 0-100, so a sheet's total is the value given."""
    return await open_jury_world(
        organiser=(ORGANISER, "Olga Organiser"), jurors=jurors, grid=((0, 100, 1, 1.0),), **options
    )


async def _score(world: JuryWorld, totals: dict[int, tuple[int, ...]]) -> None:
    """{juror index: totals in the order of the entries}, each sheet submitted."""
    for index, values in totals.items():
        juror = world.jurors[index]
        for entry, value in zip(world.entries, values, strict=True):
            await sheets.save_score(
                session=world.session, juror=juror, entry=entry, criterion=world.criteria[0], value=value
            )
            await sheets.submit_sheet(session=world.session, juror=juror, entry=entry)


# Juror C alone puts Entry 0 ahead of Entry 1: without C, they swap places.
DECIDED = {0: (70, 72, 10), 1: (70, 72, 10), 2: (90, 60, 10)}


async def _as(make_client, email: str):
    client = make_client()
    await sign_in(client, email)
    return client


def _text(html: str) -> str:
    return " ".join(TAG_RE.sub(" ", html).split())


def _section(page: str, heading_id: str) -> str:
    """The page from the heading with this id to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start)
    return page[start : end if end != -1 else None]


def _results(world: JuryWorld) -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}/results"


async def test_the_results_page_says_how_stable_the_ranking_is(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    organiser = await _as(make_client, ORGANISER)

    page = await organiser.get(_results(world))

    assert page.status_code == 200
    stability = _section(page.text, "stability")
    text = _text(stability)
    assert "Jurors are drawn at random, with replacement, as many as there are, and the ranking is " in text
    assert f"computed again with the same rules: 1,000 times (seed {SEED})." in text
    # Entry 0 is first whenever C is drawn at least once: 1 - (2/3)³ = 70.4 % expected.
    assert "The winner, “Entry 0”, is first in 68.3% of resamples." in text
    assert "Without juror C, “Entry 0” and “Entry 1” swap places." in text
    assert "No single juror decides the winner" not in text
    # The table: rank, entry, first, in the top 3, and the figure named by its title and description.
    rows = re.findall(r"<tr>(.*?)</tr>", stability.split("<tbody>", 1)[1], re.S)
    cells = [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]
    assert [row[:4] for row in cells] == [
        ["1", "Entry 0", "68.3%", "100%"],
        ["2", "Entry 1", "31.7%", "100%"],
        ["3", "Entry 2", "0%", "100%"],
    ]
    entry = world.entries[0]
    assert (
        f'<svg class="chart" role="img" viewBox="0 0 150 34" width="150" height="34" '
        f'aria-labelledby="chart-{entry.id}-title" aria-describedby="chart-{entry.id}-desc">'
    ) in stability
    assert f'<title id="chart-{entry.id}-title">Entry 0</title>' in stability
    assert (
        f'<desc id="chart-{entry.id}-desc">First in 68.3% of resamples, in the top 3 in 100%.</desc>'
    ) in stability
    assert 'class="chart__bar chart__bar--first" x="0" y="2" width="68.3"' in stability
    assert "<script" not in stability
    # The exports are linked.
    assert f'href="{_results(world)[: -len("/results")]}/stability.csv"' in page.text
    assert f'href="{_results(world)[: -len("/results")]}/stability.json"' in page.text


async def test_a_clear_winner_is_decided_by_no_single_juror_and_one_prize_makes_k_one(db, make_client):
    world = await _world()
    await _score(world, {0: (90, 50, 10), 1: (85, 55, 30), 2: (80, 70, 20)})
    await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED)
    session = await JurySession.get(id=world.session.id)
    await awards.give_award(
        session=session, challenge_id=world.challenge.id, entry_id=world.entries[0].id, title="First prize"
    )
    organiser = await _as(make_client, ORGANISER)

    text = _text(_section((await organiser.get(_results(world))).text, "stability"))

    assert "The winner, “Entry 0”, is first in 100% of resamples." in text
    assert "No single juror decides the winner: without any one of them, “Entry 0” is still first." in text
    assert "Without any one juror, the first 1 stay the same, in the same order." in text
    assert "Rank Entry First In the top 1 Figure" in text


async def test_fewer_than_two_jurors_leave_nothing_to_resample(db, make_client):
    world = await _world()
    await _score(world, {0: (70, 72, 10)})
    organiser = await _as(make_client, ORGANISER)

    page = await organiser.get(_results(world))

    assert "Fewer than two jurors have submitted sheets: there is nothing to resample yet." in page.text
    assert '<svg class="chart"' not in page.text  # no stability chart (the results' spread figure stays)


async def test_the_calibration_flags_a_severe_juror_for_organisers(db, make_client):
    world = await _world(jurors=4, teams=5)
    base = (80, 70, 60, 50, 40)
    await _score(
        world,
        {
            0: base,
            1: tuple(v + 2 for v in base),
            2: tuple(v - 2 for v in base),
            3: tuple(v - 25 for v in base),  # Juror 3 (D) is far more severe
        },
    )
    organiser = await _as(make_client, ORGANISER)

    page = await organiser.get(_results(world))

    calibration = _section(page.text, "calibration")
    rows = re.findall(r"<tr>(.*?)</tr>", calibration.split("<tbody>", 1)[1], re.S)
    cells = [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]
    assert cells == [
        ["Juror A", "5", "60.00", "14.14", "+8.33", "+0.57", "1.00", "–"],
        ["Juror B", "5", "62.00", "14.14", "+11.00", "+0.79", "1.00", "–"],
        ["Juror C", "5", "58.00", "14.14", "+5.67", "+0.38", "1.00", "–"],
        ["Juror D", "5", "35.00", "14.14", "-25.00", "-12.50", "1.00", "more severe"],
    ]
    # Anonymous, as everywhere on the page: the labels of the explanations, not the names.
    assert not any(juror.name in page.text for juror in world.jurors)
    text = _text(calibration)
    assert (
        "A juror is flagged when their offset is more than 2 standard deviations from the other jurors' "
        "offsets, or their agreement is below 0.3."
    ) in text
    assert (
        "Agreement of the panel (Kendall's W, from 0 to 1): 1.00, over the 5 entries that all 4 jurors "
        "scored." in text
    )
    # Without normalisation, D's severity moves nobody (every juror ranks alike).
    assert "With z-score normalisation, every entry would keep its rank." in text


async def test_the_calibration_shows_what_zscore_normalisation_would_change(db, make_client):
    # The harsh and lenient jurors of tests/domain/test_results.py (one criterion on 0-100 here).
    world = await _world(jurors=2, teams=4)
    await _score(world, {0: (0, 10, 0, 10), 1: (100, 30, 60, 70)})
    organiser = await _as(make_client, ORGANISER)

    page = await organiser.get(_results(world))

    section = page.text[page.text.index('id="normalisation-change"') :]
    assert "What z-score normalisation would change" in section
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1].split("</tbody>", 1)[0], re.S)
    cells = [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]
    assert cells == [
        ["Mobility", "Entry 0", "1", "2"],
        ["Mobility", "Entry 3", "2", "1"],
        ["Mobility", "Entry 2", "3", "4"],
        ["Mobility", "Entry 1", "4", "3"],
    ]


async def test_the_calibration_is_never_shown_outside_the_organisers_results_page(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    organiser = await _as(make_client, ORGANISER)
    assert "Jurors' calibration" in (await organiser.get(_results(world))).text
    await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED)
    await sessions.set_session_status(session=world.session, status=SessionStatus.PUBLISHED)
    juror = await _as(make_client, world.jurors[0].email)
    member = await _as(make_client, world.members[0].email)
    anonymous = make_client()
    slug = world.event.slug
    entry = world.entries[0]

    pages = {
        "public results": await anonymous.get(f"/events/{slug}/results"),
        "public results, signed in": await member.get(f"/events/{slug}/results"),
        "team feedback": await member.get(f"/events/{slug}/entries/{entry.id}/feedback"),
        "juror's explanation": await juror.get(f"{_results(world)}/{entry.id}"),
        "juror's session": await juror.get(f"/events/{slug}/jury/{world.session.id}"),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    for name, page in pages.items():
        assert "calibration" not in page.text.lower(), name
        assert "Kendall" not in page.text, name
        assert "more severe" not in page.text, name
    # The juror's explanation says how stable the entry's place is, by anonymous labels only.
    assert (
        "This entry is first in 68.3% of resamples, and in the top 3 in 100%."
        in pages["juror's explanation"].text
    )
    assert "Juror 2" not in pages["juror's explanation"].text
    # The results page and the exports refuse the juror and the team.
    for client in (juror, member):
        for path in ("/results", "/stability.csv", "/stability.json"):
            url = f"/events/{slug}/manage/juries/{world.session.id}{path}"
            assert (await client.get(url)).status_code == 403, (path, client)


async def test_the_explanation_page_says_how_stable_one_entrys_place_is(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    organiser = await _as(make_client, ORGANISER)
    await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED)
    entry = world.entries[0]

    as_organiser = await organiser.get(f"{_results(world)}/{entry.id}")
    as_juror_c = await (await _as(make_client, world.jurors[2].email)).get(f"{_results(world)}/{entry.id}")

    text = _text(_section(as_organiser.text, "stability-title"))
    assert "This entry is first in 68.3% of resamples, and in the top 3 in 100%." in text
    assert "Without juror C, this entry would be ranked 2 instead of 1." in text
    assert "Without juror A" not in text
    assert f'<title id="chart-{entry.id}-title">Entry 0</title>' in as_organiser.text
    # Nothing about the other entries.
    assert "Entry 1" not in text
    # Juror C reads which line is theirs.
    assert "Without juror C (you), this entry would be ranked 2 instead of 1." in _text(as_juror_c.text)
    third = _text(
        _section((await organiser.get(f"{_results(world)}/{world.entries[2].id}")).text, "stability-title")
    )
    assert "This entry is first in 0% of resamples, and in the top 3 in 100%." in third
    assert "Without any one juror, this entry keeps its rank." in third


async def test_the_stability_figures_are_exported_as_csv_and_json(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    organiser = await _as(make_client, ORGANISER)
    base = _results(world)[: -len("/results")]

    as_csv = await organiser.get(f"{base}/stability.csv")
    as_json = await organiser.get(f"{base}/stability.json")

    assert as_csv.status_code == 200
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="datacity-jury-{world.session.id}-stability.csv"'
    )
    e0, e1, e2 = (entry.id for entry in world.entries)
    assert csv_rows(as_csv) == [
        [
            "challenge",
            "rank",
            "entry_id",
            "entry",
            "scored",
            "p_first",
            "k",
            "p_top_k",
            "resamples",
            "seed",
            "rank_without_A",
            "rank_without_B",
            "rank_without_C",
        ],
        ["Mobility", "1", str(e0), "Entry 0", "True", "0.683", "3", "1.0", "1000", str(SEED), "1", "1", "2"],
        ["Mobility", "2", str(e1), "Entry 1", "True", "0.317", "3", "1.0", "1000", str(SEED), "2", "2", "1"],
        ["Mobility", "3", str(e2), "Entry 2", "True", "0.0", "3", "1.0", "1000", str(SEED), "3", "3", "3"],
    ]
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    data = json.loads(as_json.text)
    assert data["method"] == {
        "resamples": 1000,
        "seed": SEED,
        "resampled": "jurors, with replacement",
        "jurors": ["A", "B", "C"],
    }
    (challenge,) = data["challenges"]
    assert (challenge["challenge"], challenge["k"]) == ("Mobility", 3)
    assert challenge["entries"][0] == {
        "entry_id": e0,
        "entry": "Entry 0",
        "rank": 1,
        "scored": True,
        "p_first": 0.683,
        "p_top_k": 1.0,
        "rank_without": {"A": 1, "B": 1, "C": 2},
    }
    assert challenge["leave_one_out"] == [
        {"juror": "C", "top_k": [e0, e1, e2], "top_k_without": [e1, e0, e2], "winner_changes": True}
    ]
    # Jurors stay anonymous in both.
    assert not any(juror.name in as_csv.text + as_json.text for juror in world.jurors)


async def test_french_sentences(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    organiser = await _as(make_client, ORGANISER)
    await User.filter(email=ORGANISER).update(language="fr")
    organiser = await _as(make_client, ORGANISER)

    section = _section((await organiser.get(_results(world))).text, "stability")

    assert "<li>Le lauréat, «\u00a0Entry 0\u00a0», est premier dans 68,3\u00a0% des tirages.</li>" in section
    assert (
        "<li>Sans le juré C, «\u00a0Entry 0\u00a0» et «\u00a0Entry 1\u00a0» échangent leurs places.</li>"
        in section
    )
    assert "recalculé avec les mêmes règles\u00a0: 1\u202f000 fois (graine 14)." in section


async def test_an_organiser_of_another_event_gets_no_figures(db, make_client):
    world = await _world()
    await _score(world, DECIDED)
    outsider = await make_user("outsider@example.org")
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    await EventRole.create(event=other, user=outsider, role=Role.ORGANISER)
    client = await _as(make_client, outsider.email)
    base = _results(world)[: -len("/results")]
    for path in ("/results", "/stability.csv", "/stability.json"):
        assert (await client.get(base + path)).status_code == 403
    # Another event's session id under this event's slug: 404.
    organiser = await _as(make_client, ORGANISER)
    foreign = await JurySession.create(event=other, round=world.stage, name="Foreign")
    assert (
        await organiser.get(f"/events/{world.event.slug}/manage/juries/{foreign.id}/stability.csv")
    ).status_code == 404
    assert await Entry.filter(event_id=world.event.id).count() == 3
