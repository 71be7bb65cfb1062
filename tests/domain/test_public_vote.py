"""The public vote: who may vote for what and when, one vote per account (parallel votes included),
and the tally counted by the database with its tie-break."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from events import i18n
from events.domain import sessions
from events.domain.errors import FormErrors
from events.domain.public_vote import cast_vote, open_votes, public_winner, tally, vote_counts
from events.models import (
    Entry,
    EntryStatus,
    JurySession,
    PublicVote,
    User,
)
from tests.jury_world import NOW, JuryWorld, entry_of_another_event, make_jury_world


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


async def _world(**options) -> JuryWorld:
    world = await make_jury_world(**options)
    await JurySession.filter(id=world.session.id).update(public_vote=True)
    world.session.public_vote = True
    return world


async def _voter(name: str = "voter", *, verified: bool = True) -> User:
    return await User.create(
        email=f"{name}@example.org",
        name=name,
        password_hash="!",
        email_verified_at=datetime.now(UTC) if verified else None,
    )


async def _refusal(world: JuryWorld, user: User, entry_id: int, now: datetime = NOW) -> dict:
    with pytest.raises(FormErrors) as refused:
        await cast_vote(session=world.session, user=user, entry_id=entry_id, now=now)
    return refused.value.errors


async def test_verified_account_votes_and_the_tally_counts_it(db):
    world = await _world()
    voter = await _voter()

    vote = await cast_vote(session=world.session, user=voter, entry_id=world.entries[1].id, now=NOW)

    assert (vote.session_id, vote.user_id, vote.entry_id) == (world.session.id, voter.id, world.entries[1].id)
    assert await vote_counts(world.session) == {world.entries[1].id: 1}


async def test_unverified_account_is_refused(db):
    world = await _world()
    voter = await _voter(verified=False)

    errors = await _refusal(world, voter, world.entries[0].id)

    assert errors == {
        None: "Confirm your email address before you vote: we sent you a link when you signed up."
    }
    assert await PublicVote.all().count() == 0


async def test_second_vote_is_refused_and_the_first_stands(db):
    world = await _world()
    voter = await _voter()
    await cast_vote(session=world.session, user=voter, entry_id=world.entries[0].id, now=NOW)

    errors = await _refusal(world, voter, world.entries[1].id)

    assert errors == {None: "You have already voted in this session: a vote cannot be changed."}
    assert await PublicVote.all().values_list("entry_id", flat=True) == [world.entries[0].id]


async def test_vote_for_ones_own_team_is_refused(db):
    world = await _world()
    member = world.members[2]
    await User.filter(id=member.id).update(email_verified_at=datetime.now(UTC))
    await member.refresh_from_db()

    errors = await _refusal(world, member, world.entries[2].id)

    assert errors == {"entry": "You cannot vote for your own team."}
    assert await PublicVote.all().count() == 0
    # Another team's entry is fine.
    await cast_vote(session=world.session, user=member, entry_id=world.entries[0].id, now=NOW)
    assert await vote_counts(world.session) == {world.entries[0].id: 1}


async def test_juror_of_the_session_is_refused(db):
    """The jury scores the entries: its members do not also vote for the public's prize."""
    world = await _world()
    juror = world.jurors[0]
    await User.filter(id=juror.id).update(email_verified_at=datetime.now(UTC))
    await juror.refresh_from_db()

    errors = await _refusal(world, juror, world.entries[0].id)

    assert errors == {None: "You sit on this jury: the public vote is for everyone else."}
    assert await PublicVote.all().count() == 0


async def test_closed_session_refuses_votes(db):
    world = await _world()
    voter = await _voter()
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    errors = await _refusal(world, voter, world.entries[0].id)

    assert errors == {None: "The public vote is closed."}
    assert await PublicVote.all().count() == 0


async def test_vote_is_refused_outside_the_window_to_the_second(db):
    world = await _world()
    voter = await _voter()
    closes_at = world.session.closes_at
    opens_at = world.session.opens_at

    assert await _refusal(world, voter, world.entries[0].id, now=closes_at) == {
        None: "The public vote is closed."
    }
    assert await _refusal(world, voter, world.entries[0].id, now=opens_at - timedelta(seconds=1)) == {
        None: "The public vote has not opened yet."
    }
    await cast_vote(
        session=world.session, user=voter, entry_id=world.entries[0].id, now=closes_at - timedelta(seconds=1)
    )
    assert await PublicVote.all().count() == 1


