"""The stage screen's rules: the reveal order (challenges in order, each from its last prize to its
first, the public's prize last), the one reveal transition and its refusals, an award given during
the ceremony, and the sharing link's token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events import i18n
from events.domain import sessions
from events.domain import stage as stage_rules
from events.domain.awards import give_award, remove_award
from events.domain.errors import FormErrors
from events.models import Award, Challenge, ChallengeStatus, JurySession
from tests.jury_world import NOW, add_team_with_entry, make_jury_world

SECRET = "a-secret-key-of-at-least-thirty-two-characters"


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


async def test_awards_are_revealed_challenge_by_challenge_from_the_last_prize_the_public_last(db):
    world = await make_jury_world(teams=2)
    await Challenge.filter(id=world.challenge.id).update(position=2)
    water = await Challenge.create(
        event=world.event, slug="water", title="Water", status=ChallengeStatus.PUBLISHED, position=1
    )
    _team, _member, water_entry = await add_team_with_entry(world.event, world.stage, water, 5)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    session = world.session
    mobility_first = await give_award(
        session=session, challenge_id=world.challenge.id, entry_id=world.entries[0].id, title="First prize"
    )
    public = await give_award(
        session=session, challenge_id=None, entry_id=world.entries[1].id, title="Public prize"
    )
    mobility_second = await give_award(
        session=session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="Second prize"
    )
    water_first = await give_award(
        session=session, challenge_id=water.id, entry_id=water_entry.id, title="First prize"
    )

    order = [award.id for award in await stage_rules.reveal_order(session)]

    assert order == [water_first.id, mobility_second.id, mobility_first.id, public.id]
    revealed = [
        (await stage_rules.move_reveal(session=session, step="next", now=NOW + timedelta(seconds=i))).id
        for i in range(4)
    ]
    assert revealed == order
    state = await stage_rules.stage_state(await JurySession.get(id=session.id))
    assert (state.phase, [award.id for award in state.revealed]) == ("awards", order)
    assert state.latest.id == public.id
    assert [award.id for award in state.earlier] == [mobility_first.id, mobility_second.id, water_first.id]


async def test_back_hides_the_latest_and_an_award_given_meanwhile_waits_its_turn(db):
    world = await make_jury_world(teams=3)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    session = world.session
    first = await give_award(
        session=session, challenge_id=world.challenge.id, entry_id=world.entries[0].id, title="First prize"
    )
    await stage_rules.move_reveal(session=session, step="next", now=NOW)
    second = await give_award(
        session=session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="Second prize"
    )

    # The second prize comes before the first in the order, but the first is already shown.
    nxt = await stage_rules.move_reveal(session=session, step="next", now=NOW + timedelta(seconds=1))
    assert nxt.id == second.id
    state = await stage_rules.stage_state(session)
    assert [award.id for award in state.revealed] == [first.id, second.id]  # in the order shown
    hidden = await stage_rules.move_reveal(session=session, step="back")
    assert hidden.id == second.id
    assert await Award.filter(revealed_at__isnull=False).values_list("id", flat=True) == [first.id]
    await remove_award(session=session, award_id=first.id)
    with pytest.raises(FormErrors) as refused:
        await stage_rules.move_reveal(session=session, step="back")
    assert refused.value.errors == {None: "No award is revealed yet."}


async def test_the_reveal_waits_for_the_session_to_be_locked(db):
    world = await make_jury_world(teams=1)

    with pytest.raises(FormErrors) as refused:
        await stage_rules.move_reveal(session=world.session, step="next")

    assert refused.value.errors == {None: "Awards are revealed once the session is locked."}


async def test_the_link_token_changes_with_the_secret_and_compares_whole(db):
    world = await make_jury_world(teams=1)
    token = stage_rules.stage_token(world.session, secret_key=SECRET)

    assert len(token) == stage_rules.TOKEN_LENGTH
    assert stage_rules.token_matches(world.session, token, secret_key=SECRET)
    assert not stage_rules.token_matches(world.session, token, secret_key=SECRET + "x")
    assert not stage_rules.token_matches(world.session, token.upper(), secret_key=SECRET)
    assert not stage_rules.token_matches(world.session, None, secret_key=SECRET)
    await stage_rules.rotate_stage_link(session=world.session)
    assert not stage_rules.token_matches(world.session, token, secret_key=SECRET)
    stored = await JurySession.get(id=world.session.id)
    assert stage_rules.token_matches(
        stored, stage_rules.stage_token(world.session, secret_key=SECRET), secret_key=SECRET
    )
