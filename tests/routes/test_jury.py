"""Juror pages over HTTP: the seat and conflicts, the phone page, saves by form and by JSON, the
window, undo, submit, recusal; then the team's feedback and the public results after publication."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from events.domain import sessions, sheets
from events.models import (
    Assignment,
    AssignmentMode,
    ConflictOfInterest,
    EventRole,
    Role,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    SheetStatus,
    User,
)
from tests.helpers import post_form, sign_in
from tests.jury_world import JuryWorld, open_jury_world

DATA_CSRF_RE = re.compile(r'data-csrf="([^"]+)"')


async def _world(**options) -> JuryWorld:
    """A jury world whose window is open now (real time), with jurors and members who can sign in."""
    return await open_jury_world(**options)


async def _as(make_client, user: User):
    client = make_client()
    await sign_in(client, user.email)
    return client


def _entry_url(world: JuryWorld, entry) -> str:
    return f"/events/{world.event.slug}/jury/{world.session.id}/entries/{entry.id}"


async def _scores(world: JuryWorld, juror: User, entry) -> dict[int, float]:
    return dict(
        await Score.filter(sheet__juror_id=juror.id, sheet__entry_id=entry.id).values_list(
            "criterion_id", "value"
        )
    )


async def test_my_juries_lists_the_session_with_its_progress(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0])

    page = await client.get(f"/events/{world.event.slug}/jury")

    assert page.status_code == 200
    assert "Final jury" in page.text
    assert "0 of 3 scored" in page.text


async def test_member_of_a_team_is_not_a_juror_and_gets_403(db, make_client):
    world = await _world()
    client = await _as(make_client, world.members[0])

    assert (await client.get(f"/events/{world.event.slug}/jury")).status_code == 403


async def test_accepting_the_seat_with_a_conflict_leaves_that_entry_unassigned(db, make_client):
    world = await _world(open_session=False)
    juror = world.jurors[0]
    client = await _as(make_client, juror)
    session_url = f"/events/{world.event.slug}/jury/{world.session.id}"
    page = await client.get(session_url)
    assert page.status_code == 200
    assert "I know or belong to this team: Team 1" in page.text

    response = await post_form(client, session_url, {"team": str(world.teams[1].id)}, page=session_url)

    assert response.status_code == 303
    conflict = await ConflictOfInterest.get(session_id=world.session.id, juror_id=juror.id)
    assert conflict.team_id == world.teams[1].id
    await sessions.set_session_status(session=world.session, status="open")
    assert (await client.get(_entry_url(world, world.entries[1]))).status_code == 404
    assert (await client.get(_entry_url(world, world.entries[0]))).status_code == 200
    listing = await client.get(session_url)
    assert "Entry 0" in listing.text
    assert "Entry 1" not in listing.text


async def test_form_save_stores_the_scores_the_texts_and_the_log(db, make_client):
    world = await _world(grid=((0, 10, 1, 2.0), (1, 5, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    first, second = world.criteria
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)

    response = await post_form(
        client,
        url,
        {
            f"criterion_{first.id}": "7",
            f"criterion_{second.id}": "4",
            "comment": "Clear pitch.",
            "private_note": "ask",
        },
        page=url,
    )

    assert response.status_code == 303
    assert await _scores(world, juror, entry) == {first.id: 7.0, second.id: 4.0}
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    assert (sheet.comment, sheet.private_note, sheet.status) == ("Clear pitch.", "ask", SheetStatus.DRAFT)
    fields = await ScoreLogEntry.filter(sheet_id=sheet.id).order_by("id").values_list("field", "new_value")
    assert list(fields) == [
        ("value", "7.0"),
        ("value", "4.0"),
        ("comment", "Clear pitch."),
        ("private_note", "ask"),
    ]
    page = await client.get(url)
    checked = re.findall(
        r'<input type="radio" name="criterion_(\d+)" value="([^"]+)"[^>]* checked>', page.text
    )
    assert checked == [(str(first.id), "7"), (str(second.id), "4")]


async def test_fields_the_form_does_not_offer_are_ignored(db, make_client):
    world = await _world()
    juror, other, entry = world.jurors[0], world.jurors[1], world.entries[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)

    response = await post_form(
        client,
        url,
        {
            f"criterion_{world.criteria[0].id}": "3",
            "total": "100",
            "status": "submitted",
            "juror_id": str(other.id),
            "juror": str(other.id),
            "session_id": "999",
            "submitted_at": "2020-01-01T00:00:00Z",
        },
        page=url,
    )

    assert response.status_code == 303
    sheet = await ScoreSheet.get(session_id=world.session.id, entry_id=entry.id)
    assert (sheet.juror_id, sheet.status, sheet.submitted_at) == (juror.id, SheetStatus.DRAFT, None)
    assert sheet.total == pytest.approx(30.0)  # 3 on 0-10, computed, not the posted 100
    assert not await ScoreSheet.exists(juror_id=other.id)


async def test_every_score_change_is_logged_without_the_texts(db, make_client, caplog):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    criterion = world.criteria[0]

    with caplog.at_level("INFO", logger="hackcity.jury"):
        await post_form(
            client, url, {f"criterion_{criterion.id}": "4", "comment": "Secret\nforged"}, page=url
        )
        await post_form(
            client, url, {f"criterion_{criterion.id}": "6", "comment": "Secret\nforged"}, page=url
        )

    lines = [
        r.getMessage() for r in caplog.records if r.name == "hackcity.jury" and "changed sheet" in r.message
    ]
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    prefix = f"juror {juror.id} changed sheet {sheet.id} (entry {entry.id}): "
    assert lines == [
        prefix + f"criterion {criterion.id}: None -> 4.0",
        prefix + "comment changed",
        prefix + f"criterion {criterion.id}: 4.0 -> 6.0",
    ]
    assert not any("Secret" in r.getMessage() for r in caplog.records)


async def test_json_autosave_stores_one_field_and_logs_it(db, make_client):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    criterion = world.criteria[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    token = DATA_CSRF_RE.search((await client.get(url)).text).group(1)

    response = await client.post(
        url + "/score",
        json={"field": f"criterion_{criterion.id}", "value": "6"},
        headers={"X-CSRF-Token": token},
    )
    comment = await client.post(
        url + "/score", json={"field": "comment", "value": "Nice"}, headers={"X-CSRF-Token": token}
    )

    assert response.status_code == 200
    assert response.json()["saved"] == f"criterion_{criterion.id}"
    assert comment.status_code == 200
    assert await _scores(world, juror, entry) == {criterion.id: 6.0}
    log = (
        await ScoreLogEntry.filter(juror_id=juror.id)
        .order_by("id")
        .values_list("field", "old_value", "new_value")
    )
    assert list(log) == [("value", None, "6.0"), ("comment", "", "Nice")]


async def test_json_autosave_without_the_csrf_header_is_403_and_saves_nothing(db, make_client):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    client = await _as(make_client, juror)
    await client.get(_entry_url(world, entry))

    response = await client.post(
        _entry_url(world, entry) + "/score", json={"field": f"criterion_{world.criteria[0].id}", "value": 6}
    )

    assert response.status_code == 403
    assert await Score.all().count() == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("NaN", "Enter a number."),
        ("inf", "Enter a number."),
        ("-Infinity", "Enter a number."),
        ("good", "Enter a number."),
        ("11", "Enter a score between 0 and 10."),
        ("-1", "Enter a score between 0 and 10."),
        ("7.5", "Scores go by steps of 1."),
    ],
)
async def test_invalid_values_are_422_with_a_message_and_nothing_is_saved(db, make_client, raw, message):
    world = await _world(grid=((0, 10, 1, 1.0), (0, 10, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    first, second = world.criteria
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    token = DATA_CSRF_RE.search((await client.get(url)).text).group(1)

    form = await post_form(
        client, url, {f"criterion_{first.id}": "5", f"criterion_{second.id}": raw, "comment": "x"}, page=url
    )
    autosave = await client.post(
        url + "/score",
        json={"field": f"criterion_{second.id}", "value": raw},
        headers={"X-CSRF-Token": token},
    )

    assert form.status_code == 422
    assert f'<p class="error" id="f-criterion_{second.id}-error">{message}</p>' in form.text
    assert autosave.status_code == 422
    assert autosave.json() == {"errors": {f"criterion_{second.id}": message}}
    assert await Score.all().count() == 0
    assert await ScoreLogEntry.all().count() == 0


async def test_juror_cannot_open_or_score_an_entry_assigned_to_another_juror(db, make_client):
    world = await _world(teams=2, mode=AssignmentMode.K, k=1)
    first_entries = set(
        await Assignment.filter(juror_id=world.jurors[0].id).values_list("entry_id", flat=True)
    )
    other = next(e for e in world.entries if e.id not in first_entries)
    client = await _as(make_client, world.jurors[0])
    url = _entry_url(world, other)

    page = await client.get(url)
    saved = await post_form(client, url, {f"criterion_{world.criteria[0].id}": "5"})
    undo = await post_form(client, url + "/undo")

    assert (page.status_code, saved.status_code, undo.status_code) == (404, 404, 404)
    assert await Score.all().count() == 0


async def test_a_session_the_user_does_not_sit_on_is_404(db, make_client):
    world = await _world()
    outsider = world.members[0]
    await EventRole.create(event=world.event, user=outsider, role=Role.JUROR)
    client = await _as(make_client, outsider)

    assert (await client.get(f"/events/{world.event.slug}/jury/{world.session.id}")).status_code == 404
    assert (await client.get(_entry_url(world, world.entries[1]))).status_code == 404


async def test_scoring_outside_the_window_is_refused_with_a_message(db, make_client):
    now = datetime.now(UTC)
    world = await _world(opens_at=now - timedelta(hours=2), closes_at=now - timedelta(seconds=1))
    client = await _as(make_client, world.jurors[0])
    url = _entry_url(world, world.entries[0])

    page = await client.get(url)
    response = await post_form(client, url, {f"criterion_{world.criteria[0].id}": "5"}, page=url)

    assert page.status_code == 200
    assert "Scoring is over: the session closed." in page.text
    assert response.status_code == 422
    assert "Scoring is over: the session closed." in response.text
    assert await Score.all().count() == 0


async def test_undo_restores_the_previous_value(db, make_client):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    field = f"criterion_{world.criteria[0].id}"
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    await post_form(client, url, {field: "7"}, page=url)
    await post_form(client, url, {field: "4"}, page=url)

    response = await post_form(client, url + "/undo", page=url)

    assert response.status_code == 303
    assert await _scores(world, juror, entry) == {world.criteria[0].id: 7.0}
    last = await ScoreLogEntry.filter(juror_id=juror.id).order_by("-id").first()
    assert (last.old_value, last.new_value, last.undone_of_id is not None) == ("4.0", "7.0", True)


async def test_submit_marks_the_sheet_submitted_and_counts_in_the_progress(db, make_client):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)

    incomplete = await post_form(client, url, {"action": "submit"}, page=url)
    response = await post_form(
        client, url, {f"criterion_{world.criteria[0].id}": "8", "action": "submit"}, page=url
    )

    assert incomplete.status_code == 422
    assert "Score every criterion before submitting" in incomplete.text
    assert response.status_code == 303
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    assert sheet.status == SheetStatus.SUBMITTED
    assert "1 of 3 scored" in (await client.get(f"/events/{world.event.slug}/jury")).text


async def test_recusal_removes_the_entry_from_the_juror(db, make_client):
    world = await _world()
    juror, entry = world.jurors[0], world.entries[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)

    response = await post_form(client, url + "/recuse", {"reason": "I mentored them"}, page=url)

    assert response.status_code == 303
    conflict = await ConflictOfInterest.get(juror_id=juror.id, team_id=entry.team_id)
    assert (conflict.kind, conflict.reason) == ("recused", "I mentored them")
    assert (await client.get(url)).status_code == 404


async def test_blind_session_hides_the_team_members_names(db, make_client):
    world = await _world()
    await User.filter(id=world.members[0].id).update(opt_in_publish_name=True)
    client = await _as(make_client, world.jurors[0])
    url = _entry_url(world, world.entries[0])
    assert "Member 0" in (await client.get(url)).text

    world.session.blind = True
    await world.session.save(update_fields=["blind"])

    assert "Member 0" not in (await client.get(url)).text


async def test_results_and_feedback_are_hidden_until_publication(db, make_client):
    world = await _world()
    for juror, (first, second) in zip(world.jurors, ((8, 3), (6, 1)), strict=True):
        client = await _as(make_client, juror)
        for entry, value in zip(world.entries[:2], (first, second), strict=True):
            url = _entry_url(world, entry)
            await post_form(
                client,
                url,
                {
                    f"criterion_{world.criteria[0].id}": str(value),
                    "comment": f"From {juror.name}",
                    "action": "submit",
                },
                page=url,
            )
    team = await _as(make_client, world.members[0])
    anonymous = make_client()
    results_url = f"/events/{world.event.slug}/results"
    feedback_url = f"/events/{world.event.slug}/entries/{world.entries[0].id}/feedback"

    event_url = f"/events/{world.event.slug}"
    entries_url = f"/events/{world.event.slug}/team/entries"
    assert (await anonymous.get(results_url)).status_code == 404
    assert f'href="{results_url}"' not in (await anonymous.get(event_url)).text
    assert f'href="{feedback_url}"' not in (await team.get(entries_url)).text
    hidden = await team.get(feedback_url)
    assert hidden.status_code == 200
    assert "No jury has published its results for this entry yet." in hidden.text
    assert "From Juror" not in hidden.text
    await sessions.set_session_status(session=world.session, status="closed")
    assert (await anonymous.get(results_url)).status_code == 404

    await sessions.set_session_status(session=world.session, status="published")

    public = await anonymous.get(results_url)
    assert public.status_code == 200
    assert public.text.index("Entry 0") < public.text.index("Entry 1")
    assert "70" in public.text  # entry 0: (80 + 60) / 2
    feedback = await team.get(feedback_url)
    assert feedback.status_code == 200
    assert "<li>From Juror 0</li>" in feedback.text
    assert "Juror 0" not in feedback.text.replace("<li>From Juror 0</li>", "")  # no name outside the comment
    assert "<td>7</td>" in feedback.text  # C1's average
    other_team = await _as(make_client, world.members[1])
    assert (await other_team.get(feedback_url)).status_code == 404
    # The event page links to the results, the team's entries page to its feedback.
    assert f'<a href="{results_url}">Results</a>' in (await anonymous.get(event_url)).text
    assert f'<a href="{feedback_url}">The jury\'s feedback</a>' in (await team.get(entries_url)).text
    other_entries = (await other_team.get(entries_url)).text
    assert f'href="{feedback_url}"' not in other_entries


async def test_the_scale_is_a_group_of_radio_pills_described_by_its_levels(db, make_client):
    world = await _world(grid=((1, 5, 1, 1.0),))
    criterion = world.criteria[0]
    criterion.levels = [{"value": 1, "label": "Absent"}, {"value": 5, "label": "Central"}]
    await criterion.save(update_fields=["levels"])
    client = await _as(make_client, world.jurors[0])

    page = await client.get(_entry_url(world, world.entries[0]))

    name = f"criterion_{criterion.id}"
    assert f'id="fs-{name}"\n    aria-describedby="d-{name} l-{name}">' in page.text
    assert f'<ul class="levels" id="l-{name}">' in page.text
    assert "<li><strong>1</strong> Absent</li><li><strong>5</strong> Central</li>" in page.text
    pills = re.findall(
        r'<span class="scale__option">\s*<input type="radio" name="([^"]+)" value="([^"]+)"', page.text
    )
    assert pills == [(name, str(value)) for value in range(1, 6)]


# --- a sheet form without some of its fields -------------------------------------------------------
# A field the form does not carry leaves the stored value as it is; a field carried empty clears it.


async def _sheet_with_texts(world: JuryWorld, client, url: str) -> ScoreSheet:
    response = await post_form(
        client,
        url,
        {f"criterion_{world.criteria[0].id}": "6", "comment": "Clear pitch.", "private_note": "ask"},
        page=url,
    )
    assert response.status_code == 303
    return await ScoreSheet.get(session_id=world.session.id, entry_id=world.entries[0].id)


@pytest.mark.parametrize("absent", ["comment", "private_note"])
async def test_a_sheet_form_without_a_text_field_keeps_that_text(db, make_client, absent):
    world = await _world()
    juror = world.jurors[0]
    client = await _as(make_client, juror)
    url = _entry_url(world, world.entries[0])
    sheet = await _sheet_with_texts(world, client, url)
    logged = await ScoreLogEntry.filter(sheet_id=sheet.id).count()
    kept = {"comment": "Clear pitch.", "private_note": "ask"}
    posted = {f"criterion_{world.criteria[0].id}": "8", **{k: f"{v} More." for k, v in kept.items()}}
    del posted[absent]

    response = await post_form(client, url, posted, page=url)

    assert response.status_code == 303
    stored = await ScoreSheet.get(id=sheet.id)
    expected = {name: (text if name == absent else f"{text} More.") for name, text in kept.items()}
    assert {"comment": stored.comment, "private_note": stored.private_note} == expected
    assert await _scores(world, juror, world.entries[0]) == {world.criteria[0].id: 8.0}
    fields = (
        await ScoreLogEntry.filter(sheet_id=sheet.id, id__gt=0).order_by("id").values_list("field", flat=True)
    )
    assert len(fields) == logged + 2
    assert absent not in fields[logged:]


async def test_a_sheet_form_with_only_its_buttons_changes_nothing(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0])
    url = _entry_url(world, world.entries[0])
    sheet = await _sheet_with_texts(world, client, url)
    logged = await ScoreLogEntry.filter(sheet_id=sheet.id).count()

    response = await post_form(client, url, {"action": "save"}, page=url)

    assert response.status_code == 303
    stored = await ScoreSheet.get(id=sheet.id)
    assert (stored.comment, stored.private_note, stored.total) == ("Clear pitch.", "ask", pytest.approx(60.0))
    assert await ScoreLogEntry.filter(sheet_id=sheet.id).count() == logged


async def test_a_text_field_sent_empty_clears_the_text(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0])
    url = _entry_url(world, world.entries[0])
    sheet = await _sheet_with_texts(world, client, url)

    response = await post_form(client, url, {"comment": "", "private_note": "  "}, page=url)

    assert response.status_code == 303
    stored = await ScoreSheet.get(id=sheet.id)
    assert (stored.comment, stored.private_note) == ("", "")
    last = (
        await ScoreLogEntry.filter(sheet_id=sheet.id)
        .order_by("-id")
        .limit(2)
        .values_list("field", "old_value", "new_value")
    )
    assert sorted(last) == [("comment", "Clear pitch.", ""), ("private_note", "ask", "")]


async def test_a_score_field_sent_empty_clears_the_score_of_a_draft(db, make_client):
    world = await _world(grid=((0, 100, 1, 1.0), (0, 10, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    first, second = world.criteria
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    await post_form(client, url, {f"criterion_{first.id}": "55", f"criterion_{second.id}": "4"}, page=url)

    response = await post_form(client, url, {f"criterion_{first.id}": ""}, page=url)

    assert response.status_code == 303
    assert await _scores(world, juror, entry) == {second.id: 4.0}
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    assert sheet.total == pytest.approx(40.0)
    last = await ScoreLogEntry.filter(sheet_id=sheet.id).order_by("-id").first()
    assert (last.field, last.criterion_id, last.old_value, last.new_value) == (
        "value",
        first.id,
        "55.0",
        None,
    )
    assert await sheets.sheet_from_log(sheet) == await sheets.sheet_state(sheet)
    page = await client.get(url)
    assert f'id="f-criterion_{first.id}" name="criterion_{first.id}" type="number"' in page.text
    assert (
        f'name="criterion_{first.id}" type="number" inputmode="decimal" min="0" max="100" step="1" value=""'
        in (page.text)
    )


async def test_a_submitted_sheet_keeps_a_score_for_every_criterion(db, make_client):
    world = await _world(grid=((0, 100, 1, 1.0),))
    juror, entry = world.jurors[0], world.entries[0]
    field = f"criterion_{world.criteria[0].id}"
    client = await _as(make_client, juror)
    url = _entry_url(world, entry)
    await post_form(client, url, {field: "55", "action": "submit"}, page=url)

    response = await post_form(client, url, {field: "", "comment": "Changed"}, page=url)

    assert response.status_code == 422
    assert "A submitted sheet keeps a score for every criterion" in response.text
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    assert (sheet.status, sheet.comment) == (SheetStatus.SUBMITTED, "")
    assert await _scores(world, juror, entry) == {world.criteria[0].id: 55.0}
