"""Demo teams and entries at every stage, and an event whose registration is open now.

- DataCity Paris 2026: four teams applied in the closed "Candidature" round (two selected, one
  waitlisted, one not selected, each with the organisers' message); the selected teams work in the
  open "Prototype" round, one has submitted, the other still holds a draft.
- The Lyon hackathon: six submitted projects, two per challenge, with the datasets they used and how;
  its gallery is open.
- Open Data Bordeaux 2026: a hackathon next month whose registration is open, for visitors to try.

Everything comes from `rng` and `now`, so two loads with the same `now` give the same rows. Files
are written only when a storage is given (`make run` gives UPLOAD_DIR's): their storage keys are
random by design, the rest of their row is not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from events.domain.entries import snapshot
from events.domain.teams import name_key
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventKind,
    EventStatus,
    GalleryMode,
    PortalKind,
    Registration,
    Round,
    Selection,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)
from events.storage import Storage
from seeds.catalogue import LYON_CATALOGUE, PARIS_CATALOGUE

CATALOGUE_SPECS = PARIS_CATALOGUE + LYON_CATALOGUE

# Participants added for teams: (email, name, publishes their name in galleries).
PARTICIPANTS = [
    ("equipe-c@demo.hackcity.fr", "Thomas Lefèvre", True),
    ("equipe-d@demo.hackcity.fr", "Amina Diallo", False),
    ("equipe-e@demo.hackcity.fr", "Paul Nguyen", True),
    ("equipe-f@demo.hackcity.fr", "Emma Fontaine", False),
    ("equipe-g@demo.hackcity.fr", "Yanis Benali", True),
    ("equipe-h@demo.hackcity.fr", "Clara Petitjean", False),
    ("equipe-i@demo.hackcity.fr", "Hugo Marchand", True),
    ("equipe-j@demo.hackcity.fr", "Léa Girard", False),
    ("equipe-k@demo.hackcity.fr", "Nathan Roussel", True),
    ("equipe-l@demo.hackcity.fr", "Inès Bouvier", False),
    ("equipe-m@demo.hackcity.fr", "Julien Caron", True),
    ("equipe-n@demo.hackcity.fr", "Sarah Mercier", False),
]
# The two original demo participants publish their names too.
PUBLISHED_NAMES = {"equipe-a@demo.hackcity.fr", "equipe-b@demo.hackcity.fr"} | {
    email for email, _name, published in PARTICIPANTS if published
}


@dataclass(frozen=True)
class EntrySpec:
    round: str
    title: str
    summary: str
    description: str
    status: EntryStatus
    selection: Selection = Selection.PENDING
    message: str = ""
    answers: dict = field(default_factory=dict)
    datasets: tuple[tuple[str, str], ...] = ()  # (catalogue key, how the team used it)
    code_licence: str = ""
    repository_url: str = ""
    demo_url: str = ""


@dataclass(frozen=True)
class TeamSpec:
    name: str
    members: tuple[str, ...]  # captain first
    challenge: str
    description: str
    entries: tuple[EntrySpec, ...]


async def load_teams(
    *,
    paris: Event,
    lyon: Event,
    users: dict[str, User],
    now: datetime,
    rng: random.Random,
    storage: Storage | None,
) -> None:
    lyon.gallery = GalleryMode.OPEN
    await lyon.save(update_fields=["gallery"])
    for event, specs in ((paris, PARIS_TEAMS), (lyon, LYON_TEAMS)):
        rounds = {r.name: r for r in await Round.filter(event_id=event.id)}
        for spec in specs:
            await _team(event, spec, rounds, users=users, now=now, rng=rng, storage=storage)


async def _team(
    event: Event,
    spec: TeamSpec,
    rounds: dict[str, Round],
    *,
    users: dict[str, User],
    now: datetime,
    rng: random.Random,
    storage: Storage | None,
) -> Team:
    team = await Team.create(
        event=event,
        name=spec.name,
        name_key=name_key(spec.name),
        description=spec.description,
        invite_token_hash=f"{rng.getrandbits(256):064x}",
    )
    for index, email in enumerate(spec.members):
        registered_at = (event.registration_opens_at or now) + timedelta(days=rng.randint(1, 10))
        await Registration.create(event=event, user=users[email], rules_accepted_at=registered_at)
        await TeamMember.create(team=team, event=event, user=users[email], is_captain=index == 0)
    challenge = await Challenge.get(event_id=event.id, slug=spec.challenge)
    await TeamChallenge.create(team=team, challenge=challenge)
    by_title = {d.title: d for d in await Dataset.filter(event_id=event.id)}
    datasets = {spec.key: by_title[spec.title] for spec in CATALOGUE_SPECS if spec.title in by_title}
    for entry_spec in spec.entries:
        stage = rounds[entry_spec.round]
        submitted_at = None
        if entry_spec.status == EntryStatus.SUBMITTED:
            # Before the deadline, and never in the future (the open round's deadline is ahead).
            last_moment = min(stage.deadline, now) if stage.deadline else now
            submitted_at = last_moment - timedelta(hours=rng.randint(2, 60))
        entry = await Entry.create(
            event=event,
            team=team,
            round=stage,
            challenge=challenge,
            title=entry_spec.title,
            summary=entry_spec.summary,
            description=entry_spec.description,
            repository_url=entry_spec.repository_url,
            demo_url=entry_spec.demo_url,
            code_licence=entry_spec.code_licence,
            answers=entry_spec.answers,
            status=entry_spec.status,
            selection=entry_spec.selection,
            selection_message=entry_spec.message,
            submitted_at=submitted_at,
            version=1,
        )
        for title, note in entry_spec.datasets:
            dataset = datasets[title]
            await EntryDataset.create(
                entry=entry,
                dataset=dataset,
                note=note,
                declared_version=_declared_version(dataset, submitted_at or now),
            )
        if storage is not None and entry.status == EntryStatus.SUBMITTED:
            await _store_files(entry, storage, uploader=users[spec.members[0]], rng=rng)
        await EntryRevision.create(
            entry=entry, number=1, data=await snapshot(entry), author=users[spec.members[0]]
        )
    return team


def _declared_version(dataset: Dataset, submitted_at: datetime) -> datetime | None:
    """The dataset's update current when the team declared it, a few days before submitting.

    The demo's datasets were refreshed since (their latest update can be after the entry was
    submitted): an entry credits the version it used, so the update before the refresh stands in.
    """
    declared_at = submitted_at - timedelta(days=3)
    current = dataset.last_modified or dataset.fetched_at
    if current is not None and current <= declared_at:
        return current
    return declared_at - timedelta(days=14)


async def _store(storage: Storage, data: bytes) -> tuple[str, int, str]:
    pending = storage.begin(max_bytes=len(data) + 1)
    await pending.write(data)
    stored = await pending.commit()
    return stored.key, stored.size, stored.sha256


async def _store_files(entry: Entry, storage: Storage, *, uploader: User, rng: random.Random) -> None:
    """A one-page PDF of slides and a CSV of results, generated (and the same on every load)."""
    rows = "\n".join(f"{day},{rng.randint(50, 900)}" for day in range(1, 8))
    files = [
        ("presentation.pdf", "application/pdf", _pdf(entry.title)),
        ("resultats.csv", "text/csv", f"jour,valeur\n{rows}\n".encode()),
    ]
    for name, content_type, data in files:
        key, size, sha256 = await _store(storage, data)
        await EntryFile.create(
            entry=entry,
            storage_key=key,
            original_name=name,
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by=uploader,
        )


def _pdf(title: str) -> bytes:
    """A minimal valid one-page PDF showing the title (ASCII only, the base-14 Helvetica font)."""
    text = title.encode("ascii", "replace").decode().replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- an event open for registration -------------------------------------------------------------


async def open_registration_event(*, now: datetime, users: dict[str, User]) -> Event:
    """A hackathon next month whose registration window is open now."""
    starts_at = now + timedelta(days=30)
    event = await Event.create(
        slug="hackathon-open-data-bordeaux-2026",
        title="Hackathon Open Data Bordeaux 2026",
        kind=EventKind.HACKATHON,
        summary="Un week-end pour réutiliser les données de Bordeaux Métropole : "
        "les inscriptions sont ouvertes.",
        description="48 heures pour imaginer des services autour de l'eau et des déchets "
        "avec les données ouvertes de Bordeaux Métropole. Inscription individuelle, "
        "équipes de 2 à 5 personnes formées sur place ou avant.",
        location="Bordeaux",
        timezone="Europe/Paris",
        status=EventStatus.PUBLISHED,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=2),
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=starts_at - timedelta(days=2),
        rules="Les projets sont publiés sous licence libre. Les données restent sous leur licence "
        "d'origine (Licence Ouverte 2.0 ou ODbL) : citez leur source.",
    )
    await Round.create(
        event=event,
        position=1,
        name="Hackathon",
        opens_at=starts_at,
        deadline=starts_at + timedelta(hours=30),
        grace_minutes=10,
        team_min=2,
        team_max=5,
    )
    datasets = [
        await Dataset.create(
            event=event,
            portal_kind=PortalKind.MANUAL,
            title=title,
            publisher="Bordeaux Métropole",
            licence_title="Licence Ouverte 2.0",
            licence_spdx="etalab-2.0",
            licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            landing_url=url,
            source_url=url,
            description=description,
            frequency="annual",
            last_modified=now - timedelta(days=40 + index),
            formats=["CSV"],
            resources=[
                {"id": f"bdx-{index}", "title": f"{title}.csv", "format": "CSV", "url": url, "filesize": None}
            ],
        )
        for index, (title, url, description) in enumerate(BORDEAUX_DATASETS)
    ]
    for position, (slug, title, statement) in enumerate(BORDEAUX_CHALLENGES, start=1):
        challenge = await Challenge.create(
            event=event,
            slug=slug,
            title=title,
            sponsors=["Bordeaux Métropole"],
            statement=statement,
            status=ChallengeStatus.PUBLISHED,
            position=position,
        )
        await ChallengeDataset.create(challenge=challenge, dataset=datasets[position - 1], is_primary=True)
    return event


BORDEAUX_DATASETS = [
    (
        "Qualité de l'eau distribuée",
        "https://opendata.bordeaux-metropole.fr/explore/dataset/qualite-eau/",
        "Résultats des analyses de l'eau du robinet par commune.",
    ),
    (
        "Points d'apport volontaire",
        "https://opendata.bordeaux-metropole.fr/explore/dataset/points-apport-volontaire/",
        "Emplacements des conteneurs de verre, papier et textile.",
    ),
]
BORDEAUX_CHALLENGES = [
    (
        "eau-potable-lisible",
        "Rendre lisible la qualité de l'eau",
        "Expliquer aux habitants ce que disent les analyses.",
    ),
    ("tri-de-proximite", "Trier près de chez soi", "Aider chacun à trouver le bon conteneur, au bon moment."),
]


# --- the teams -------------------------------------------------------------------------------------

PARIS_TEAMS = (
    TeamSpec(
        name="Canopée",
        members=("equipe-a@demo.hackcity.fr", "equipe-c@demo.hackcity.fr"),
        challenge="ilots-de-chaleur-cours-ecole",
        description="Start-up de cartographie climatique, deux fondateurs.",
        entries=(
            EntrySpec(
                round="Candidature",
                title="Canopée : la carte de fraîcheur des cours d'école",
                summary="Une carte des températures ressenties dans les cours Oasis, heure par heure.",
                description="## Notre approche\n\nCroiser les **relevés de température** des cours Oasis "
                "et la canopée des arbres d'alignement pour prévoir les îlots de chaleur.",
                status=EntryStatus.SUBMITTED,
                selection=Selection.SELECTED,
                message="Bravo : le jury a apprécié l'usage des relevés. Rendez-vous au lancement.",
                answers={"structure": "Canopée SAS", "maturite": "Prototype", "references": "Deux pilotes."},
                datasets=(
                    ("ilots-fraicheur", "Zones fraîches de référence"),
                    ("arbres", "Ombre portée estimée par essence et hauteur"),
                ),
            ),
            EntrySpec(
                round="Prototype",
                title="Canopée : prototype de carte de fraîcheur",
                summary="La carte en ligne, testée dans trois écoles du 13e arrondissement.",
                description="## Ce qui marche\n\n- la carte heure par heure ;\n- l'alerte aux directeurs "
                "d'école.\n\n## Ce qui reste\n\nValider le modèle sur un été complet.",
                status=EntryStatus.SUBMITTED,
                answers={
                    "demo_url": "https://canopee.example.org/demo",
                    "code_url": "https://git.example.org/canopee/carte",
                    "bilan": "Trois écoles pilotes, retours positifs.",
                },
                datasets=(
                    ("ilots-fraicheur", "Zones fraîches de référence"),
                    ("arbres", "Ombre portée estimée par essence et hauteur"),
                ),
                code_licence="AGPL-3.0-or-later",
                repository_url="https://git.example.org/canopee/carte",
                demo_url="https://canopee.example.org/demo",
            ),
        ),
    ),
    TeamSpec(
        name="Dernier Kilomètre",
        members=("equipe-b@demo.hackcity.fr", "equipe-d@demo.hackcity.fr"),
        challenge="livraisons-dernier-kilometre",
        description="Ingénieurs logistique et data scientists.",
        entries=(
            EntrySpec(
                round="Candidature",
                title="Tournées partagées pour le dernier kilomètre",
                summary="Mutualiser les tournées de livraison entre transporteurs dans Paris Centre.",
                description="Nous proposons un **planificateur de tournées partagées** à partir des "
                "places de livraison et des comptages routiers.",
                status=EntryStatus.SUBMITTED,
                selection=Selection.SELECTED,
                message="Sélectionnés : merci de prévoir un point avec Logiseine dès la première semaine.",
                answers={"structure": "Association Kilomètre Zéro", "maturite": "Idée"},
                datasets=(("stationnement", "Places de livraison disponibles"),),
            ),
            EntrySpec(
                round="Prototype",
                title="Tournées partagées : prototype",
                summary="Premier planificateur, en test avec deux transporteurs.",
                description="Brouillon en cours de rédaction.",
                status=EntryStatus.DRAFT,
                datasets=(("stationnement", "Places de livraison disponibles"),),
            ),
        ),
    ),
    TeamSpec(
        name="Les Mobilistes",
        members=("equipe-e@demo.hackcity.fr", "equipe-f@demo.hackcity.fr"),
        challenge="velo-au-quotidien",
        description="Deux étudiants en urbanisme.",
        entries=(
            EntrySpec(
                round="Candidature",
                title="Itinéraires vélo apaisés",
                summary="Proposer des itinéraires qui évitent les axes accidentogènes.",
                description="Un calculateur d'itinéraires qui pondère les **accidents** et les comptages.",
                status=EntryStatus.SUBMITTED,
                selection=Selection.WAITLISTED,
                message="Votre dossier est solide : vous êtes en liste d'attente, "
                "nous reviendrons vers vous.",
                answers={"structure": "Projet étudiant", "maturite": "Idée"},
            ),
        ),
    ),
    TeamSpec(
        name="Data Quartier",
        members=("equipe-g@demo.hackcity.fr", "equipe-h@demo.hackcity.fr"),
        challenge="flux-touristiques",
        description="Collectif d'habitants du Marais.",
        entries=(
            EntrySpec(
                round="Candidature",
                title="Le Marais sans bouchons",
                summary="Prévoir l'affluence touristique rue par rue.",
                description="Une idée d'application, sans prototype pour l'instant.",
                status=EntryStatus.SUBMITTED,
                selection=Selection.REJECTED,
                message="Le jury attendait davantage d'usage des données : n'hésitez pas à candidater "
                "à nouveau l'an prochain.",
                answers={"structure": "Collectif Data Quartier", "maturite": "Idée"},
            ),
        ),
    ),
)

LYON_TEAMS = (
    TeamSpec(
        name="Vélo'v Prédictif",
        members=("equipe-a@demo.hackcity.fr", "equipe-d@demo.hackcity.fr", "equipe-e@demo.hackcity.fr"),
        challenge="prevoir-disponibilite-velov",
        description="Trois développeurs lyonnais.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Vélo'v dans 30 minutes",
                summary="Prévoir le nombre de vélos disponibles par station, une demi-heure à l'avance.",
                description="## Le modèle\n\nUn gradient boosting sur l'historique des stations, "
                "enrichi des **aménagements cyclables** voisins.\n\n## La démo\n\nUne carte mobile.",
                status=EntryStatus.SUBMITTED,
                answers={
                    "repo_url": "https://git.example.org/velov-30",
                    "demo_url": "https://velov30.example.org",
                },
                datasets=(
                    ("velov", "Historique d'entraînement"),
                    ("amenagements-cyclables", "Attractivité des stations"),
                ),
                code_licence="MIT",
                repository_url="https://git.example.org/velov-30",
                demo_url="https://velov30.example.org",
            ),
        ),
    ),
    TeamSpec(
        name="Covoit'Lyon",
        members=("equipe-b@demo.hackcity.fr", "equipe-c@demo.hackcity.fr"),
        challenge="covoiturage-domicile-travail",
        description="Une designer et un développeur.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Covoit'Lyon : trouver son équipage",
                summary="Mettre en relation les salariés d'une même zone d'activité.",
                description="Nous croisons la **base nationale des lieux de covoiturage** et le registre "
                "des trajets pour proposer des équipages.",
                status=EntryStatus.SUBMITTED,
                answers={"repo_url": "https://git.example.org/covoitlyon"},
                datasets=(
                    ("bnlc", "Points de rendez-vous proposés"),
                    ("registre-covoiturage", "Volumes de trajets par commune"),
                ),
                code_licence="Apache-2.0",
                repository_url="https://git.example.org/covoitlyon",
            ),
        ),
    ),
    TeamSpec(
        name="Part-Dieu Fluide",
        members=("equipe-g@demo.hackcity.fr", "equipe-f@demo.hackcity.fr"),
        challenge="correspondances-part-dieu",
        description="Étudiants de l'INSA Lyon.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Correspondances sereines à Part-Dieu",
                summary="Indiquer le meilleur chemin vers sa correspondance selon l'affluence.",
                description="Un guide pas à pas, calculé à partir de la **fréquentation des gares** et "
                "des arrêts TCL.",
                status=EntryStatus.SUBMITTED,
                answers={"repo_url": "https://git.example.org/part-dieu"},
                datasets=(
                    ("arrets-tcl", "Position des arrêts autour de la gare"),
                    ("frequentation-gares", "Affluence par heure"),
                ),
                code_licence="GPL-3.0-or-later",
                repository_url="https://git.example.org/part-dieu",
            ),
        ),
    ),
    TeamSpec(
        name="Station Pleine",
        members=("equipe-i@demo.hackcity.fr", "equipe-j@demo.hackcity.fr"),
        challenge="prevoir-disponibilite-velov",
        description="Deux data scientists de la Croix-Rousse.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Station Pleine : où reposer son vélo",
                summary="Avertir qu'une station sera pleine et proposer la plus proche libre.",
                description="Une alerte sur le trajet, à partir de la **disponibilité temps réel** des "
                "stations Vélo'v et de leur historique.",
                status=EntryStatus.SUBMITTED,
                answers={"repo_url": "https://git.example.org/station-pleine"},
                datasets=(("velov", "Disponibilité des bornettes heure par heure"),),
                code_licence="MIT",
                repository_url="https://git.example.org/station-pleine",
            ),
        ),
    ),
    TeamSpec(
        name="Zone Partagée",
        members=("equipe-k@demo.hackcity.fr", "equipe-l@demo.hackcity.fr"),
        challenge="covoiturage-domicile-travail",
        description="Une urbaniste et un développeur de Villeurbanne.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Zone Partagée : le covoiturage des zones d'activité",
                summary="Cartographier le potentiel de covoiturage de chaque zone d'activité.",
                description="Une carte des trajets domicile-travail par zone, avec les **aires de "
                "covoiturage** existantes et celles qui manquent.",
                status=EntryStatus.SUBMITTED,
                answers={"repo_url": "https://git.example.org/zone-partagee"},
                datasets=(
                    ("registre-covoiturage", "Trajets par zone d'origine et de destination"),
                    ("bnlc", "Aires existantes"),
                ),
                code_licence="EUPL-1.2",
                repository_url="https://git.example.org/zone-partagee",
            ),
        ),
    ),
    TeamSpec(
        name="Quai Malin",
        members=("equipe-m@demo.hackcity.fr", "equipe-n@demo.hackcity.fr"),
        challenge="correspondances-part-dieu",
        description="Deux voyageurs quotidiens entre Lyon et Grenoble.",
        entries=(
            EntrySpec(
                round="Hackathon",
                title="Quai Malin",
                summary="Annoncer la sortie de quai la moins chargée pour sa correspondance.",
                description="Un écran d'information prototype, nourri par la **fréquentation des gares** "
                "par tranche horaire.",
                status=EntryStatus.SUBMITTED,
                answers={"repo_url": "https://git.example.org/quai-malin"},
                datasets=(("frequentation-gares", "Affluence par tranche horaire"),),
                code_licence="AGPL-3.0-or-later",
                repository_url="https://git.example.org/quai-malin",
            ),
        ),
    ),
)
