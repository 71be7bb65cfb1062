"""The figures drawn as SVG (docs/FIGURES.md): each one an image named by its title and description,
with one bar (or dot) per item whose written value is the database's, and the same numbers in its
data table. Also the tables' scroll regions, the print stylesheet and the jurors' paper score sheets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from events.domain import seats, sheets
from events.models import (
    Challenge,
    ChallengeStatus,
    Criterion,
    Dataset,
    Entry,
    EntryDataset,
    EntryStatus,
    Registration,
    Selection,
)
from tests.helpers import sign_in
from tests.jury_world import JuryWorld, add_team_with_entry, open_jury_world

TAG_RE = re.compile(r"<[^>]+>")
REGION = r'<div class="table-scroll" role="region" aria-labelledby="([^"]+)" tabindex="0">'
ORGANISER = ("organiser@example.org", "Olga Organiser")


def _text(html: str) -> str:
    return " ".join(TAG_RE.sub(" ", html).split())


def figure(page: str, figure_id: str) -> str:
    """The <figure> of that id: its SVG and its data table."""
    match = re.search(rf'<figure class="figure" id="{re.escape(figure_id)}">(.*?)</figure>', page, re.S)
    assert match, f"no figure {figure_id}"
    return match.group(1)


def svg(html: str) -> str:
    return html.split("<svg", 1)[1].split("</svg>", 1)[0]


def accessible_name(html: str, figure_id: str) -> tuple[str, str]:
    """The SVG's title and description, checking that they name and describe it."""
    drawing = svg(html)
    assert 'role="img"' in drawing
    assert f'aria-labelledby="{figure_id}-title"' in drawing
    assert f'aria-describedby="{figure_id}-desc"' in drawing
    title = re.search(rf'<title id="{figure_id}-title">(.*?)</title>', drawing, re.S).group(1)
    desc = re.search(rf'<desc id="{figure_id}-desc">(.*?)</desc>', drawing, re.S).group(1)
    return _text(title), _text(desc)


def shapes(html: str, kind: str) -> int:
    return len(re.findall(rf'class="figure__{kind}"', svg(html)))


def labels_and_values(html: str) -> list[tuple[str, str]]:
    drawing = svg(html)
    labels = [_text(item) for item in re.findall(r'class="figure__label"[^>]*>(.*?)</text>', drawing, re.S)]
    values = [_text(item) for item in re.findall(r'class="figure__value"[^>]*>(.*?)</text>', drawing, re.S)]
    return list(zip(labels, values, strict=True))


def table(html: str) -> list[list[str]]:
    """The data table's rows (header cell first), and a check that it scrolls in a named region."""
    assert '<details class="figure__data">' in html and "<summary>Data table</summary>" in html
    region = re.search(
        r'<div class="table-scroll" role="region" aria-labelledby="([^"]+)" tabindex="0">', html
    )
    assert region and f'<caption id="{region.group(1)}">' in html
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def score_sheet(world: JuryWorld, juror, entry, *values: float) -> None:
    """Values in the order of the grid, then submit (in the session's real window)."""
    for criterion, value in zip(world.criteria, values, strict=True):
        await sheets.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=value
        )
    await sheets.submit_sheet(session=world.session, juror=juror, entry=entry)


async def _organiser(make_client):
    client = make_client()
    await sign_in(client, ORGANISER[0])
    return client


# --- the organiser's dashboard ------------------------------------------------------------------------


