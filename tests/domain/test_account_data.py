"""Personal data of participants: exported in full, removed on deletion, contributions kept."""

from __future__ import annotations

from datetime import UTC, datetime

from events.domain import accounts, personal_data
from events.models import (
    Challenge,
    Entry,
    Event,
    EventStatus,
    JoinRequest,
    Registration,
    Round,
    Team,
    TeamMember,
    User,
)
from tests.helpers import make_user

PASSWORD = "correct horse battery staple"


async def _team_world():
    event = await Event.create(slug="hack", title="Hack", status=EventStatus.PUBLISHED)
    stage = await Round.create(event=event, name="Final", position=1)
    challenge = await Challenge.create(event=event, slug="c", title="C")
    captain = await make_user("cap@example.org", name="Captain")
    mate = await make_user("mate@example.org", name="Mate")
    team = await Team.create(event=event, name="Les Données", name_key="les donnees", invite_token_hash="h1")
    now = datetime.now(UTC)
    for user in (captain, mate):
        await Registration.create(event=event, user=user, rules_accepted_at=now, answers={"school": "X"})
    await TeamMember.create(team=team, event=event, user=captain, is_captain=True)
    await TeamMember.create(team=team, event=event, user=mate)
    other = await Team.create(event=event, name="Autre", name_key="autre", invite_token_hash="h2")
    await JoinRequest.create(team=other, user=captain, message="hello")
    entry = await Entry.create(event=event, team=team, round=stage, challenge=challenge, title="Canopée")
    return event, team, captain, mate, entry


async def test_export_holds_registrations_teams_and_requests(db):
    _event, _team, captain, _mate, _entry = await _team_world()
    data = await personal_data.export_data(captain)
    assert data["registrations"][0]["event"] == "hack"
    assert data["registrations"][0]["answers"] == {"school": "X"}
    assert data["teams"] == [
        {"event": "hack", "team": "Les Données", "captain": True, "joined_at": data["teams"][0]["joined_at"]}
    ]
    assert data["join_requests"][0]["team"] == "Autre"
    assert "password_hash" not in str(data)


async def test_deleting_a_captain_hands_the_team_over_and_keeps_the_entry(db):
    _event, team, captain, mate, entry = await _team_world()
    await accounts.delete_account(captain, password=PASSWORD)

    assert await TeamMember.filter(user_id=captain.id).count() == 0
    assert await Registration.filter(user_id=captain.id).count() == 0
    assert await JoinRequest.filter(user_id=captain.id).count() == 0
    successor = await TeamMember.get(user_id=mate.id)
    assert successor.is_captain is True
    assert (await Entry.get(id=entry.id)).team_id == team.id
    deleted = await User.get(id=captain.id)
    assert deleted.email == f"deleted-{captain.id}@invalid"
    assert deleted.name != "Captain"
