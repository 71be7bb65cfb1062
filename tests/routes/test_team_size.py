"""A team's size limit belongs to the rounds it enters: two overlapping rounds, "Sprint" (at most 2)
then "Final" (at most 3), both open now.

A team with an open Sprint entry is limited to 2 whatever way a third person tries to come in (the
invitation link, a join request the captain accepts, an invitation by mail), even in parallel; a
team of three (grown while it had no entry, under the Final's limit) can neither start nor submit a
Sprint entry, and reads why. The team page and the entry page say the rule.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from events import i18n
from events.domain import entries as entry_rules
from events.domain import teams as team_rules
from events.domain.errors import FormErrors
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    EntryStatus,
    Event,
    EventStatus,
    JoinRequest,
    JoinRequestStatus,
    Registration,
    Round,
    Team,
    TeamMember,
    User,
)
from tests.entry_world import ENTRY_FORM, make_user, signed_in
from tests.helpers import csrf_from, post_form

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"
FULL_AT_2 = "This team is full (2 members at most)."
TOO_BIG_FOR_SPRINT = (
    "The round Sprint allows teams of at most 2 members and yours has 3: "
    "the team must be smaller to enter it or submit to it."
)


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


def text_of(response) -> str:
    return html.unescape(response.text)


class World:
    event: Event
    sprint: Round
    final: Round
    challenge: Challenge
    team: Team
    captain: User
    second: User


async def registered(event: Event, email: str, name: str) -> User:
    user = await make_user(email, name=name)
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
    return user


async def overlapping_world() -> World:
    world = World()
    now = datetime.now(UTC)
    world.event = await Event.create(
        slug="overlap",
        title="Overlap",
        status=EventStatus.PUBLISHED,
        registration_opens_at=now - timedelta(days=5),
        registration_closes_at=now + timedelta(days=20),
    )
    world.sprint = await Round.create(
        event=world.event,
        position=1,
        name="Sprint",
        opens_at=now - timedelta(days=2),
        deadline=now + timedelta(days=5),
        team_max=2,
    )
    world.final = await Round.create(
        event=world.event,
        position=2,
        name="Final",
        opens_at=now - timedelta(days=1),
        deadline=now + timedelta(days=10),
        team_max=3,
    )
    world.challenge = await Challenge.create(
        event=world.event, slug="air", title="Air", status=ChallengeStatus.PUBLISHED
    )
    world.captain = await registered(world.event, "cap@example.org", "Captain")
    world.second = await registered(world.event, "second@example.org", "Second")
    world.team = await Team.create(
        event=world.event, name="Duo", name_key="duo", invite_token_hash=secrets.token_hex(32)
    )
    await TeamMember.create(team=world.team, event=world.event, user=world.captain, is_captain=True)
    await TeamMember.create(team=world.team, event=world.event, user=world.second)
    return world


async def sprint_entry(world: World, **fields) -> Entry:
    return await Entry.create(
        event=world.event,
        team=world.team,
        round=world.sprint,
        challenge=world.challenge,
        title="Sprint entry",
        **fields,
    )


def link_path(team: Team) -> str:
    return f"/join/{team_rules.invite_token(team, secret_key=SECRET_KEY)}"


async def members(world: World) -> int:
    return await TeamMember.filter(team_id=world.team.id).count()


# --- joining ---------------------------------------------------------------------------------------


async def test_an_open_entry_in_the_smaller_round_refuses_a_third_member_by_link(db, make_client):
    world = await overlapping_world()
    await sprint_entry(world)
    third = await registered(world.event, "third@example.org", "Third")
    browser = await signed_in(make_client, third)

    response = await post_form(browser, link_path(world.team), page=link_path(world.team))

    assert response.status_code == 422
    assert FULL_AT_2 in text_of(response)
    assert await members(world) == 2


async def test_the_captain_cannot_accept_a_join_request_beyond_the_sprint_limit(db, make_client):
    world = await overlapping_world()
    await sprint_entry(world)
    third = await registered(world.event, "third@example.org", "Third")
    request = await JoinRequest.create(team=world.team, user=third)
    captain = await signed_in(make_client, world.captain)
    url = f"/events/{world.event.slug}/team/requests"

    response = await post_form(
        captain,
        url,
        {"request": str(request.id), "decision": "accept"},
        page=f"/events/{world.event.slug}/team",
    )

    assert response.status_code == 422
    assert FULL_AT_2 in text_of(response)
    assert await members(world) == 2
    assert (await JoinRequest.get(id=request.id)).status == JoinRequestStatus.PENDING


async def test_an_invitation_by_mail_leads_to_the_same_refusal(db, make_client, outbox):
    world = await overlapping_world()
    await sprint_entry(world)
    captain = await signed_in(make_client, world.captain)
    team_page = f"/events/{world.event.slug}/team"
    sent = await post_form(captain, f"{team_page}/invite", {"email": "third@example.org"}, page=team_page)
    assert sent.status_code == 303
    mailed = await outbox()
    link = mailed.link_in(mailed.last_to("third@example.org"), "/join/")
    third = await registered(world.event, "third@example.org", "Third")
    browser = await signed_in(make_client, third)

    response = await post_form(browser, link, page=link)

    assert response.status_code == 422
    assert FULL_AT_2 in text_of(response)
    assert await members(world) == 2


async def test_a_frozen_sprint_entry_no_longer_limits_the_team(db, make_client):
    world = await overlapping_world()
    await sprint_entry(world, status=EntryStatus.SUBMITTED, submitted_at=datetime.now(UTC))
    await Round.filter(id=world.sprint.id).update(deadline=datetime.now(UTC) - timedelta(minutes=1))
    third = await registered(world.event, "third@example.org", "Third")
    browser = await signed_in(make_client, third)

    response = await post_form(browser, link_path(world.team), page=link_path(world.team))

    assert response.status_code == 303
    assert await members(world) == 3


async def test_parallel_joins_with_an_open_sprint_entry_leave_the_team_at_two(db, make_client):
    world = await overlapping_world()
    await TeamMember.filter(team_id=world.team.id, user_id=world.second.id).delete()
    await sprint_entry(world)
    browsers = []
    for index in range(5):
        user = await registered(world.event, f"j{index}@example.org", f"J{index}")
        browsers.append(await signed_in(make_client, user))
    path = link_path(world.team)
    tokens = [await csrf_from(browser, path) for browser in browsers]

    responses = await asyncio.gather(
        *(b.post(path, data={"csrf_token": t}) for b, t in zip(browsers, tokens, strict=True))
    )

    assert sorted(r.status_code for r in responses) == [303, 422, 422, 422, 422]
    assert await members(world) == 2


async def test_a_join_racing_the_start_of_a_sprint_entry_never_ends_over_the_limit(db, make_client):
    world = await overlapping_world()
    third = await registered(world.event, "third@example.org", "Third")
    joiner = await signed_in(make_client, third)
    captain = await signed_in(make_client, world.captain)
    entries_url = f"/events/{world.event.slug}/team/entries"
    join_token = await csrf_from(joiner, link_path(world.team))
    start_token = await csrf_from(captain, entries_url)

    joined, started = await asyncio.gather(
        joiner.post(link_path(world.team), data={"csrf_token": join_token}),
        captain.post(
            entries_url,
            data={
                "csrf_token": start_token,
                "round": str(world.sprint.id),
                "challenge": str(world.challenge.id),
                "title": "Race",
            },
        ),
    )

    assert sorted([joined.status_code, started.status_code]) == [303, 422]
    has_entry = await Entry.exists(team_id=world.team.id, round_id=world.sprint.id)
    assert has_entry == (started.status_code == 303)
    assert await members(world) == (2 if has_entry else 3)


# --- entering and submitting ------------------------------------------------------------------------


async def grow_to_three(world: World) -> User:
    """While it has no entry, the team follows the current round (Final, at most 3)."""
    third = await registered(world.event, "third@example.org", "Third")
    await team_rules.join_by_invite(
        token=team_rules.invite_token(world.team, secret_key=SECRET_KEY), user=third, secret_key=SECRET_KEY
    )
    assert await members(world) == 3
    return third


async def test_a_team_of_three_cannot_start_a_sprint_entry_and_reads_why(db, make_client):
    world = await overlapping_world()
    await grow_to_three(world)
    captain = await signed_in(make_client, world.captain)
    url = f"/events/{world.event.slug}/team/entries"

    page = await captain.get(url)
    response = await post_form(
        captain,
        url,
        {"round": str(world.sprint.id), "challenge": str(world.challenge.id), "title": "X"},
        page=url,
    )
    final = await post_form(
        captain,
        url,
        {"round": str(world.final.id), "challenge": str(world.challenge.id), "title": "Y"},
        page=url,
    )

    assert TOO_BIG_FOR_SPRINT in text_of(page)
    assert response.status_code == 422
    assert TOO_BIG_FOR_SPRINT in text_of(response)
    assert final.status_code == 303
    assert [(e.round_id, e.title) for e in await Entry.filter(team_id=world.team.id)] == [
        (world.final.id, "Y")
    ]


async def test_a_team_over_the_limit_of_its_round_cannot_submit_and_the_entry_page_says_why(db, make_client):
    world = await overlapping_world()
    entry = await sprint_entry(world)
    await Round.filter(id=world.sprint.id).update(team_max=3)  # the organiser allowed 3, for a while
    await grow_to_three(world)
    await Round.filter(id=world.sprint.id).update(team_max=2)  # then went back to 2
    captain = await signed_in(make_client, world.captain)
    edit = f"/events/{world.event.slug}/entries/{entry.id}/edit"

    page = await captain.get(edit)
    response = await post_form(captain, edit, {**ENTRY_FORM, "action": "submit"}, page=edit)

    assert "This round allows teams of at most 2 members. Your team has 3 members." in text_of(page)
    assert TOO_BIG_FOR_SPRINT in text_of(page)
    assert 'value="submit"' not in page.text
    assert response.status_code == 422
    assert TOO_BIG_FOR_SPRINT in text_of(response)
    await entry.refresh_from_db()
    assert (entry.status, entry.submitted_at) == (EntryStatus.DRAFT, None)


async def test_submission_over_the_limit_is_refused_by_the_domain(db):
    world = await overlapping_world()
    entry = await sprint_entry(world)
    await TeamMember.create(
        team=world.team, event=world.event, user=await registered(world.event, "x@example.org", "X")
    )

    with pytest.raises(FormErrors) as refused:
        await entry_rules.set_entry_status(
            entry=entry, event=world.event, status="submitted", user=world.captain
        )

    assert refused.value.errors == {None: TOO_BIG_FOR_SPRINT}


# --- the rule, said --------------------------------------------------------------------------------


async def test_the_team_page_says_where_the_limit_comes_from(db, make_client):
    world = await overlapping_world()
    captain = await signed_in(make_client, world.captain)
    url = f"/events/{world.event.slug}/team"

    before = text_of(await captain.get(url))
    await sprint_entry(world)
    after = text_of(await captain.get(url))

    assert "2 of 3 places taken" in before
    assert "Your team can have at most 3 members: the limit of the current round (Final)." in before
    assert "2 of 2 places taken" in after
    assert (
        "Your team can have at most 2 members: the smallest limit among the rounds where it has an entry "
        "still open (Sprint)." in after
    )


async def test_team_size_limit_follows_open_entries_then_the_current_round(db):
    world = await overlapping_world()
    now = datetime.now(UTC)

    without = await team_rules.team_size_limit(team_id=world.team.id, event=world.event, now=now)
    await Entry.create(
        event=world.event, team=world.team, round=world.final, challenge=world.challenge, title="F"
    )
    with_final = await team_rules.team_size_limit(team_id=world.team.id, event=world.event, now=now)
    await sprint_entry(world)
    with_both = await team_rules.team_size_limit(team_id=world.team.id, event=world.event, now=now)
    after_sprint = await team_rules.team_size_limit(
        team_id=world.team.id, event=world.event, now=now + timedelta(days=6)
    )

    assert (without.limit, [r.name for r in without.rounds], without.from_entries) == (3, ["Final"], False)
    assert (with_final.limit, [r.name for r in with_final.rounds], with_final.from_entries) == (
        3,
        ["Final"],
        True,
    )
    assert (with_both.limit, [r.name for r in with_both.rounds]) == (2, ["Sprint"])
    assert (after_sprint.limit, [r.name for r in after_sprint.rounds]) == (3, ["Final"])
