"""The score log of a jury session for its organisers: every change, filtered by juror and entry,
page by page, as CSV (formulas neutralised, numbers kept numbers), private notes never shown; and
the recount of the results from the log alone against the stored results."""

from __future__ import annotations

import re

import pytest

from events.csv_export import csv_cell
from events.domain import jury, sessions
from events.models import JurySession, Score, ScoreLogEntry, ScoreSheet, User
from tests.helpers import csv_rows, post_form, sign_in
from tests.jury_world import JuryWorld, open_jury_world

ORGANISER = ("olga@example.org", "Olga Organiser")
ROW_RE = re.compile(r'<tr id="change-(\d+)">')


async def _world(**options) -> JuryWorld:
    return await open_jury_world(organiser=ORGANISER, **options)


async def _as(make_client, user: User):
    client = make_client()
    await sign_in(client, user.email)
    return client


async def _organiser(make_client):
    return await _as(make_client, await User.get(email=ORGANISER[0]))


async def score(world: JuryWorld, juror: User, entry, *values: float) -> None:
    """Values in the order of the grid, then submit, at the real time (the window is open now)."""
    for criterion, value in zip(world.criteria, values, strict=True):
        await jury.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=value
        )
    await jury.submit_sheet(session=world.session, juror=juror, entry=entry)


def _url(world: JuryWorld, page: str = "/log") -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}{page}"


def _entry_url(world: JuryWorld, entry) -> str:
    return f"/events/{world.event.slug}/jury/{world.session.id}/entries/{entry.id}"


async def _scored_by_jurors(make_client, world: JuryWorld) -> None:
    """Juror 0 scores entry 0 with a comment and a private note, changes the score, undoes the change;
    juror 1 scores entry 1 and submits."""
    criterion = f"criterion_{world.criteria[0].id}"
    first = await _as(make_client, world.jurors[0])
    url = _entry_url(world, world.entries[0])
    await post_form(
        first, url, {criterion: "7", "comment": "Clear pitch.", "private_note": "My secret doubt"}, page=url
    )
    await post_form(first, url, {criterion: "9"}, page=url)
    await post_form(first, url + "/undo", page=url)
    second = await _as(make_client, world.jurors[1])
    url = _entry_url(world, world.entries[1])
    await post_form(second, url, {criterion: "4", "action": "submit"}, page=url)


async def test_the_organiser_reads_every_change_without_private_notes(db, make_client):
    world = await _world()
    await _scored_by_jurors(make_client, world)
    organiser = await _organiser(make_client)

    page = await organiser.get(_url(world))

    assert page.status_code == 200
    logged = (
        await ScoreLogEntry.filter(sheet__session_id=world.session.id)
        .order_by("id")
        .values_list("id", "field", "undone_of_id")
    )
    assert len(logged) == 7  # 7, comment, note, 9, undo (9 -> 7); 4, submitted
    assert [int(found) for found in ROW_RE.findall(page.text)] == [row[0] for row in logged]
    assert "My secret doubt" not in page.text
    assert page.text.count("changed (the text is the juror's own)") == 1
    assert "Clear pitch." in page.text
    undo_id, undone = next((row[0], row[2]) for row in logged if row[2] is not None)
    row = page.text.split(f'<tr id="change-{undo_id}">', 1)[1].split("</tr>", 1)[0]
    assert f"undoes #{undone}" in row
    assert re.findall(r"<td>([^<]*)</td>", row)[-2:] == ["9", "7"]  # before, after
    assert "Juror 0" in page.text and "Juror 1" in page.text
    assert "Entry 0" in page.text and "Team 1" in page.text


async def test_the_session_page_links_to_the_log_and_the_log_to_the_recount(db, make_client):
    world = await _world()
    organiser = await _organiser(make_client)

    session_page = await organiser.get(_url(world, ""))
    log_page = await organiser.get(_url(world))

    assert f'href="{_url(world)}"' in session_page.text
    assert f'href="{_url(world, "/recount")}"' in log_page.text
    assert "No juror has changed a score sheet of this session yet." in log_page.text


