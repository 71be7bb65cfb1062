"""Deliberation over HTTP: once a session is locked, its organisers move entries in the ranking, each
change with a written reason; the log keeps every change, the explanation page shows the reasons, the
awards' suggestion and the published results follow the final ranking and say which places were
decided in deliberation. Nothing moves while the session is open or once it is published."""

from __future__ import annotations

import pytest

from events.domain import deliberation, sessions
from events.models import DeliberationChange, EventRole, JurySession, Role, User
from tests.helpers import make_user, post_form, sign_in
from tests.jury_world import NOW, JuryWorld, entry_of_another_event, make_jury_world, score

REASON = "The jury found its prototype the only one used by real riders."
BADGE = '<span class="badge">decided in deliberation</span>'


async def _world(*, close: bool = True) -> JuryWorld:
    """Entries scored 4, 9, 6 by both jurors: computed ranking e1, e2, e0."""
    world = await make_jury_world(teams=3, jurors=2)
    for entry, value in zip(world.entries, (4, 9, 6), strict=True):
        for juror in world.jurors:
            await score(world, juror, entry, value)
    if close:
        await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    return world


def _url(world: JuryWorld) -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}/deliberation"


async def _move(client, world: JuryWorld, entry_id: int, place, reason: str = REASON):
    return await post_form(
        client, _url(world), {"entry": str(entry_id), "place": str(place), "reason": reason}, page=_url(world)
    )


async def _order(world: JuryWorld) -> list[int]:
    session = await JurySession.get(id=world.session.id)
    return [row["entry_id"] for row in deliberation.final_rows(session.results_snapshot)]


def test_final_rows_replays_the_changes_in_order():
    results = {
        "entries": [
            {"entry_id": n, "challenge_id": 1, "rank": n, "score": 10.0 - n, "tie_broken": False}
            for n in (1, 2, 3)
        ]
        + [{"entry_id": 9, "challenge_id": 2, "rank": 1, "score": 5.0, "tie_broken": True}],
        "deliberation": [
            {"entry_id": 3, "challenge_id": 1, "to": 1},  # 3 1 2
            {"entry_id": 1, "challenge_id": 1, "to": 1},  # 1 3 2
            {"entry_id": 42, "challenge_id": 1, "to": 1},  # not in the ranking: ignored
        ],
    }
    rows = deliberation.final_rows(results)
    assert [(r["entry_id"], r["rank"], r["computed_rank"], r["deliberated"]) for r in rows] == [
        (1, 1, 1, False),
        (3, 2, 3, True),
        (2, 3, 2, True),
        (9, 1, 1, False),
    ]
    assert rows[3]["tie_broken"] is True
    assert results["entries"][2]["rank"] == 3  # the frozen rows are not changed
    assert deliberation.final_rows(None) == []


async def test_organiser_moves_an_entry_with_a_reason_and_everything_follows(make_client):
    world = await _world()
    e0, e1, e2 = world.entries
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")
    assert await _order(world) == [e1.id, e2.id, e0.id]

    response = await _move(organiser, world, e0.id, 1)

    assert response.status_code == 303
    change = await DeliberationChange.get(session_id=world.session.id)
    assert (change.entry_id, change.computed_place, change.from_place, change.to_place) == (e0.id, 3, 3, 1)
    assert change.reason == REASON and change.decided_by_id == (await User.get(email="orga@example.org")).id
    assert await _order(world) == [e0.id, e1.id, e2.id]
    page = await organiser.get(_url(world))
    assert "The entry is now at place 1; the reason is in the log." in page.text
    assert page.text.count(BADGE) == 3  # every place changed
    assert REASON in page.text and "Orga" in page.text

    explain = await organiser.get(
        f"/events/{world.event.slug}/manage/juries/{world.session.id}/results/{e0.id}"
    )
    assert "Final place, decided in deliberation" in explain.text
    assert f"From place 3 to place 1: {REASON}" in explain.text

    board = await organiser.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/awards")
    assert board.text.index(f"Rank 1: {e0.title}") < board.text.index(f"Rank 2: {e1.title}")

    await sessions.set_session_status(session=world.session, status="published", now=NOW)
    public = await make_client().get(f"/events/{world.event.slug}/results")
    assert public.status_code == 200
    assert public.text.index(e0.title) < public.text.index(e1.title) < public.text.index(e2.title)
    assert public.text.count(BADGE) == 3
    assert REASON not in public.text  # the reasons are for the explanation, not the public table

    refused = await _move(organiser, world, e0.id, 2)
    assert refused.status_code == 422
    assert "only while the session is locked, before its results are published" in refused.text
    assert await DeliberationChange.all().count() == 1


