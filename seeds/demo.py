"""Deterministic French demo data: the same accounts, events, challenges and datasets on every run.

`make run` loads it into an empty database; the tests load it too and render every page. Every value
comes from `random.Random(SEED)` or from `now` (rounded to the hour; the jury live today, to the
minute): two loads with the same `now` give the same rows. The contents live next door:
`seeds.challenges`, `seeds.catalogue`, `seeds.teams`, `seeds.jury` and `seeds.announcements`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from events.domain.passwords import hash_password
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeOwner,
    Dataset,
    Event,
    EventKind,
    EventRole,
    EventStatus,
    Role,
    Round,
    User,
)
from events.storage import Storage
from seeds.announcements import load_announcements
from seeds.catalogue import LYON_CATALOGUE, PARIS_CATALOGUE
from seeds.challenges import LYON_CHALLENGES, PARIS_CHALLENGES, ChallengeSpec
from seeds.jury import JURORS, load_juries
from seeds.portals import DatasetSpec, dataset_fields
from seeds.teams import PARTICIPANTS, PUBLISHED_NAMES, load_teams, open_registration_event

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
    *((email, name, False) for email, name in JURORS),
    ("mentor@demo.hackcity.fr", "Sophie Laurent", False),
    ("equipe-a@demo.hackcity.fr", "Lucas Moreau", False),
    ("equipe-b@demo.hackcity.fr", "Chloé Garnier", False),
    *((email, name, False) for email, name, _published in PARTICIPANTS),
]

DEMO_ACCOUNTS = [(email, name) for email, name, _admin in PEOPLE]


class DemoAlreadyLoaded(Exception):
    """`--force` on a database that holds the demo already: loading it twice would clash."""


async def load_demo(
    *, only_if_empty: bool = True, now: datetime | None = None, storage: Storage | None = None
) -> bool:
    """Load the demo; returns False (and changes nothing) if the database already holds users.

    With a `storage`, the submitted demo entries get small generated files (a PDF and a CSV).
    """
    if only_if_empty and await User.exists():
        return False
    if await User.exists(email__in=[email for email, _name, _admin in PEOPLE]):
        raise DemoAlreadyLoaded("The demo data is already in this database: nothing was added.")
    # The live jury of today follows the clock to the minute; everything else, to the hour.
    clock = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    now = clock.replace(minute=0)
    # All or nothing: a half-loaded demo would make the next `hackcity seed` skip it.
    async with in_transaction():
        await _load(now=now, rng=random.Random(SEED), storage=storage, clock=clock)
    return True


async def _load(
    *, now: datetime, rng: random.Random, storage: Storage | None = None, clock: datetime | None = None
) -> None:
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
            opt_in_publish_name=email in PUBLISHED_NAMES,
        )

    programme = await _datacity_paris(now=now, rng=rng, users=users)
    hackathon = await _hackathon_lyon(now=now, rng=rng, users=users)
    await load_teams(paris=programme, lyon=hackathon, users=users, now=now, rng=rng, storage=storage)
    upcoming = await open_registration_event(now=now, users=users)
    draft = await Event.create(
        slug="defi-energie-brouillon",
        title="Défi Énergie",  # a draft: pages say so themselves, the title does not
        kind=EventKind.PROGRAMME,
        summary="Événement en préparation, visible des seuls organisateurs.",
        location="Nantes",
        status=EventStatus.DRAFT,
    )
    grants = [
        (programme, "organisatrice@demo.hackcity.fr", Role.ORGANISER),
        (programme, "sponsor@demo.hackcity.fr", Role.CHALLENGE_OWNER),
        (programme, "jure1@demo.hackcity.fr", Role.JUROR),
        (programme, "jure2@demo.hackcity.fr", Role.JUROR),
        (programme, "mentor@demo.hackcity.fr", Role.MENTOR),
        (hackathon, "organisateur@demo.hackcity.fr", Role.ORGANISER),
        (hackathon, "jure1@demo.hackcity.fr", Role.JUROR),
        (upcoming, "organisateur@demo.hackcity.fr", Role.ORGANISER),
        (draft, "organisatrice@demo.hackcity.fr", Role.ORGANISER),
    ]
    for event, email, role in grants:
        await EventRole.create(event=event, user=users[email], role=role)
    await load_juries(paris=programme, lyon=hackathon, users=users, clock=clock or now)
    await load_announcements(now=now, users=users, paris=programme, lyon=hackathon, draft=draft)


async def _datacity_paris(*, now: datetime, rng: random.Random, users: dict[str, User]) -> Event:
    """The programme in its Prototype round: applications closed two months ago, deadline in 3 weeks."""
    candidature_deadline = now - timedelta(days=60)
    event = await Event.create(
        slug="datacity-paris-2026",
        title="DataCity Paris 2026",
        kind=EventKind.PROGRAMME,
        summary="Programme d'innovation ouverte : des start-ups résolvent les défis urbains "
        "de la Ville de Paris et de ses partenaires avec les données ouvertes.",
        description=PARIS_DESCRIPTION,
        location="Paris",
        timezone="Europe/Paris",
        status=EventStatus.PUBLISHED,
        starts_at=now - timedelta(days=120),
        ends_at=now + timedelta(days=60),
        registration_opens_at=now - timedelta(days=120),
        registration_closes_at=candidature_deadline,
        allow_challenge_proposals=True,
    )
    await Round.create(
        event=event,
        position=1,
        name="Candidature",
        opens_at=now - timedelta(days=120),
        deadline=candidature_deadline,
        team_min=2,
        team_max=5,
        questions=[
            {"key": "structure", "label": "Nom et forme de la structure", "kind": "text", "required": True},
            {
                "key": "maturite",
                "label": "Maturité de la solution",
                "kind": "choice",
                "required": True,
                "choices": ["Idée", "Prototype", "Produit sur le marché"],
            },
            {"key": "references", "label": "Références de l'équipe", "kind": "long_text", "required": False},
        ],
    )
    await Round.create(
        event=event,
        position=2,
        name="Prototype",
        opens_at=now - timedelta(days=45),
        deadline=now + timedelta(days=21),
        team_min=2,
        team_max=5,
        questions=[
            {"key": "demo_url", "label": "Lien vers la démonstration", "kind": "url", "required": True},
            {"key": "code_url", "label": "Dépôt du code source", "kind": "url", "required": True},
            {"key": "bilan", "label": "Bilan de l'expérimentation", "kind": "long_text", "required": True},
        ],
    )
    datasets = await _load_catalogue(event, PARIS_CATALOGUE, now=now, rng=rng)
    await _load_challenges(event, PARIS_CHALLENGES, datasets, users=users)
    return event


async def _hackathon_lyon(*, now: datetime, rng: random.Random, users: dict[str, User]) -> Event:
    """A weekend hackathon, finished and archived six weeks ago."""
    starts_at = now - timedelta(days=45)
    event = await Event.create(
        slug="hackathon-mobilite-lyon-2026",
        title="Hackathon Mobilités Lyon 2026",
        kind=EventKind.HACKATHON,
        summary="Un week-end pour imaginer de nouveaux services de mobilité "
        "à partir des données de la métropole.",
        description=LYON_DESCRIPTION,
        location="Lyon",
        timezone="Europe/Paris",
        status=EventStatus.ARCHIVED,
        starts_at=starts_at,
        ends_at=now - timedelta(days=43),
        registration_opens_at=now - timedelta(days=75),
        registration_closes_at=starts_at - timedelta(days=2),
    )
    await Round.create(
        event=event,
        position=1,
        name="Hackathon",
        opens_at=starts_at,
        deadline=starts_at + timedelta(hours=30),
        grace_minutes=15,
        team_min=2,
        team_max=6,
        questions=[
            {"key": "repo_url", "label": "Dépôt du code source", "kind": "url", "required": True},
            {"key": "demo_url", "label": "Démonstration ou vidéo", "kind": "url", "required": False},
        ],
    )
    datasets = await _load_catalogue(event, LYON_CATALOGUE, now=now, rng=rng)
    await _load_challenges(event, LYON_CHALLENGES, datasets, users=users)
    return event


async def _load_catalogue(
    event: Event, specs: tuple[DatasetSpec, ...], *, now: datetime, rng: random.Random
) -> dict[str, Dataset]:
    return {
        spec.key: await Dataset.create(event=event, **dataset_fields(spec, rng=rng, now=now))
        for spec in specs
    }


async def _load_challenges(
    event: Event, specs: tuple[ChallengeSpec, ...], datasets: dict[str, Dataset], *, users: dict[str, User]
) -> None:
    for position, spec in enumerate(specs, start=1):
        challenge = await Challenge.create(
            event=event,
            slug=spec.slug,
            title=spec.title,
            sponsors=list(spec.sponsors),
            statement=spec.statement,
            deliverables=spec.deliverables,
            prizes=spec.prizes,
            max_teams=spec.max_teams,
            status=spec.status,
            proposed_by=users[spec.proposed_by] if spec.proposed_by else None,
            position=position,
        )
        for email in spec.owners:
            await ChallengeOwner.create(challenge=challenge, user=users[email])
        for index, key in enumerate(spec.datasets):
            await ChallengeDataset.create(challenge=challenge, dataset=datasets[key], is_primary=index == 0)


PARIS_DESCRIPTION = """\
DataCity Paris réunit la Ville de Paris, des entreprises partenaires et des start-ups pour résoudre
des problèmes urbains concrets avec les données.

1. **Sourcing des défis** : les directions de la Ville et les partenaires formulent leurs défis.
2. **Appel à candidatures** : les équipes candidatent sur un défi (tour « Candidature »).
3. **Sélection** par un jury, puis lancement.
4. **Expérimentation** : les équipes sélectionnées construisent et testent leur prototype avec le
   sponsor (tour « Prototype »).
5. **Demo day** devant le jury final, puis suites : contrat, pilote, réutilisation publiée.
"""

LYON_DESCRIPTION = """\
48 heures pour concevoir des services de mobilité avec les données de la Métropole de Lyon,
de Sytral Mobilités et de data.gouv.fr. Ouvert à tous : développeurs, designers, urbanistes,
étudiants. Pitch devant le jury le dimanche après-midi.
"""