async def test_the_dashboard_draws_registrations_the_funnel_challenges_and_reuse(db, make_client):
    world = await open_jury_world(organiser=ORGANISER, teams=3)
    days = [
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
        datetime(2026, 3, 4, 9, tzinfo=UTC),
    ]
    for member, when in zip(world.members, days, strict=True):
        registration = await Registration.create(event=world.event, user=member, rules_accepted_at=when)
        await Registration.filter(id=registration.id).update(created_at=when)
    # A draft entry of another challenge, one entry selected, a dataset used by two entries.
    other = await Challenge.create(
        event=world.event, slug="water", title="Water", status=ChallengeStatus.PUBLISHED
    )
    await Entry.create(
        event=world.event,
        team=world.teams[0],
        round=world.stage,
        challenge=other,
        title="Draft",
        status=EntryStatus.DRAFT,
    )
    await Entry.filter(id=world.entries[0].id).update(selection=Selection.SELECTED)
    bus = await Dataset.create(event=world.event, title="Bus stops")
    trees = await Dataset.create(event=world.event, title="Trees")
    for entry in world.entries[:2]:
        await EntryDataset.create(entry=entry, dataset=bus)
    await EntryDataset.create(entry=world.entries[2], dataset=trees)
    client = await _organiser(make_client)

    page = (await client.get(f"/events/{world.event.slug}/manage")).text

    registrations = figure(page, "figure-registrations")
    title, desc = accessible_name(registrations, "figure-registrations")
    assert title == "Registrations per day"
    assert desc == "3 registrations over 3 days; the busiest day, 2 March 2026, had 2."
    assert shapes(registrations, "bar") == 3  # 2, 3 and 4 March: the empty day is drawn
    assert table(registrations) == [["2 March 2026", "2"], ["3 March 2026", "0"], ["4 March 2026", "1"]]

    funnel = figure(page, "figure-funnel")
    assert accessible_name(funnel, "figure-funnel") == (
        "From registration to selection",
        "3 registrants, 3 teams, 4 entries, 3 submitted, 1 selected.",
    )
    assert shapes(funnel, "bar") == 5
    expected = [
        ("Registrants", "3"),
        ("Teams", "3"),
        ("Entries", "4"),
        ("Submitted entries", "3"),
        ("Selected entries", "1"),
    ]
    assert labels_and_values(funnel) == expected
    assert table(funnel) == [list(item) for item in expected]

    challenges = figure(page, "figure-challenges")
    assert shapes(challenges, "bar") == 2
    assert labels_and_values(challenges) == [("Mobility", "3"), ("Water", "1")]
    assert table(challenges) == [["Mobility", "3"], ["Water", "1"]]

    reuse = figure(page, "figure-reuse")
    assert accessible_name(reuse, "figure-reuse")[1] == "“Bus stops” is used by the most entries: 2."
    assert labels_and_values(reuse) == [("Bus stops", "2"), ("Trees", "1")]
    assert table(reuse) == [["Bus stops", "2"], ["Trees", "1"]]


async def test_an_empty_event_says_so_instead_of_drawing(db, make_client):
    world = await open_jury_world(organiser=ORGANISER, teams=0, jurors=0, open_session=False)
    await Challenge.filter(event_id=world.event.id).delete()
    client = await _organiser(make_client)

    page = (await client.get(f"/events/{world.event.slug}/manage")).text

    assert "No registration yet." in page and 'id="figure-registrations"' not in page
    assert "No challenge yet." in page and "No entry declares a dataset yet." in page
    funnel = figure(page, "figure-funnel")
    assert labels_and_values(funnel)[0] == ("Registrants", "0")


# --- juries -------------------------------------------------------------------------------------------


async def _scored(**options) -> JuryWorld:
    """Two jurors, three entries, a grid of two criteria; juror 0 scored entries 0 and 1, juror 1 entry 0."""
    world = await open_jury_world(
        organiser=ORGANISER, teams=3, jurors=2, grid=((0, 10, 1, 1.0), (0, 4, 1, 1.0)), **options
    )
    first, second = world.jurors
    await score_sheet(world, first, world.entries[0], 8, 2)  # 65
    await score_sheet(world, second, world.entries[0], 4, 4)  # 70
    await score_sheet(world, first, world.entries[1], 10, 4)  # 100
    return world


