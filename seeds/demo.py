"""Deterministic French demo data: the same accounts and events on every run.

`make run` loads it into an empty database; the tests load it too and render every page.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from events.domain.passwords import hash_password
from events.models import Event, EventKind, EventRole, EventStatus, Role, User

DEMO_PASSWORD = "demo-hackcity-2026"
SEED = 2026

# (email, name, is_admin)
PEOPLE = [
    ("admin@demo.hackcity.fr", "Camille Admin", True),
    ("organisatrice@demo.hackcity.fr", "Inès Martin", False),
    ("organisateur@demo.hackcity.fr", "Hugo Bernard", False),
    ("sponsor@demo.hackcity.fr", "Léa Dubois (Ville de Paris)", False),
    ("jure1@demo.hackcity.fr", "Nathalie Petit", False),
    ("jure2@demo.hackcity.fr", "Karim Haddad", False),
    ("mentor@demo.hackcity.fr", "Sophie Laurent", False),
    ("equipe-a@demo.hackcity.fr", "Lucas Moreau", False),
    ("equipe-b@demo.hackcity.fr", "Chloé Garnier", False),
]

DEMO_ACCOUNTS = [(email, name) for email, name, _admin in PEOPLE]


async def load_demo(*, only_if_empty: bool = True, now: datetime | None = None) -> bool:
    """Load the demo; returns False (and changes nothing) if the database already holds users."""
    if only_if_empty and await User.exists():
        return False
    rng = random.Random(SEED)
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    password_hash = await hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for email, name, is_admin in PEOPLE:
        users[email] = await User.create(
            email=email,
            name=name,
            password_hash=password_hash,
            is_admin=is_admin,
            language="fr",
            email_verified_at=now - timedelta(days=rng.randint(30, 90)),
            terms_accepted_at=now - timedelta(days=90),
        )

    programme = await Event.create(
        slug="datacity-paris-2026",
        title="DataCity Paris 2026",
        kind=EventKind.PROGRAMME,
        summary="Programme d'innovation ouverte : des start-ups résolvent les défis urbains "
        "de la Ville de Paris et de ses partenaires avec les données ouvertes.",
        description="Sourcing des défis, appel à candidatures, sélection, expérimentation puis demo day.",
        location="Paris",
        timezone="Europe/Paris",
        status=EventStatus.PUBLISHED,
        starts_at=now - timedelta(days=120),
        ends_at=now + timedelta(days=60),
    )
    hackathon = await Event.create(
        slug="hackathon-mobilite-lyon-2026",
        title="Hackathon Mobilités Lyon 2026",
        kind=EventKind.HACKATHON,
        summary="Un week-end pour imaginer de nouveaux services de mobilité "
        "à partir des données de la métropole.",
        location="Lyon",
        timezone="Europe/Paris",
        status=EventStatus.ARCHIVED,
        starts_at=now - timedelta(days=45),
        ends_at=now - timedelta(days=43),
    )
    await Event.create(
        slug="defi-energie-brouillon",
        title="Défi Énergie (brouillon)",
        kind=EventKind.PROGRAMME,
        summary="Événement en préparation, visible des seuls organisateurs.",
        location="Nantes",
        status=EventStatus.DRAFT,
    )
    draft = await Event.get(slug="defi-energie-brouillon")
    grants = [
        (programme, "organisatrice@demo.hackcity.fr", Role.ORGANISER),
        (programme, "sponsor@demo.hackcity.fr", Role.CHALLENGE_OWNER),
        (programme, "jure1@demo.hackcity.fr", Role.JUROR),
        (programme, "jure2@demo.hackcity.fr", Role.JUROR),
        (programme, "mentor@demo.hackcity.fr", Role.MENTOR),
        (hackathon, "organisateur@demo.hackcity.fr", Role.ORGANISER),
        (hackathon, "jure1@demo.hackcity.fr", Role.JUROR),
        (draft, "organisatrice@demo.hackcity.fr", Role.ORGANISER),
    ]
    for event, email, role in grants:
        await EventRole.create(event=event, user=users[email], role=role)
    return True
