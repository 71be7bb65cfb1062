"""An event with a round, a challenge, datasets and two teams, for the entries and uploads tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from events.models import (
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    Event,
    EventRole,
    EventStatus,
    Role,
    Round,
    Team,
    TeamMember,
    User,
)
from tests.helpers import CHEAP_HASH, sign_in

QUESTIONS = [
    {"key": "impact", "label": "Expected impact", "kind": "long_text", "required": True, "choices": []},
    {"key": "stage", "label": "Stage", "kind": "choice", "required": False, "choices": ["idea", "prototype"]},
    {"key": "site", "label": "Pilot site", "kind": "url", "required": False, "choices": []},
    {"key": "open", "label": "Open source", "kind": "checkbox", "required": False, "choices": []},
]


@dataclass
class EntryWorld:
    event: Event
    stage: Round
    challenge: Challenge
    dataset: Dataset
    restricted: Dataset
    team_a: Team
    team_b: Team
    alice: User  # team A
    arthur: User  # team A
    bob: User  # team B
    olga: User  # organiser
    entry_a: Entry | None = None


async def make_user(email: str, *, name: str, language: str = "en") -> User:
    """A verified user with a cheap (but real) argon2id hash: signing in stays the real path."""
    return await User.create(
        email=email,
        name=name,
        password_hash=CHEAP_HASH,
        email_verified_at=datetime.now(UTC),
        language=language,
    )


async def _team(event: Event, name: str, *users: User) -> Team:
    team = await Team.create(
        event=event, name=name, name_key=name.lower(), invite_token_hash=secrets.token_hex(32)
    )
    for index, user in enumerate(users):
        await TeamMember.create(team=team, event=event, user=user, is_captain=index == 0)
    return team


async def make_entry_world(*, deadline: datetime | None = None, grace_minutes: int = 0) -> EntryWorld:
    deadline = deadline or datetime.now(UTC) + timedelta(days=10)
    event = await Event.create(
        slug="datacity", title="DataCity Lyon", status=EventStatus.PUBLISHED, timezone="Europe/Paris"
    )
    stage = await Round.create(
        event=event,
        name="Prototype",
        opens_at=min(deadline - timedelta(days=30), datetime.now(UTC) - timedelta(days=1)),
        deadline=deadline,
        grace_minutes=grace_minutes,
        questions=QUESTIONS,
    )
    challenge = await Challenge.create(
        event=event, slug="mobility", title="Mobility", status=ChallengeStatus.PUBLISHED
    )
    dataset = await Dataset.create(event=event, title="Bus stops", publisher="Métropole")
    restricted = await Dataset.create(
        event=event,
        title="Ticketing data",
        restricted=True,
        restricted_terms="Use **only** for the challenge.",
        resources=[
            {"id": "r1", "title": "tickets.csv", "format": "CSV", "url": "https://data.example.org/t.csv"}
        ],
    )
    alice = await make_user("alice@example.org", name="Alice")
    arthur = await make_user("arthur@example.org", name="Arthur", language="fr")
    bob = await make_user("bob@example.org", name="Bob")
    olga = await make_user("olga@example.org", name="Olga")
    await EventRole.create(event=event, user=olga, role=Role.ORGANISER)
    team_a = await _team(event, "Les Bus", alice, arthur)
    team_b = await _team(event, "Data Vélo", bob)
    return EntryWorld(event, stage, challenge, dataset, restricted, team_a, team_b, alice, arthur, bob, olga)


async def signed_in(make_client, user: User) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, user.email)
    return client


ENTRY_FORM = {
    "title": "Bus à l'heure",
    "summary": "Predicts bus delays.",
    "description": "# Our idea\n\nUse **open data**.",
    "repository_url": "https://git.example.org/bus",
    "demo_url": "",
    "video_url": "",
    "code_licence": "mit",
    "q_impact": "Fewer late buses.",
    "q_stage": "prototype",
    "q_site": "https://lyon.example.org",
    "q_open": "on",
}