async def test_the_session_page_draws_each_jurors_progress(db, make_client):
    world = await _scored()
    client = await _organiser(make_client)

    page = (await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}")).text

    progress = figure(page, "figure-progress")
    assert accessible_name(progress, "figure-progress") == (
        "Jurors' progress",
        "0 of 2 jurors have scored every entry assigned to them; 3 of 6 sheets are submitted.",
    )
    assert shapes(progress, "bar") == 2 and shapes(progress, "reference") == 2
    assert labels_and_values(progress) == [("Juror 0", "2 of 3"), ("Juror 1", "1 of 3")]
    assert table(progress) == [["Juror 0", "2", "3"], ["Juror 1", "1", "3"]]


async def test_the_results_draw_each_score_with_the_spread_of_its_jurors(db, make_client):
    world = await _scored()
    client = await _organiser(make_client)

    page = (await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/results")).text

    spread = figure(page, f"figure-spread-{world.challenge.id}")
    title, desc = accessible_name(spread, f"figure-spread-{world.challenge.id}")
    assert title == "Scores and the spread of the jurors' totals — Mobility"
    assert desc.startswith("2 entries drawn, in ranking order")
    assert shapes(spread, "dot") == 2  # entry 2 has no sheet: not drawn
    assert labels_and_values(spread) == [("Entry 1", "100.00"), ("Entry 0", "67.50")]
    assert table(spread) == [["Entry 1", "100", "100", "100"], ["Entry 0", "67.5", "65", "70"]]
    assert "Only the first" not in desc


async def test_the_explanation_draws_the_entrys_profile_against_its_challenge(db, make_client):
    world = await _scored()
    client = await _organiser(make_client)
    url = f"/events/{world.event.slug}/manage/juries/{world.session.id}/results/{world.entries[0].id}"

    page = (await client.get(url)).text

    profile = figure(page, "figure-profile")
    assert (
        accessible_name(profile, "figure-profile")[0]
        == "Profile of “Entry 0” against the challenge's average"
    )
    assert shapes(profile, "bar") == 2 and shapes(profile, "reference") == 2
    # Entry 0: C1 (8 + 4) / 2 = 6 of 10, C2 (2 + 4) / 2 = 3 of 4. The challenge: C1 (8 + 4 + 10) / 3
    # = 7.33 of 10, C2 (2 + 4 + 4) / 3 = 3.33 of 4.
    assert labels_and_values(profile) == [("C1", "6/10"), ("C2", "3/4")]
    assert table(profile) == [["C1", "60", "73.3"], ["C2", "75", "83.3"]]
    criteria = await Criterion.filter(round_id=world.stage.id).count()
    assert criteria == 2


# --- a dataset's reuse report ---------------------------------------------------------------------------


async def test_the_reuse_report_draws_the_entries_by_challenge(db, make_client):
    world = await open_jury_world(organiser=ORGANISER, teams=2, jurors=0, open_session=False)
    water = await Challenge.create(
        event=world.event, slug="water", title="Water", status=ChallengeStatus.PUBLISHED
    )
    _team, _member, third = await add_team_with_entry(world.event, world.stage, water, 7)
    dataset = await Dataset.create(event=world.event, title="Bus stops")
    for entry in [*world.entries, third]:
        await EntryDataset.create(entry=entry, dataset=dataset, note="Used")
    client = await _organiser(make_client)

    page = (await client.get(f"/events/{world.event.slug}/datasets/{dataset.id}")).text

    reuse = figure(page, "figure-dataset-reuse")
    assert accessible_name(reuse, "figure-dataset-reuse") == (
        "Entries using “Bus stops”, by challenge",
        "The entries that use it answer 2 challenges. “Mobility” has the most: 2.",
    )
    assert shapes(reuse, "bar") == 2
    assert labels_and_values(reuse) == [("Mobility", "2"), ("Water", "1")]
    assert table(reuse) == [["Mobility", "2"], ["Water", "1"]]


# --- tables on phones, print ------------------------------------------------------------------------------


async def test_wide_tables_scroll_in_a_named_focusable_region_and_stay_tables(db, make_client):
    world = await _scored()
    client = await _organiser(make_client)
    css = (await client.get("/static/css/app.css")).text

    page = (await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/results")).text

    regions = re.findall(
        r'<div class="table-scroll" role="region" aria-labelledby="([^"]+)" tabindex="0">', page
    )
    tables = re.findall(r'<table class="table"', page)
    assert len(regions) == len(tables) >= 3
    for label in regions:  # each region is named by an element of the page
        assert page.count(f'id="{label}"') == 1, label
    rule = re.search(r"\.table \{([^}]*)\}", css).group(1)
    assert "display" not in rule  # a table keeps display: table on every screen
    assert ".table-scroll { overflow-x: auto;" in css
    assert ".table-scroll:focus-visible" in css


async def test_the_print_stylesheet_hides_the_chrome_and_breaks_pages_per_sheet(db, make_client):
    client = make_client()
    css = (await client.get("/static/css/app.css")).text
    # the stylesheet's general print block (others, such as the printed cards', are narrower)
    printed = next(
        block for block in css.split("@media print {")[1:] if "color: #000; background: #fff;" in block
    )
    for hidden in (".site-header", ".site-footer", "form", "button", ".button", ".nav-local"):
        assert hidden in printed.split("display: none", 1)[0]
    assert "color: #000; background: #fff;" in printed
    assert ".paper-sheet { break-after: page; page-break-after: always; }" in printed
    assert "break-inside: avoid" in printed


# --- paper score sheets -------------------------------------------------------------------------------


async def test_each_juror_gets_a_paper_sheet_of_their_entries_and_criteria(db, make_client):
    world = await _scored()
    # Juror 1 declared a conflict with team 2 (its entry is no longer assigned to them); a level label.
    await seats.declare_conflicts(session=world.session, juror=world.jurors[1], team_ids=[world.teams[2].id])
    await Criterion.filter(id=world.criteria[1].id).update(
        name="Impact", weight=2.0, levels=[{"value": 0, "label": "None"}, {"value": 4, "label": "Huge"}]
    )
    client = await _organiser(make_client)

    response = await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/paper-sheets")

    assert response.status_code == 200
    page = response.text
    sheets_html = re.findall(r'<section class="paper-sheet"[^>]*>(.*?)</section>', page, re.S)
    assert len(sheets_html) == 2
    first, second = sheets_html
    assert '<h2 id="sheet-1">Score sheet of Juror 0</h2>' in first
    assert "3 entries" in first and "2 entries" in second
    assert re.findall(r"<h3[^>]*>(.*?) <span", first) == ["Entry 0", "Entry 1", "Entry 2"]
    assert re.findall(r"<h3[^>]*>(.*?) <span", second) == ["Entry 0", "Entry 1"]
    assert "Team 0" not in page  # entries by their title only
    assert first.count('class="paper-box"') == 3 * 2  # an empty box per entry and criterion
    rows = [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", first.split("<tbody>", 1)[1].split("</tbody>", 1)[0], re.S)
    ]
    assert rows == [
        ["C1", "1", "0 to 10, step 1", ""],
        ["Impact 0: None · 4: Huge", "2", "0 to 4, step 1", ""],
    ]
    assert (
        "Paper score sheets, one per juror"
        in (await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}")).text
    )


async def test_paper_sheets_before_the_session_opens_and_for_a_juror(db, make_client):
    world = await open_jury_world(organiser=ORGANISER, teams=2, jurors=1, open_session=False)
    client = await _organiser(make_client)
    url = f"/events/{world.event.slug}/manage/juries/{world.session.id}/paper-sheets"

    page = (await client.get(url)).text

    assert "Score sheet of Juror 0" in page
    assert "No entry is assigned to this juror yet: entries are assigned when the session opens." in page
    juror = make_client()
    await sign_in(juror, world.jurors[0].email)
    assert (await juror.get(url)).status_code == 403