async def test_scheduled_session_refuses_votes(db):
    world = await _world(open_session=False)
    voter = await _voter()

    assert await _refusal(world, voter, world.entries[0].id) == {None: "The public vote has not opened yet."}


async def test_session_without_public_vote_refuses_votes(db):
    world = await make_jury_world()
    voter = await _voter()

    assert await _refusal(world, voter, world.entries[0].id) == {
        None: "This jury session has no public vote."
    }
    assert await PublicVote.all().count() == 0


async def test_entry_of_another_event_is_refused(db):
    world = await _world()
    voter = await _voter()
    foreign = await entry_of_another_event()

    errors = await _refusal(world, voter, foreign.id)

    assert errors == {"entry": "Choose an entry of this vote."}
    assert await PublicVote.all().count() == 0


async def test_draft_entry_and_unknown_entry_are_refused(db):
    world = await _world()
    voter = await _voter()
    await Entry.filter(id=world.entries[0].id).update(status=EntryStatus.DRAFT)

    assert await _refusal(world, voter, world.entries[0].id) == {"entry": "Choose an entry of this vote."}
    assert await _refusal(world, voter, 999_999) == {"entry": "Choose an entry of this vote."}


async def test_twenty_parallel_votes_of_one_account_leave_one_row(db):
    world = await _world()
    voter = await _voter()
    choices = [world.entries[index % 3].id for index in range(20)]

    outcomes = await asyncio.gather(
        *(cast_vote(session=world.session, user=voter, entry_id=entry_id, now=NOW) for entry_id in choices),
        return_exceptions=True,
    )

    votes = [outcome for outcome in outcomes if isinstance(outcome, PublicVote)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, FormErrors)]
    assert (len(votes), len(refusals)) == (1, 19)
    assert all(
        r.errors == {None: "You have already voted in this session: a vote cannot be changed."}
        for r in refusals
    )
    stored = await PublicVote.filter(session_id=world.session.id).values_list("user_id", "entry_id")
    assert stored == [(voter.id, votes[0].entry_id)]


async def test_tally_counts_votes_and_breaks_ties_by_who_reached_the_count_first(db):
    world = await _world(teams=4)
    e0, e1, e2, _e3 = world.entries
    # e1 reaches 2 votes before e0 does; e2 has 1; e3 none.
    for index, entry in enumerate([e0, e1, e1, e2, e0]):
        await cast_vote(session=world.session, user=await _voter(f"v{index}"), entry_id=entry.id, now=NOW)

    counted = await tally(world.session)

    assert [(c.entry_id, c.votes) for c in counted] == [(e1.id, 2), (e0.id, 2), (e2.id, 1)]
    assert await public_winner(world.session) == e1.id
    assert await vote_counts(world.session) == {e0.id: 2, e1.id: 2, e2.id: 1}


async def test_open_votes_lists_sessions_whose_vote_is_open_now(db):
    world = await _world(opens_at=datetime.now(UTC) - timedelta(hours=1), closes_at=None)

    assert [s.id for s in await open_votes(world.event)] == [world.session.id]
    await JurySession.filter(id=world.session.id).update(public_vote=False)
    assert await open_votes(world.event) == []


async def test_closing_freezes_the_count_a_vote_deleted_later_changes_nothing(db):
    from events.domain.public_vote import vote_counts_for

    world = await _world(teams=3)
    e0, e1, _e2 = world.entries
    for index, entry in enumerate([e0, e1, e1]):
        await cast_vote(session=world.session, user=await _voter(f"f{index}"), entry_id=entry.id, now=NOW)

    await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    closed = await JurySession.get(id=world.session.id)
    assert closed.results_snapshot["votes"] == [
        [count.entry_id, count.votes, count.last_vote] for count in await tally(closed)
    ]
    # An account removed after the close takes its vote row with it: the frozen count stands.
    removed = await PublicVote.filter(entry_id=e1.id).order_by("id").first()
    await removed.delete()
    assert await PublicVote.filter(session_id=closed.id).count() == 2

    assert await vote_counts(closed) == {e0.id: 1, e1.id: 2}
    assert await public_winner(closed) == e1.id
    assert await vote_counts_for([closed]) == {closed.id: {e0.id: 1, e1.id: 2}}
