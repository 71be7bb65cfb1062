"""Teams over HTTP: creating (one name per event, even in parallel), joining by link, by request and
within the size limit (even in parallel), invitations by mail, the captain's powers refused to
other members and to other teams, fields not offered, and the public list."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from events.domain import teams as team_rules
from events.models import (
    Challenge,
    ChallengeStatus,
    Event,
    EventStatus,
    JoinRequest,
    JoinRequestStatus,
    Registration,
    Round,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)
from tests.helpers import CHEAP_HASH, csrf_from, post_form, sign_in

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def make_user(email: str, *, name: str | None = None, **fields) -> User:
    return await User.create(
        email=email,
        name=name or email.split("@")[0].title(),
        password_hash=CHEAP_HASH,
        email_verified_at=datetime.now(UTC),
        language="en",
        **fields,
    )


@pytest.fixture
async def event(db) -> Event:
    now = datetime.now(UTC)
    event = await Event.create(
        slug="hack-lyon",
        title="Hack Lyon",
        status=EventStatus.PUBLISHED,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=10),
    )
    await Round.create(event=event, position=1, name="Hackathon", team_min=1, team_max=3)
    return event


async def participant(make_client, event: Event, email: str, **fields) -> tuple[httpx.AsyncClient, User]:
    """A signed-in browser of a user registered to the event."""
    user = await make_user(email, **fields)
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
    browser = make_client()
    await sign_in(browser, email)
    return browser, user


def team_url(event: Event, rest: str = "") -> str:
    return f"/events/{event.slug}/team{rest}"


async def create(browser: httpx.AsyncClient, event: Event, name: str, **extra) -> httpx.Response:
    return await post_form(browser, team_url(event, "/create"), {"name": name, **extra}, page=team_url(event))


async def team_with_captain(make_client, event: Event, name: str = "Les Écureuils"):
    email = f"captain-{team_rules.name_key(name).replace(' ', '-')}@example.org"
    browser, captain = await participant(make_client, event, email, name="Captain")
    response = await create(browser, event, name)
    assert response.status_code == 303, text_of(response)
    team = await Team.get(event_id=event.id, name=name)
    return browser, captain, team


def link_path(team: Team) -> str:
    return f"/join/{team_rules.invite_token(team, secret_key=SECRET_KEY)}"


# --- creating ------------------------------------------------------------------------------------


async def test_registered_user_creates_a_team_and_is_its_captain(make_client, event):
    browser, user = await participant(make_client, event, "ada@example.org")

    response = await create(browser, event, "  Les   Écureuils ", description="Mobility data")

    assert response.status_code == 303
    assert response.headers["location"] == team_url(event)
    team = await Team.get(event_id=event.id)
    assert (team.name, team.name_key, team.description) == ("Les Écureuils", "les ecureuils", "Mobility data")
    member = await TeamMember.get(team_id=team.id)
    assert (member.user_id, member.event_id, member.is_captain) == (user.id, event.id, True)
    page = await browser.get(team_url(event))
    assert "My team: Les Écureuils" in text_of(page)
    assert "You are the captain" in text_of(page)


async def test_unregistered_user_cannot_create_a_team(make_client, event):
    await make_user("solo@example.org")
    browser = make_client()
    await sign_in(browser, "solo@example.org")

    response = await create(browser, event, "Solo")

    assert response.status_code == 422
    assert "Register for the event before you create or join a team." in text_of(response)
    assert await Team.all().count() == 0


async def test_name_is_unique_ignoring_case_and_accents(make_client, event):
    await team_with_captain(make_client, event, "Les Écureuils")
    browser, _user = await participant(make_client, event, "other@example.org")

    response = await create(browser, event, "LES ECUREUILS")

    assert response.status_code == 422
    assert "Another team already uses this name." in text_of(response)
    assert await Team.all().count() == 1


async def test_parallel_creations_with_one_name_end_in_one_team(make_client, event):
    browsers = [(await participant(make_client, event, f"p{i}@example.org"))[0] for i in range(10)]
    tokens = [await csrf_from(b, team_url(event)) for b in browsers]
    names = ["Data Lyon", "data lyon", "DATA LYON", "Dâta Lyon", "Data  Lyon"] * 2

    responses = await asyncio.gather(
        *(
            b.post(team_url(event, "/create"), data={"csrf_token": t, "name": n})
            for b, t, n in zip(browsers, tokens, names, strict=True)
        )
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [422] * 9
    for refused in (r for r in responses if r.status_code == 422):
        assert "Another team already uses this name." in text_of(refused)
    assert await Team.filter(event_id=event.id).count() == 1
    assert await TeamMember.filter(event_id=event.id).count() == 1


async def test_one_team_per_user_per_event(make_client, event):
    browser, _captain, _team = await team_with_captain(make_client, event, "First")

    response = await create(browser, event, "Second")

    assert response.status_code == 422
    assert "You are already in a team of this event." in text_of(response)
    assert await Team.all().count() == 1


async def test_fields_not_offered_are_ignored(make_client, event):
    other_event = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    _b, _c, existing = await team_with_captain(make_client, event, "Existing")
    browser, user = await participant(make_client, event, "sneaky@example.org")

    response = await create(
        browser,
        event,
        "Sneaky",
        is_captain="false",
        team_id=str(existing.id),
        event_id=str(other_event.id),
        invite_token_hash="0" * 64,
        name_key="existing",
    )

    assert response.status_code == 303
    team = await Team.get(name="Sneaky")
    assert team.event_id == event.id
    assert team.name_key == "sneaky"
    assert team.invite_token_hash != "0" * 64
    member = await TeamMember.get(user_id=user.id)
    assert (member.team_id, member.event_id, member.is_captain) == (team.id, event.id, True)


# --- joining ---------------------------------------------------------------------------------------


async def test_join_by_link(make_client, event):
    captain_browser, _captain, team = await team_with_captain(make_client, event)
    page = await captain_browser.get(team_url(event))
    assert "http://testserver" + link_path(team) in text_of(page)
    browser, user = await participant(make_client, event, "bea@example.org")

    shown = await browser.get(link_path(team))
    joined = await post_form(browser, link_path(team), page=link_path(team))

    assert shown.status_code == 200
    assert "Join the team “Les Écureuils”" in text_of(shown)
    assert joined.status_code == 303
    assert joined.headers["location"] == team_url(event)
    assert await TeamMember.exists(team_id=team.id, user_id=user.id, is_captain=False)


async def test_join_link_asks_an_unregistered_user_to_register_first(make_client, event):
    _b, _c, team = await team_with_captain(make_client, event)
    await make_user("late@example.org")
    browser = make_client()
    await sign_in(browser, "late@example.org")

    shown = await browser.get(link_path(team))
    refused = await post_form(browser, link_path(team), page=link_path(team))

    assert f'href="/events/{event.slug}/register?next={link_path(team)}"' in shown.text
    assert refused.status_code == 422
    assert "Register for the event before you create or join a team." in text_of(refused)
    assert await TeamMember.filter(team_id=team.id).count() == 1


async def test_regenerated_link_replaces_the_old_one(make_client, event):
    captain_browser, _c, team = await team_with_captain(make_client, event)
    old = link_path(team)

    response = await post_form(captain_browser, team_url(event, "/link"), page=team_url(event))

    assert response.status_code == 303
    team = await Team.get(id=team.id)
    assert link_path(team) != old
    browser, _user = await participant(make_client, event, "bea@example.org")
    assert (await browser.get(old)).status_code == 404
    assert (await browser.get(link_path(team))).status_code == 200
    assert (await browser.get("/join/not-a-token")).status_code == 404


async def test_parallel_joins_beyond_the_size_limit_leave_one_success_per_free_seat(make_client, event):
    _b, _c, team = await team_with_captain(make_client, event)  # team_max is 3: 2 seats are free
    browsers = [(await participant(make_client, event, f"j{i}@example.org"))[0] for i in range(6)]
    tokens = [await csrf_from(b, link_path(team)) for b in browsers]

    responses = await asyncio.gather(
        *(b.post(link_path(team), data={"csrf_token": t}) for b, t in zip(browsers, tokens, strict=True))
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [303, 303, 422, 422, 422, 422]
    for refused in (r for r in responses if r.status_code == 422):
        assert "This team is full (3 members at most)." in text_of(refused)
    assert await TeamMember.filter(team_id=team.id).count() == 3


async def test_size_limit_comes_from_the_current_round(make_client, event):
    now = datetime.now(UTC)
    await Round.filter(event_id=event.id).update(opens_at=now - timedelta(days=2))
    await Round.create(event=event, position=2, name="Final", team_max=2, opens_at=now - timedelta(hours=1))
    await Round.create(event=event, position=3, name="Later", team_max=9, opens_at=now + timedelta(days=9))
    _b, _c, team = await team_with_captain(make_client, event)
    first, _u1 = await participant(make_client, event, "one@example.org")
    second, _u2 = await participant(make_client, event, "two@example.org")

    assert (await post_form(first, link_path(team), page=link_path(team))).status_code == 303
    refused = await post_form(second, link_path(team), page=link_path(team))

    assert refused.status_code == 422
    assert "This team is full (2 members at most)." in text_of(refused)


async def test_join_request_accepted_by_the_captain(make_client, event):
    captain_browser, _c, team = await team_with_captain(make_client, event)
    browser, user = await participant(make_client, event, "asker@example.org")

    asked = await post_form(
        browser,
        team_url(event, "/ask"),
        {"team": str(team.id), "message": "I know SQL"},
        page=team_url(event),
    )
    assert asked.status_code == 303
    request = await JoinRequest.get(team_id=team.id, user_id=user.id)
    page = await captain_browser.get(team_url(event))
    assert "I know SQL" in text_of(page)

    decided = await post_form(
        captain_browser,
        team_url(event, "/requests"),
        {"request": str(request.id), "decision": "accept"},
        page=team_url(event),
    )

    assert decided.status_code == 303
    assert (await JoinRequest.get(id=request.id)).status == JoinRequestStatus.ACCEPTED
    assert await TeamMember.exists(team_id=team.id, user_id=user.id)


async def test_join_request_refused_by_the_captain(make_client, event):
    captain_browser, _c, team = await team_with_captain(make_client, event)
    browser, user = await participant(make_client, event, "asker@example.org")
    await post_form(browser, team_url(event, "/ask"), {"team": str(team.id)}, page=team_url(event))
    request = await JoinRequest.get(team_id=team.id, user_id=user.id)

    decided = await post_form(
        captain_browser,
        team_url(event, "/requests"),
        {"request": str(request.id), "decision": "refuse"},
        page=team_url(event),
    )

    assert decided.status_code == 303
    assert (await JoinRequest.get(id=request.id)).status == JoinRequestStatus.REFUSED
    assert not await TeamMember.exists(user_id=user.id)


async def test_invitation_by_email_carries_a_link_that_joins(make_client, event, outbox):
    captain_browser, _c, team = await team_with_captain(make_client, event)

    sent = await post_form(
        captain_browser,
        team_url(event, "/invite"),
        {"email": "Friend@Example.org"},
        page=team_url(event),
        headers={"Host": "evil.example"},
    )
    server = await outbox()

    assert sent.status_code == 303
    mail = server.last_to("friend@example.org")
    assert mail["Subject"] == "Captain invites you to the team Les Écureuils"
    link = server.link_in(mail, "/join/")
    assert link == link_path(team)
    friend, user = await participant(make_client, event, "friend@example.org")
    joined = await post_form(friend, link, page=link)
    assert joined.status_code == 303
    assert await TeamMember.exists(team_id=team.id, user_id=user.id)


async def test_invitation_by_email_needs_an_address(make_client, event):
    captain_browser, _c, _team = await team_with_captain(make_client, event)

    response = await post_form(
        captain_browser, team_url(event, "/invite"), {"email": "not an address"}, page=team_url(event)
    )

    assert response.status_code == 422
    assert "Enter an email address like name@example.org." in text_of(response)


# --- the captain's powers --------------------------------------------------------------------------


@pytest.fixture
async def two_teams(make_client, event):
    """Team A (captain + one member) and team B (captain), each member with a browser."""
    a_captain, _ca, team_a = await team_with_captain(make_client, event, "Team A")
    a_member, member_user = await participant(make_client, event, "member-a@example.org")
    assert (await post_form(a_member, link_path(team_a), page=link_path(team_a))).status_code == 303
    b_captain, _cb, team_b = await team_with_captain(make_client, event, "Team B")
    return {
        "a_captain": a_captain,
        "a_member": a_member,
        "b_captain": b_captain,
        "team_a": team_a,
        "team_b": team_b,
        "member_a": await TeamMember.get(user_id=member_user.id),
        "captain_a": await TeamMember.get(team_id=team_a.id, is_captain=True),
    }


@pytest.mark.parametrize(
    ("path", "field"),
    [("/captain", "member"), ("/remove", "member"), ("/requests", "request"), ("/link", None)],
)
async def test_captain_actions_are_refused_to_other_members(event, two_teams, path, field):
    data = {field: str(two_teams["captain_a"].id), "decision": "accept"} if field else {}

    response = await post_form(two_teams["a_member"], team_url(event, path), data, page=team_url(event))

    assert response.status_code == 403
    assert (await TeamMember.get(id=two_teams["captain_a"].id)).is_captain is True


@pytest.mark.parametrize("path", ["/captain", "/remove"])
async def test_captain_of_team_b_cannot_touch_a_member_of_team_a(event, two_teams, path):
    response = await post_form(
        two_teams["b_captain"],
        team_url(event, path),
        {"member": str(two_teams["member_a"].id)},
        page=team_url(event),
    )

    assert response.status_code == 404
    member = await TeamMember.get(id=two_teams["member_a"].id)
    assert (member.team_id, member.is_captain) == (two_teams["team_a"].id, False)


async def test_captain_of_team_b_cannot_answer_a_request_to_team_a(make_client, event, two_teams):
    browser, user = await participant(make_client, event, "asker@example.org")
    await post_form(
        browser, team_url(event, "/ask"), {"team": str(two_teams["team_a"].id)}, page=team_url(event)
    )
    request = await JoinRequest.get(user_id=user.id)

    response = await post_form(
        two_teams["b_captain"],
        team_url(event, "/requests"),
        {"request": str(request.id), "decision": "accept"},
        page=team_url(event),
    )

    assert response.status_code == 404
    assert (await JoinRequest.get(id=request.id)).status == JoinRequestStatus.PENDING
    assert not await TeamMember.exists(user_id=user.id)


async def test_captain_hands_over_then_leaves(event, two_teams):
    captain_a, member_a = two_teams["captain_a"], two_teams["member_a"]

    refused = await post_form(two_teams["a_captain"], team_url(event, "/leave"), page=team_url(event))
    handed = await post_form(
        two_teams["a_captain"],
        team_url(event, "/captain"),
        {"member": str(member_a.id)},
        page=team_url(event),
    )
    left = await post_form(two_teams["a_captain"], team_url(event, "/leave"), page=team_url(event))

    assert refused.status_code == 422
    assert "Hand the captaincy over to another member before you leave." in text_of(refused)
    assert handed.status_code == 303
    assert left.status_code == 303
    assert not await TeamMember.exists(id=captain_a.id)
    assert (await TeamMember.get(id=member_a.id)).is_captain is True


async def test_last_member_leaving_deletes_the_team(event, two_teams):
    browser = two_teams["b_captain"]

    response = await post_form(browser, team_url(event, "/leave"), page=team_url(event))

    assert response.status_code == 303
    assert not await Team.exists(id=two_teams["team_b"].id)
    page = await browser.get(team_url(event))
    assert "You left the team; it had no other member and is deleted." in text_of(page)


async def test_captain_removes_a_member(event, two_teams):
    response = await post_form(
        two_teams["a_captain"],
        team_url(event, "/remove"),
        {"member": str(two_teams["member_a"].id)},
        page=team_url(event),
    )

    assert response.status_code == 303
    assert not await TeamMember.exists(id=two_teams["member_a"].id)


async def test_action_without_a_team_sends_back_to_the_team_page(make_client, event):
    browser, _user = await participant(make_client, event, "loner@example.org")

    response = await post_form(browser, team_url(event, "/leave"), page=team_url(event))

    assert response.status_code == 303
    assert response.headers["location"] == team_url(event)
    assert "You are not in a team of this event." in text_of(await browser.get(team_url(event)))


# --- challenges and the public list ----------------------------------------------------------------


async def _challenge(event: Event, slug: str, **fields) -> Challenge:
    fields.setdefault("status", ChallengeStatus.PUBLISHED)
    return await Challenge.create(event=event, slug=slug, title=slug.title(), **fields)


async def test_captain_picks_a_published_challenge(event, two_teams):
    mobility = await _challenge(event, "mobility")
    draft = await _challenge(event, "secret", status=ChallengeStatus.DRAFT)
    url = team_url(event, "/challenges")

    too_many = await post_form(
        two_teams["a_captain"], url, {f"challenge_{mobility.id}": "on", f"challenge_{draft.id}": "on"}
    )
    not_offered = await post_form(two_teams["a_captain"], url, {f"challenge_{draft.id}": "on"})
    picked = await post_form(two_teams["a_captain"], url, {f"challenge_{mobility.id}": "on"})
    by_member = await post_form(two_teams["a_member"], url, {})

    assert too_many.status_code == 422
    assert "A team picks at most 1 challenge in this event." in text_of(too_many)
    assert not_offered.status_code == 422
    assert "Choose challenges of this event." in text_of(not_offered)
    assert picked.status_code == 303
    assert by_member.status_code == 403
    links = await TeamChallenge.filter(team_id=two_teams["team_a"].id).values_list("challenge_id", flat=True)
    assert links == [mobility.id]


async def test_challenge_max_teams_is_enforced(event, two_teams):
    mobility = await _challenge(event, "mobility", max_teams=1)
    url = team_url(event, "/challenges")

    first = await post_form(two_teams["a_captain"], url, {f"challenge_{mobility.id}": "on"})
    second = await post_form(two_teams["b_captain"], url, {f"challenge_{mobility.id}": "on"})

    assert first.status_code == 303
    assert second.status_code == 422
    assert "The challenge “Mobility” already has as many teams as it accepts." in text_of(second)
    assert await TeamChallenge.filter(challenge_id=mobility.id).count() == 1


async def test_public_list_shows_names_only_of_members_who_opted_in(make_client, event):
    _browser, _c, team = await team_with_captain(make_client, event, "Open Data Crew")
    await User.filter(email__startswith="captain-").update(opt_in_publish_name=True, name="Public Person")
    shy, _shy_user = await participant(make_client, event, "shy@example.org", name="Hidden Person")
    assert (await post_form(shy, link_path(team), page=link_path(team))).status_code == 303
    mobility = await _challenge(event, "mobility")
    await TeamChallenge.create(team=team, challenge=mobility)

    page = await make_client().get(f"/events/{event.slug}/teams")

    assert page.status_code == 200
    text = text_of(page)
    assert "Open Data Crew" in text
    assert "2 members" in text
    assert "Mobility" in text
    assert "With Public Person" in text
    assert "Hidden Person" not in text


@pytest.mark.parametrize(
    ("team_max", "sentence"), [(1, "A team has at most 1 member."), (3, "A team has at most 3 members.")]
)
async def test_team_page_states_the_size_limit_with_the_right_plural(make_client, event, team_max, sentence):
    await Round.filter(event_id=event.id).update(team_max=team_max)
    browser, _user = await participant(make_client, event, "solo@example.org")

    page = await browser.get(team_url(event))

    assert page.status_code == 200
    assert text_of(page).count(sentence) == 1
