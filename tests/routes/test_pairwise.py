"""The pairwise juror's page over HTTP: the walk from the first entry to a vote, skip, "I know this
team", undo, a form sent twice, a conflict never shown, a rubric session's 404, the page in French;
the organiser's form creating a pairwise session and its results with the exports."""

from __future__ import annotations

import json
import re

from events.domain import seats, sessions
from events.models import (
    Comparison,
    ComparisonKind,
    ConflictOfInterest,
    JudgingMode,
    JurySession,
    PairwiseState,
    Round,
    User,
)
from tests.helpers import csv_rows, post_form, sign_in
from tests.jury_world import JuryWorld, open_jury_world

STEP_RE = re.compile(r'name="step" value="(\d+)"')


async def _world(**options) -> JuryWorld:
    options.setdefault("judging", "pairwise")
    options.setdefault("teams", 4)
    return await open_jury_world(**options)


async def _as(make_client, user: User):
    client = make_client()
    await sign_in(client, user.email)
    return client


def _url(world: JuryWorld) -> str:
    return f"/events/{world.event.slug}/jury/{world.session.id}/pairwise"


async def _press(client, world: JuryWorld, action: str):
    """Read the page's step, then press a button of its form."""
    page = await client.get(_url(world))
    step = STEP_RE.search(page.text).group(1)
    return await post_form(client, _url(world), {"action": action, "step": step}, page=_url(world))


async def _state(world: JuryWorld, juror: User) -> PairwiseState:
    return await PairwiseState.get(session_id=world.session.id, juror_id=juror.id)


async def test_a_juror_walks_votes_and_undoes(db, make_client):
    world = await _world()
    juror = world.jurors[0]
    client = await _as(make_client, juror)

    page = await client.get(_url(world))
    assert page.status_code == 200
    assert "Show me the first entry" in page.text
    assert (await _press(client, world, "start")).status_code == 303
    page = await client.get(_url(world))
    assert "Now: Entry 0" in page.text and "Next entry" in page.text
    await _press(client, world, "start")
    page = await client.get(_url(world))
    assert "Which is better?" in page.text
    assert "Before: Entry 0 (Team 0)" in page.text
    assert "Now: Entry 1 (Team 1)" in page.text  # nobody has seen it: ties go to the lower id

    response = await _press(client, world, "current")
    assert response.status_code == 303
    vote = await Comparison.get(session_id=world.session.id)
    assert (vote.kind, vote.winner_id, vote.loser_id) == (
        ComparisonKind.VOTE,
        world.entries[1].id,
        world.entries[0].id,
    )
    page = await client.get(_url(world))
    assert "Your comparison is recorded." in page.text
    assert "1 comparison recorded" in page.text

    await _press(client, world, "undo")
    rows = await Comparison.filter(session_id=world.session.id).order_by("id")
    assert [row.kind for row in rows] == [ComparisonKind.VOTE, ComparisonKind.UNDO]
    state = await _state(world, juror)
    assert (state.previous_id, state.current_id) == (world.entries[0].id, world.entries[1].id)
    page = await client.get(_url(world))
    assert "0 comparisons recorded" in page.text


async def test_a_form_sent_twice_records_once(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0])
    await _press(client, world, "start")
    await _press(client, world, "start")
    page = await client.get(_url(world))
    step = STEP_RE.search(page.text).group(1)

    first = await post_form(client, _url(world), {"action": "previous", "step": step}, page=_url(world))
    again = await post_form(client, _url(world), {"action": "previous", "step": step}, page=_url(world))

    assert first.status_code == 303
    assert again.status_code == 422
    assert "This form was already sent" in again.text
    assert await Comparison.filter(session_id=world.session.id).count() == 1


async def test_bad_input_is_refused_in_the_page(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0])
    response = await post_form(client, _url(world), {"action": "nonsense", "step": "x"}, page=_url(world))
    assert response.status_code == 422
    assert "Choose one of the buttons." in response.text
    assert not await PairwiseState.exists(session_id=world.session.id)


