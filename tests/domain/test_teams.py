"""The rules of registration and teams, called directly: names, eligibility, CSV cells, the join
token, size limits per round, join requests and the captain's powers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.domain import registration as registration_rules
from events.domain import teams as team_rules
from events.domain.errors import FormErrors
from events.models import Event, EventStatus, JoinRequestStatus, Registration, Round, Team, TeamMember, User
from tests.conftest import BASE_URL

SECRET = "domain-test-secret-key-0123456789abcdef"


pytestmark = pytest.mark.usefixtures("english")


async def registered(event: Event, email: str) -> User:
    user = await User.create(email=email, name=email.split("@")[0].title(), password_hash="x")
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
    return user


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="hack", title="Hack", status=EventStatus.PUBLISHED)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Les Écureuils", "les ecureuils"),
        ("  LES   ÉCUREUILS ", "les ecureuils"),
        ("Straße", "strasse"),
        ("Ｄａｔａ", "data"),  # full-width letters fold to ASCII (NFKD)
    ],
)
def test_name_key_folds_case_accents_and_spaces(name, key):
    assert team_rules.name_key(name) == key


@pytest.mark.parametrize(
    ("email", "eligible"),
    [
        ("a@univ.fr", True),
        ("a@UNIV.FR", True),
        ("a@sub.univ.fr", False),
        ("a@univ.fr.evil.org", False),
        ("a@lab.example.org", True),
        ("a@example.org", False),
    ],
)
def test_eligible_domains_are_exact_and_case_insensitive(email, eligible):
    event = Event(slug="x", title="X", eligible_domains="Univ.fr\n@lab.example.org\n\n")

    assert registration_rules.is_eligible(event, email) is eligible


def test_no_domain_listed_lets_everyone_in():
    assert registration_rules.is_eligible(Event(slug="x", title="X"), "anyone@anywhere.org")


def test_malformed_questions_are_skipped():
    event = Event(
        slug="x",
        title="X",
        registration_questions=[
            {"key": "ok", "kind": "text"},
            {"kind": "text"},
            {"key": "k", "kind": "?"},
            "x",
        ],
    )

    assert [q["key"] for q in registration_rules.questions(event)] == ["ok"]


async def test_invite_token_works_until_regenerated(event):
    captain = await registered(event, "cap@example.org")
    team = await team_rules.create_team(event=event, user=captain, name="Alpha")
    token = team_rules.invite_token(team, secret_key=SECRET)

    assert (await team_rules.team_for_token(token, secret_key=SECRET)).id == team.id
    assert await team_rules.team_for_token(token, secret_key="another-secret-key") is None
    assert await team_rules.team_for_token(token[:-1] + "x", secret_key=SECRET) is None
    assert await team_rules.team_for_token("../../etc", secret_key=SECRET) is None
    assert token not in team.invite_token_hash

    member = await TeamMember.get(team_id=team.id)
    await team_rules.regenerate_invite(member=member)

    assert await team_rules.team_for_token(token, secret_key=SECRET) is None


async def test_size_limit_follows_the_current_round(event):
    now = datetime.now(UTC)
    await Round.create(
        event=event, position=1, name="Application", team_max=5, opens_at=now - timedelta(days=9)
    )
    await Round.create(
        event=event, position=2, name="Prototype", team_max=3, opens_at=now + timedelta(days=9)
    )

    assert await team_rules.size_limit(event, now) == 5
    assert await team_rules.size_limit(event, now + timedelta(days=10)) == 3
    assert await team_rules.size_limit(event, now - timedelta(days=10)) == 5  # before any: the first


async def test_no_round_means_no_size_limit(event):
    assert await team_rules.size_limit(event) is None


async def test_accepting_a_request_beyond_the_limit_is_refused(event):
    await Round.create(event=event, position=1, name="Hackathon", team_max=1)
    captain = await registered(event, "cap@example.org")
    asker = await registered(event, "asker@example.org")
    team = await team_rules.create_team(event=event, user=captain, name="Solo")
    request = await team_rules.request_to_join(
        event=event, user=asker, team_id=str(team.id), base_url=BASE_URL
    )
    member = await TeamMember.get(team_id=team.id)

    with pytest.raises(FormErrors) as refused:
        await team_rules.decide_join_request(member=member, request_id=str(request.id), accept=True)

    assert refused.value.errors == {None: "This team is full (1 member at most)."}
    await request.refresh_from_db()
    assert request.status == JoinRequestStatus.PENDING


async def test_a_refused_request_may_be_asked_again_but_not_twice_at_once(event):
    captain = await registered(event, "cap@example.org")
    asker = await registered(event, "asker@example.org")
    team = await team_rules.create_team(event=event, user=captain, name="Alpha")
    member = await TeamMember.get(team_id=team.id)
    request = await team_rules.request_to_join(
        event=event, user=asker, team_id=str(team.id), base_url=BASE_URL
    )
    with pytest.raises(FormErrors):
        await team_rules.request_to_join(event=event, user=asker, team_id=str(team.id), base_url=BASE_URL)
    await team_rules.decide_join_request(member=member, request_id=str(request.id), accept=False)

    again = await team_rules.request_to_join(
        event=event, user=asker, team_id=str(team.id), base_url=BASE_URL, message="Please"
    )

    assert (again.id, again.status, again.message) == (request.id, JoinRequestStatus.PENDING, "Please")


async def test_a_request_is_answered_once(event):
    captain = await registered(event, "cap@example.org")
    asker = await registered(event, "asker@example.org")
    team = await team_rules.create_team(event=event, user=captain, name="Alpha")
    member = await TeamMember.get(team_id=team.id)
    request = await team_rules.request_to_join(
        event=event, user=asker, team_id=str(team.id), base_url=BASE_URL
    )
    await team_rules.decide_join_request(member=member, request_id=str(request.id), accept=True)

    with pytest.raises(FormErrors) as twice:
        await team_rules.decide_join_request(member=member, request_id=str(request.id), accept=False)

    assert twice.value.errors == {None: "This request was already answered."}
    assert await TeamMember.filter(team_id=team.id).count() == 2


async def test_request_to_a_team_of_another_event_is_refused(event):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    captain = await registered(other, "cap@example.org")
    elsewhere = await team_rules.create_team(event=other, user=captain, name="Elsewhere")
    asker = await registered(event, "asker@example.org")

    with pytest.raises(FormErrors) as refused:
        await team_rules.request_to_join(
            event=event, user=asker, team_id=str(elsewhere.id), base_url=BASE_URL
        )

    assert refused.value.errors == {"team": "Choose a team of this event."}


async def test_the_same_name_is_free_in_another_event(event):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    first = await team_rules.create_team(
        event=event, user=await registered(event, "a@example.org"), name="Alpha"
    )
    second = await team_rules.create_team(
        event=other, user=await registered(other, "b@example.org"), name="alpha"
    )

    assert first.name_key == second.name_key == "alpha"
    assert await Team.all().count() == 2


async def test_a_captain_cannot_remove_or_crown_themselves(event):
    captain = await registered(event, "cap@example.org")
    team = await team_rules.create_team(event=event, user=captain, name="Alpha")
    member = await TeamMember.get(team_id=team.id)

    for action in (team_rules.remove_member, team_rules.hand_over):
        with pytest.raises(FormErrors) as refused:
            await action(member=member, member_id=str(member.id))
        assert refused.value.errors == {"member": "Choose another member than yourself."}
    with pytest.raises(FormErrors):
        await team_rules.remove_member(member=member, member_id="x")
