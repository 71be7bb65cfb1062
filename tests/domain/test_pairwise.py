"""The pairwise mode on a database: a juror's walk (entries nobody has seen first, then Crowd-BT's
choice), votes, skips, undo as a new log row, conflicts never served, a replayed step refused, the
entry on stage served first, and the ranking frozen when the session closes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.domain import live, pairwise, sessions
from events.domain.errors import FormErrors
from events.models import (
    Comparison,
    ComparisonKind,
    ConflictOfInterest,
    JurySession,
    PairwiseState,
    TeamMember,
)
from tests.jury_world import NOW, make_jury_world

pytestmark = pytest.mark.usefixtures("english")


async def _world(teams: int = 4, jurors: int = 2):
    return await make_jury_world(teams=teams, jurors=jurors, judging="pairwise")


async def _step(world, juror, action):
    state = await PairwiseState.get_or_none(session_id=world.session.id, juror_id=juror.id)
    await pairwise.act(
        session=world.session, juror=juror, action=action, step=state.step if state else 0, now=NOW
    )
    return await PairwiseState.get(session_id=world.session.id, juror_id=juror.id)


async def test_a_pairwise_session_opens_without_a_grid_and_serves_unseen_entries_first(db):
    world = await make_jury_world(teams=4, jurors=2, grid=(), judging="pairwise")
    assert world.session.status == "open"
    first = await _step(world, world.jurors[0], "start")
    # The other juror is shown an entry nobody is looking at yet.
    other = await _step(world, world.jurors[1], "start")
    assert first.current_id == world.entries[0].id
    assert other.current_id == world.entries[1].id
    second = await _step(world, world.jurors[0], "start")
    assert (second.previous_id, second.current_id) == (world.entries[0].id, world.entries[2].id)


async def test_a_vote_is_logged_and_the_next_entry_follows(db):
    world = await _world()
    juror = world.jurors[0]
    await _step(world, juror, "start")
    await _step(world, juror, "start")
    state = await _step(world, juror, "current")  # entry 1 beats entry 0
    vote = await Comparison.get(session_id=world.session.id)
    assert (vote.kind, vote.winner_id, vote.loser_id) == (
        ComparisonKind.VOTE,
        world.entries[1].id,
        world.entries[0].id,
    )
    assert state.previous_id == world.entries[1].id
    assert state.current_id not in (world.entries[0].id, world.entries[1].id)


async def test_undo_appends_a_row_and_restores_the_pair(db):
    world = await _world()
    juror = world.jurors[0]
    for action in ("start", "start", "previous"):
        await _step(world, juror, action)
    state = await _step(world, juror, "undo")
    rows = await Comparison.filter(session_id=world.session.id).order_by("id")
    assert [row.kind for row in rows] == [ComparisonKind.VOTE, ComparisonKind.UNDO]
    assert rows[1].undone_of_id == rows[0].id
    assert (state.previous_id, state.current_id) == (world.entries[0].id, world.entries[1].id)
    assert pairwise.votes(await pairwise.log_rows(world.session.id)) == []
    with pytest.raises(FormErrors):
        await _step(world, juror, "undo")  # nothing left to undo
    assert await Comparison.filter(session_id=world.session.id).count() == 2


async def test_a_replayed_step_records_nothing(db):
    world = await _world()
    juror = world.jurors[0]
    await _step(world, juror, "start")
    state = await _step(world, juror, "start")
    await pairwise.act(session=world.session, juror=juror, action="current", step=state.step, now=NOW)
    with pytest.raises(FormErrors):
        await pairwise.act(session=world.session, juror=juror, action="current", step=state.step, now=NOW)
    assert await Comparison.filter(session_id=world.session.id).count() == 1


async def test_conflicts_and_recusal_are_never_served(db):
    world = await _world(teams=4, jurors=1)
    juror = world.jurors[0]
    await TeamMember.create(team=world.teams[0], event=world.event, user=juror)
    await ConflictOfInterest.create(
        session=world.session, juror=juror, team=world.teams[1], kind="declared", declared_at=NOW
    )
    state = await _step(world, juror, "start")
    assert state.current_id == world.entries[2].id
    state = await _step(world, juror, "recuse")  # "I know this team": team 2
    assert state.current_id == world.entries[3].id
    assert await ConflictOfInterest.exists(
        session_id=world.session.id, juror_id=juror.id, team_id=world.teams[2].id, kind="recused"
    )
    with pytest.raises(FormErrors):
        await _step(world, juror, "start")  # nothing else may be shown to them
    state = await PairwiseState.get(session_id=world.session.id, juror_id=juror.id)
    assert (state.previous_id, state.current_id) == (None, world.entries[3].id)


async def test_a_skip_passes_over_the_current_entry(db):
    world = await _world(teams=4, jurors=1)
    juror = world.jurors[0]
    await _step(world, juror, "start")
    await _step(world, juror, "start")
    state = await _step(world, juror, "skip")
    assert state.previous_id == world.entries[0].id
    assert state.current_id in (world.entries[2].id, world.entries[3].id)
    skip = await Comparison.get(session_id=world.session.id)
    assert (skip.kind, skip.current_id, skip.winner_id) == (ComparisonKind.SKIP, world.entries[1].id, None)


async def test_the_entry_on_stage_is_served_next(db):
    world = await _world(teams=4, jurors=1)
    juror = world.jurors[0]
    await live.build_agenda(session=world.session)
    slots = await live.agenda(world.session)
    on_stage = next(slot for slot in slots if slot.entry_id == world.entries[3].id)
    await live.set_slot_status(slot=on_stage, status="live")
    state = await _step(world, juror, "start")
    assert state.current_id == world.entries[3].id


async def test_closing_freezes_the_ranking_of_the_votes(db):
    world = await _world(teams=3, jurors=2)
    # Both jurors: 2 beats 1 beats 0 (a transitive order).
    for juror in world.jurors:
        state = await _step(world, juror, "start")
        state = await _step(world, juror, "start")
        for _ in range(2):
            entries = state.previous_id, state.current_id
            better = "current" if entries[1] > entries[0] else "previous"
            state = await _step(world, juror, better)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW + timedelta(hours=2))
    session = await JurySession.get(id=world.session.id)
    snapshot = session.results_snapshot
    assert snapshot["mode"] == "pairwise"
    assert snapshot["comparisons"] == 4
    order = [row["entry_id"] for row in snapshot["entries"]]
    assert order == [world.entries[2].id, world.entries[1].id, world.entries[0].id]
    assert all(row["uncertainty"] > 0 for row in snapshot["entries"])
    with pytest.raises(FormErrors):
        await _step(world, world.jurors[0], "undo")


async def test_no_vote_on_a_team_conflicted_since_the_pair_was_shown(db):
    world = await _world(teams=3, jurors=1)
    juror = world.jurors[0]
    await _step(world, juror, "start")
    state = await _step(world, juror, "start")
    await ConflictOfInterest.create(
        session=world.session, juror=juror, team_id=world.teams[1].id, kind="declared", declared_at=NOW
    )
    with pytest.raises(FormErrors):
        await _step(world, juror, "current")
    assert state.current_id == world.entries[1].id
    assert not await Comparison.exists(session_id=world.session.id)
    state = await _step(world, juror, "skip")  # the way on: the next entry
    assert state.current_id == world.entries[2].id