async def test_i_know_this_team_records_a_conflict_and_moves_on(db, make_client):
    world = await _world(jurors=1)
    juror = world.jurors[0]
    client = await _as(make_client, juror)
    await _press(client, world, "start")

    await _press(client, world, "recuse")

    assert await ConflictOfInterest.exists(
        session_id=world.session.id, juror_id=juror.id, team_id=world.teams[0].id, kind="recused"
    )
    state = await _state(world, juror)
    assert state.current_id == world.entries[1].id
    page = await client.get(_url(world))
    assert "this team will not be shown to you again" in page.text
    assert "Entry 0" not in page.text


async def test_a_conflicted_team_is_never_shown(db, make_client):
    world = await _world(jurors=1, teams=3)
    juror = world.jurors[0]
    for team in world.teams[:2]:
        await ConflictOfInterest.create(
            session=world.session,
            juror=juror,
            team=team,
            kind="declared",
            declared_at=world.session.created_at,
        )
    client = await _as(make_client, juror)
    await _press(client, world, "start")
    assert (await _state(world, juror)).current_id == world.entries[2].id
    response = await _press(client, world, "start")
    assert response.status_code == 422
    assert "There is no other entry to show you." in response.text


async def test_only_seated_jurors_of_a_pairwise_session_reach_the_page(db, make_client):
    world = await _world()
    member = await _as(make_client, world.members[0])
    assert (await member.get(_url(world))).status_code == 404
    rubric = await sessions.create_session(stage=world.stage, name="Rubric jury")
    await seats.add_juror(session=rubric, user=world.jurors[0])
    juror = await _as(make_client, world.jurors[0])
    assert (await juror.get(_url(world))).status_code == 200
    rubric_url = f"/events/{world.event.slug}/jury/{rubric.id}/pairwise"
    assert (await juror.get(rubric_url)).status_code == 404


async def test_the_page_in_french(db, make_client):
    world = await _world()
    await User.filter(id=world.jurors[0].id).update(language="fr")
    client = await _as(make_client, world.jurors[0])
    await _press(client, world, "start")
    await _press(client, world, "start")
    page = await client.get(_url(world))
    assert "Laquelle est la meilleure\u00a0?" in page.text
    assert "Je connais cette équipe" in page.text


async def test_the_organiser_creates_a_pairwise_session_and_reads_its_ranking(db, make_client):
    world = await _world(organiser=("orga@example.org", "Orga"))
    stage = await Round.get(id=world.stage.id)
    client = make_client()
    await sign_in(client, "orga@example.org")
    new = f"/events/{world.event.slug}/manage/juries/new"
    response = await post_form(
        client,
        new,
        {
            "name": "Prix des mentors",
            "round": str(stage.id),
            "mode": "pairwise",
            "assignment_mode": "all",
            "k": "3",
            "normalisation": "none",
        },
        page=new,
    )
    assert response.status_code == 303, response.text
    created = await JurySession.get(name="Prix des mentors")
    assert created.mode == JudgingMode.PAIRWISE
    refused = await post_form(
        client,
        new,
        {"name": "X", "round": str(stage.id), "mode": "chess", "assignment_mode": "all"},
        page=new,
    )
    assert refused.status_code == 422 and "Choose a judging mode." in refused.text

    for juror in world.jurors:
        juror_client = await _as(make_client, juror)
        for action in ("start", "start", "current", "current"):
            await _press(juror_client, world, action)
    await sessions.set_session_status(session=world.session, status="closed")
    base = f"/events/{world.event.slug}/manage/juries/{world.session.id}"
    page = await client.get(base + "/results")
    assert page.status_code == 200
    assert "Crowd-BT" in page.text
    assert "4 comparisons" in page.text
    ranking = json.loads((await client.get(base + "/comparisons.json")).text)
    assert [row["kind"] for row in ranking["comparisons"]] == ["vote"] * 4
    rows = csv_rows(await client.get(base + "/comparisons.csv"))
    assert rows[0][:4] == ["id", "juror", "juror_email", "kind"]
    assert len(rows) == 5
    session_page = await client.get(base)
    assert "pairwise: jurors compare entries two by two" in session_page.text
    explained = await client.get(f"{base}/results/{world.entries[0].id}")
    assert explained.status_code == 200
    assert "Its comparisons" in explained.text and "Against" in explained.text
    assert "of resamples" in explained.text
    results = json.loads((await client.get(base + "/results.json")).text)
    assert results["entries"][0]["uncertainty"] > 0
