"""Awards: given only once the session is closed, to entries of its results; titles checked and
unique per challenge (the public prize too); the ranking's and the vote's suggestions; what the
public results read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events import i18n
from events.domain import sessions
from events.domain.awards import award_board, give_award, published_awards, remove_award
from events.domain.errors import FormErrors
from events.domain.public_vote import cast_vote
from events.domain.results import compute_results
from events.models import Award, Challenge, ChallengeStatus, Entry, EntryStatus, JurySession, User
from tests.jury_world import NOW, JuryWorld, make_jury_world, score


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


async def _scored_world(*, close: bool = True, public_vote: bool = False) -> JuryWorld:
    """Four entries scored 4, 9, 6, 9 by both jurors: ranking e1, e3 (tie broken by id), e2, e0."""
    world = await make_jury_world(teams=4, jurors=2)
    if public_vote:
        await JurySession.filter(id=world.session.id).update(public_vote=True)
        world.session.public_vote = True
    for entry, value in zip(world.entries, (4, 9, 6, 9), strict=True):
        for juror in world.jurors:
            await score(world, juror, entry, value)
    if close:
        await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    return world


async def _refusal(**arguments) -> dict:
    with pytest.raises(FormErrors) as refused:
        await give_award(**arguments)
    return refused.value.errors


async def test_awards_are_refused_while_the_session_is_open(db):
    world = await _scored_world(close=False)

    errors = await _refusal(
        session=world.session,
        challenge_id=world.challenge.id,
        entry_id=world.entries[1].id,
        title="First prize",
    )

    assert errors == {None: "Awards are given once the session is closed."}
    assert await Award.all().count() == 0


async def test_closed_session_gives_an_award_to_an_entry_of_the_challenge(db):
    world = await _scored_world()

    award = await give_award(
        session=world.session,
        challenge_id=world.challenge.id,
        entry_id=world.entries[1].id,
        title="  First   prize ",
    )

    stored = await Award.get(id=award.id)
    assert (stored.session_id, stored.challenge_id, stored.entry_id, stored.title, stored.position) == (
        world.session.id,
        world.challenge.id,
        world.entries[1].id,
        "First prize",
        1,
    )
    second = await give_award(
        session=world.session,
        challenge_id=world.challenge.id,
        entry_id=world.entries[3].id,
        title="Second prize",
    )
    assert second.position == 2


async def test_published_session_still_takes_awards(db):
    world = await _scored_world()
    await sessions.set_session_status(session=world.session, status="published", now=NOW)

    first = await give_award(
        session=world.session, challenge_id=None, entry_id=world.entries[0].id, title="Mention"
    )
    second = await give_award(
        session=world.session, challenge_id=None, entry_id=world.entries[1].id, title="Other"
    )

    assert (first.position, second.position) == (1, 2)
    assert await Award.filter(session_id=world.session.id, challenge_id__isnull=True).count() == 2


async def test_entry_outside_the_results_of_the_challenge_is_refused(db):
    world = await _scored_world()
    other_challenge = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    late = await Entry.create(
        event=world.event,
        team=world.teams[0],
        round=world.stage,
        challenge=other_challenge,
        title="Late",
        status=EntryStatus.SUBMITTED,
    )

    # An entry submitted after the snapshot, an entry of another challenge, an unknown entry.
    for challenge_id, entry_id in (
        (other_challenge.id, late.id),
        (other_challenge.id, world.entries[1].id),
        (world.challenge.id, late.id),
        (world.challenge.id, 999_999),
        (None, late.id),
    ):
        errors = await _refusal(
            session=world.session, challenge_id=challenge_id, entry_id=entry_id, title="First prize"
        )
        assert errors == {"entry": "Choose an entry of this session's results."}
    assert await Award.all().count() == 0


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
async def test_title_must_have_1_to_200_characters(db, title):
    world = await _scored_world()

    errors = await _refusal(
        session=world.session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title=title
    )

    assert errors == {"title": "Enter a title of at most 200 characters."}


async def test_title_of_200_characters_is_accepted(db):
    world = await _scored_world()

    award = await give_award(
        session=world.session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="x" * 200
    )

    assert len(award.title) == 200


@pytest.mark.parametrize("public", [False, True])
async def test_same_title_twice_is_refused_with_a_clear_message(db, public):
    world = await _scored_world()
    challenge_id = None if public else world.challenge.id
    await give_award(
        session=world.session, challenge_id=challenge_id, entry_id=world.entries[1].id, title="Prize"
    )

    errors = await _refusal(
        session=world.session, challenge_id=challenge_id, entry_id=world.entries[3].id, title="Prize"
    )

    assert errors == {"title": "This prize has already been given: choose another title."}
    assert await Award.all().count() == 1


async def test_remove_award_deletes_it_once_and_only_in_its_session(db):
    world = await _scored_world()
    award = await give_award(
        session=world.session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="Prize"
    )
    other = await JurySession.create(event=world.event, round=world.stage, name="Other", status="closed")

    assert await remove_award(session=other, award_id=award.id) is False
    assert await Award.exists(id=award.id)
    assert await remove_award(session=world.session, award_id=award.id) is True
    assert await remove_award(session=world.session, award_id=award.id) is False
    assert not await Award.exists(id=award.id)


async def test_suggestion_is_the_top_of_the_ranking_with_the_prizes_text(db):
    world = await _scored_world()
    await Challenge.filter(id=world.challenge.id).update(prizes="**1 000 €** for the winner")
    ranking = [row["entry_id"] for row in (await compute_results(session=world.session))["entries"]]

    board = await award_board(world.session)

    assert board.open_for_awards and board.frozen
    [item] = board.challenges
    assert item.challenge.prizes == "**1 000 €** for the winner"
    assert [row.entry.id for row in item.ranking] == ranking
    assert [row.entry.id for row in item.suggested] == ranking[:3]
    _e0, e1, e2, e3 = world.entries
    assert [(row.rank, row.entry.id) for row in item.suggested] == [(1, e1.id), (2, e3.id), (3, e2.id)]
    assert item.next_title == "First prize"
    assert board.public is None


async def test_public_prize_suggests_the_entry_with_the_most_votes(db):
    world = await _scored_world(close=False, public_vote=True)
    e0, _e1, e2, _e3 = world.entries
    for index, entry in enumerate([e0, e2, e0]):
        voter = await User.create(
            email=f"v{index}@example.org", name="V", password_hash="!", email_verified_at=datetime.now(UTC)
        )
        await cast_vote(session=world.session, user=voter, entry_id=entry.id, now=NOW)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    board = await award_board(world.session)

    assert board.public is not None
    assert [(row.rank, row.entry.id, row.votes) for row in board.public.tally] == [
        (1, e0.id, 2),
        (2, e2.id, 1),
    ]
    assert board.public.suggested.entry.id == e0.id
    assert board.public.total_votes == 3
    assert board.public.next_title == "Public prize"


async def test_published_awards_come_only_from_published_sessions(db):
    world = await _scored_world(public_vote=True)
    await give_award(
        session=world.session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="P1"
    )
    await give_award(
        session=world.session, challenge_id=None, entry_id=world.entries[0].id, title="Public prize"
    )

    assert await published_awards([world.session]) == {}

    await sessions.set_session_status(session=world.session, status="published", now=NOW)
    shown = (await published_awards([world.session]))[world.session.id]
    assert [(a.title, a.entry.title, a.entry.team.name) for a in shown.by_challenge[world.challenge.id]] == [
        ("P1", "Entry 1", "Team 1")
    ]
    assert [a.title for a in shown.public] == ["Public prize"]
    assert shown.votes == {}