async def test_the_log_is_filtered_by_juror_and_entry(db, make_client):
    world = await _world()
    await _scored_by_jurors(make_client, world)
    organiser = await _organiser(make_client)
    juror, entry = world.jurors[1], world.entries[1]

    by_juror = await organiser.get(_url(world), params={"juror": juror.id})
    by_entry = await organiser.get(_url(world), params={"entry": world.entries[0].id})
    both = await organiser.get(_url(world), params={"juror": juror.id, "entry": world.entries[0].id})
    garbage = await organiser.get(_url(world), params={"juror": "abc", "entry": "-1", "page": "x"})

    expected = await ScoreLogEntry.filter(juror_id=juror.id).order_by("id").values_list("id", flat=True)
    assert len(expected) == 2
    assert [int(found) for found in ROW_RE.findall(by_juror.text)] == expected
    assert f'<option value="{juror.id}" selected>' in by_juror.text
    expected = await ScoreLogEntry.filter(sheet__entry_id=world.entries[0].id).order_by("id")
    assert len(expected) == 5
    assert [int(found) for found in ROW_RE.findall(by_entry.text)] == [row.id for row in expected]
    assert ROW_RE.findall(both.text) == []
    assert "No change matches this filter." in both.text
    assert (garbage.status_code, len(ROW_RE.findall(garbage.text))) == (200, 7)
    assert entry.title in by_juror.text


async def test_a_long_log_is_paginated_and_the_pages_keep_the_filter(db, make_client):
    world = await _world()
    juror, entry, criterion = world.jurors[0], world.entries[0], world.criteria[0]
    for index in range(62):
        await jury.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=index % 2 + 3
        )
    await score(world, world.jurors[1], world.entries[1], 5)  # another juror's changes, filtered out
    organiser = await _organiser(make_client)

    first = await organiser.get(_url(world), params={"juror": juror.id})
    second = await organiser.get(_url(world), params={"juror": juror.id, "page": 2})
    beyond = await organiser.get(_url(world), params={"juror": juror.id, "page": 99})

    ids = await ScoreLogEntry.filter(juror_id=juror.id).order_by("id").values_list("id", flat=True)
    assert len(ids) == 62
    assert [int(found) for found in ROW_RE.findall(first.text)] == ids[:50]
    assert [int(found) for found in ROW_RE.findall(second.text)] == ids[50:]
    assert ROW_RE.findall(beyond.text) == ROW_RE.findall(second.text)
    assert "62 changes · page 1 of 2" in first.text
    next_link = f'href="{_url(world)}?juror={juror.id}&amp;page=2" rel="next"'
    assert next_link in first.text
    assert f'href="{_url(world)}?juror={juror.id}&amp;page=1" rel="prev"' in second.text
    assert 'rel="next"' not in second.text


async def test_the_csv_export_holds_the_filtered_log_numbers_as_numbers_and_no_private_note(db, make_client):
    world = await _world(grid=((-5, 5, 0.1, 1.0),))
    juror, entry, criterion = world.jurors[0], world.entries[0], world.criteria[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    await post_form(
        client,
        url,
        {
            f"criterion_{criterion.id}": "-3.4",
            "comment": '=HYPERLINK("http://evil")',
            "private_note": "-secret",
        },
        page=url,
    )
    await post_form(client, url, {f"criterion_{criterion.id}": "2.5"}, page=url)
    await score(world, world.jurors[1], world.entries[1], 1)  # not in the filtered export
    organiser = await _organiser(make_client)

    response = await organiser.get(_url(world, "/log.csv"), params={"juror": juror.id})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{world.event.slug}-jury-{world.session.id}-score-log.csv"'
    )
    rows = csv_rows(response)  # after its BOM
    assert rows[0] == [
        "change_id",
        "at_utc",
        "juror",
        "juror_email",
        "entry_id",
        "entry",
        "team",
        "field",
        "criterion",
        "old",
        "new",
        "undo_of",
    ]
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(row["field"], row["old"], row["new"]) for row in body] == [
        ("value", "", "-3.4"),
        ("comment", "", '\'=HYPERLINK("http://evil")'),
        ("private_note", "", ""),
        ("value", "-3.4", "2.5"),
    ]
    assert {row["juror"] for row in body} == {"Juror 0"}
    assert {(row["entry_id"], row["entry"], row["team"], row["criterion"]) for row in body[:1]} == {
        (str(entry.id), "Entry 0", "Team 0", "C1")
    }
    assert "secret" not in response.text


