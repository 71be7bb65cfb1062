"""Demo announcements: the news the organisers posted, shown on the event pages and in the feeds.

Dates follow `now` (rounded to the hour by the caller); ids in feeds (`uuid`) are derived from each
announcement's place in the demo, so two loads give the same rows. Nobody is mailed: the demo's
news is already old. The draft event has news too, which neither its public pages nor any feed show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from events.models import Announcement, Audience, Event, User

# Names the demo's announcements in feeds: uuid5 of this and "slug/number".
DEMO_NAMESPACE = uuid.UUID("6b3f1c52-7a0e-4d55-9a1e-2c8f0e5d4a11")


@dataclass(frozen=True)
class AnnouncementSpec:
    title: str
    body: str
    days_ago: int
    edited_hours_later: int = 0
    audience: Audience = Audience.NOBODY
    mailed_count: int = 0


PARIS_NEWS = (
    AnnouncementSpec(
        "Les candidatures sont ouvertes",
        "DataCity Paris 2026 accueille vos candidatures jusqu'à la fin du tour **Candidature**.\n\n"
        "- choisissez un défi parmi ceux de la Ville et de ses partenaires\u202f;\n"
        "- formez une équipe de 2 à 5 personnes\u202f;\n"
        "- décrivez votre solution et sa maturité.\n\n"
        "Les questions se posent au point d'information du programme.",
        days_ago=118,
    ),
    AnnouncementSpec(
        "Résultats de la sélection",
        "Le jury a retenu les équipes du tour **Prototype**. Chaque équipe a reçu la décision "
        "et le message des organisateurs par courriel.\n\nMerci à toutes les équipes candidates.",
        days_ago=50,
        edited_hours_later=3,
        audience=Audience.REGISTRANTS,
        mailed_count=4,
    ),
    AnnouncementSpec(
        "Point d'étape du prototype",
        "Rendez-vous jeudi à 18\u00a0h pour un point d'étape en ligne avec les sponsors des défis.\n\n"
        "Pensez à déposer une première version de votre prototype avant la date limite du tour.",
        days_ago=6,
    ),
    AnnouncementSpec(
        "Le demo day approche",
        "Le demo day aura lieu à la fin du programme, devant le jury final. L'ordre de passage "
        "sera publié ici.\n\n> Préparez un pitch de 5 minutes et une démonstration en direct.",
        days_ago=1,
        audience=Audience.JURORS,
        mailed_count=2,
    ),
)
LYON_NEWS = (
    AnnouncementSpec(
        "Merci à toutes les équipes",
        "Le hackathon est terminé\u00a0: les projets sont dans la **galerie** et les résultats du jury "
        "sont publiés. Bravo aux lauréats\u202f!",
        days_ago=42,
    ),
)
DRAFT_NEWS = (
    AnnouncementSpec(
        "Annonce en préparation",
        "Cette annonce d'un événement en brouillon n'apparaît ni sur les pages publiques ni dans les flux.",
        days_ago=2,
    ),
)


async def load_announcements(
    *,
    now: datetime,
    users: dict[str, User],
    paris: Event,
    lyon: Event,
    draft: Event,
) -> None:
    plan = (
        (paris, "organisatrice@demo.hackcity.fr", PARIS_NEWS),
        (lyon, "organisateur@demo.hackcity.fr", LYON_NEWS),
        (draft, "organisatrice@demo.hackcity.fr", DRAFT_NEWS),
    )
    for event, author, specs in plan:
        for number, spec in enumerate(specs, start=1):
            posted = now - timedelta(days=spec.days_ago)
            await Announcement.create(
                uuid=uuid.uuid5(DEMO_NAMESPACE, f"{event.slug}/{number}"),
                event=event,
                author=users[author],
                title=spec.title,
                body=spec.body,
                audience=spec.audience,
                mailed_count=spec.mailed_count,
                created_at=posted,
                updated_at=posted + timedelta(hours=spec.edited_hours_later),
            )