@pytest.mark.parametrize(
    ("place", "reason", "message"),
    [
        ("4", REASON, "Enter a place from 1 to 3."),
        ("zero", REASON, "Enter a place from 1 to 3."),
        ("3", REASON, "This entry is already at place 3."),
        ("1", "  too short  ", "in 20 characters at least"),
        ("1", "x" * 2001, "Keep the reason under 2000 characters."),
    ],
)
async def test_a_refused_change_says_why_keeps_what_was_typed_and_changes_nothing(
    make_client, place, reason, message
):
    world = await _world()
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")

    response = await _move(organiser, world, world.entries[0].id, place, reason)

    assert response.status_code == 422
    assert message in response.text
    assert reason.strip()[:50] in response.text
    assert await DeliberationChange.all().count() == 0
    assert "deliberation" not in (await JurySession.get(id=world.session.id)).results_snapshot


async def test_an_entry_of_another_session_cannot_be_moved(make_client):
    world = await _world()
    foreign = await entry_of_another_event()
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")

    response = await _move(organiser, world, foreign.id, 1)

    assert response.status_code == 422
    assert "Choose an entry of the ranking." in response.text
    assert await DeliberationChange.all().count() == 0


async def test_nothing_moves_while_the_session_is_open(make_client):
    world = await _world(close=False)
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")

    page = await organiser.get(_url(world))
    response = await _move(organiser, world, world.entries[0].id, 1)

    assert "Lock the session first" in page.text and 'name="reason"' not in page.text
    assert response.status_code == 422
    assert await DeliberationChange.all().count() == 0


async def test_the_page_and_its_errors_in_french(make_client):
    world = await _world()
    await User.filter(email="orga@example.org").update(language="fr")
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")

    response = await _move(organiser, world, world.entries[0].id, 1, "court")

    assert response.status_code == 422
    assert "Écrivez la raison du jury pour ce changement, en 20 caractères au moins" in response.text
    assert "Déplacer un projet" in response.text


async def test_a_moved_entry_moved_back_is_two_changes_in_the_log(make_client):
    world = await _world()
    e0, e1, e2 = world.entries
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")

    assert (await _move(organiser, world, e0.id, 1)).status_code == 303
    assert (
        await _move(organiser, world, e0.id, 3, "On reflection the computed order stands.")
    ).status_code == 303

    assert await _order(world) == [e1.id, e2.id, e0.id]
    log = await DeliberationChange.filter(session_id=world.session.id).order_by("id")
    assert [(c.from_place, c.to_place) for c in log] == [(3, 1), (1, 3)]
    page = await organiser.get(_url(world))
    assert BADGE not in page.text  # back to the computed order


async def test_the_exports_give_the_final_ranking_with_the_computed_one_and_the_reasons(make_client):
    world = await _world()
    e0, e1, e2 = world.entries
    organiser = make_client()
    await sign_in(organiser, "orga@example.org")
    assert (await _move(organiser, world, e2.id, 1)).status_code == 303
    base = f"/events/{world.event.slug}/manage/juries/{world.session.id}"

    lines = (await organiser.get(base + "/results.csv")).text.splitlines()
    data = (await organiser.get(base + "/results.json")).json()

    assert lines[0].endswith("tie_broken,computed_rank,deliberated")
    assert [line.split(",")[1:3] for line in lines[1:]] == [
        ["1", str(e2.id)],
        ["2", str(e1.id)],
        ["3", str(e0.id)],
    ]
    assert [(e["entry_id"], e["rank"], e["computed_rank"], e["deliberated"]) for e in data["entries"]] == [
        (e2.id, 1, 2, True),
        (e1.id, 2, 1, True),
        (e0.id, 3, 3, False),
    ]
    assert [(c["entry_id"], c["from"], c["to"], c["reason"]) for c in data["deliberation"]] == [
        (e2.id, 2, 1, REASON)
    ]