@pytest.mark.parametrize(
    ("cell", "written"),
    [(-3.4, "-3.4"), (-2, "-2"), (0.5, "0.5"), ("-3.4", "-3.4"), ("-3.4+A1", "'-3.4+A1"), ("=1", "'=1")],
)
def test_a_number_stays_a_number_in_a_csv_cell_and_text_is_neutralised(cell, written):
    assert csv_cell(cell) == written


async def test_a_juror_cannot_read_the_log_or_the_recount(db, make_client):
    world = await _world()
    await _scored_by_jurors(make_client, world)
    juror = await _as(make_client, world.jurors[0])

    answers = [(await juror.get(_url(world, page))).status_code for page in ("/log", "/log.csv", "/recount")]

    assert answers == [403, 403, 403]


async def test_the_organiser_of_a_blind_session_sees_the_names(db, make_client):
    world = await _world()
    await JurySession.filter(id=world.session.id).update(blind=True)
    await _scored_by_jurors(make_client, world)
    organiser = await _organiser(make_client)

    page = await organiser.get(_url(world))

    assert ("Juror 0" in page.text, "Team 0" in page.text) == (True, True)


# --- the recount ---------------------------------------------------------------------------------


async def test_the_recount_of_an_untouched_open_session_equals_the_stored_results(db, make_client):
    world = await _world()
    await _scored_by_jurors(make_client, world)
    await score(world, world.jurors[0], world.entries[0], 8)
    organiser = await _organiser(make_client)

    page = await organiser.get(_url(world, "/recount"))

    assert page.status_code == 200
    assert "The recount gives the same results as the stored results for all 3 entries." in page.text
    assert "compared with the results computed now from the stored scores" in page.text
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">(.*?)<br>.*?</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page.text, re.S
    )
    assert sorted(rows) == [("Entry 0", "80", "80"), ("Entry 1", "40", "40"), ("Entry 2", "–", "–")]
    assert page.text.count("<td>same</td>") == 3


async def test_the_recount_shows_an_entry_whose_stored_scores_were_changed_outside_the_log(db, make_client):
    world = await _world()
    await score(world, world.jurors[0], world.entries[0], 8)
    await score(world, world.jurors[1], world.entries[0], 6)
    await score(world, world.jurors[0], world.entries[1], 5)
    sheet = await ScoreSheet.get(juror_id=world.jurors[1].id, entry_id=world.entries[0].id)
    # A score changed behind the app's back: the log still says 6.
    await Score.filter(sheet_id=sheet.id).update(value=10)
    await jury.refresh_totals(world.session)
    organiser = await _organiser(make_client)

    page = await organiser.get(_url(world, "/recount"))

    assert "The recount differs from the stored results for 1 entry" in page.text
    row = page.text.split("Entry 0<br>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(.*?)</td>", row, re.S)[:3] == ["90", "70", "2, 2"]
    assert "different: raw mean, score" in row
    assert page.text.count("<td>same</td>") == 2


async def test_the_recount_of_a_locked_session_compares_with_the_frozen_results(db, make_client):
    world = await _world()
    await score(world, world.jurors[0], world.entries[0], 8)
    await sessions.set_session_status(session=world.session, status="closed")
    organiser = await _organiser(make_client)

    equal = await organiser.get(_url(world, "/recount"))
    # The log rewritten after the results were frozen: the recount no longer gives them.
    await ScoreLogEntry.filter(field="value").update(new_value="2.0")
    different = await organiser.get(_url(world, "/recount"))

    assert "compared with the results frozen when the session was locked" in equal.text
    assert "The recount gives the same results as the stored results for all 3 entries." in equal.text
    assert "The recount differs from the stored results for 1 entry" in different.text
    row = different.text.split("Entry 0<br>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(.*?)</td>", row, re.S)[:2] == ["80", "20"]


async def test_the_french_log_names_its_first_column_a_change_not_a_gap(db, make_client):
    # "Change" also heads the explanation page's raw-to-normalised difference ("Écart"): the log's
    # column is a numbered change, and reads so in French.
    world = await _world()
    await _scored_by_jurors(make_client, world)
    await User.filter(email=ORGANISER[0]).update(language="fr")
    organiser = await _organiser(make_client)

    page = await organiser.get(_url(world))

    assert page.status_code == 200
    header = page.text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert re.findall(r'<th scope="col">([^<]*)</th>', header)[0] == "N° de modification"
    assert "Écart" not in page.text
