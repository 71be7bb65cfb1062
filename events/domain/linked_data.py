"""What search engines and other machines read of an event: schema.org JSON-LD.

- `hackathon(event=..., base_url=...)` is the event as a schema.org `Hackathon` (the model of the
  hackathon.json format): name, dates, place, its challenges (`about`, each with the datasets it
  offers), its sponsors, and the entries the public gallery shows (`workPerformed`, each with its
  team and the datasets it reuses). It is served at `/events/{slug}/hackathon.json` and embedded in
  the event page, there with the gallery's first `EMBEDDED_WORKS` entries only (the page stays the
  same size whatever the gallery holds; the document at hackathon.json lists them all).
- `dataset(...)` is one dataset as a schema.org `Dataset`, with its licence, publisher, catalogue and
  files, embedded in the dataset page.

What the public pages do not show is not here either: draft challenges, entries outside the public
gallery (applications, drafts, a gallery not open yet), team members (names are not published by
default), and the addresses of a restricted dataset (the page shows them only once a team accepted
its terms). Addresses are absolute (`base_url`), and only http(s) addresses from portals or teams
are passed on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from events.domain import gallery
from events.domain.links import is_web_url
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    EntryDataset,
    Event,
    EventStatus,
    Round,
)

CONTEXT = "https://schema.org"
EMBEDDED_WORKS = 24  # entries in the event page's JSON-LD (`works_limit`)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _licence(spdx: str, url: str) -> str | None:
    """A licence as schema.org wants it, a URL: the one the portal gave, or the SPDX page."""
    if is_web_url(url):
        return url
    return f"https://spdx.org/licenses/{spdx}.html" if spdx else None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Without the properties that have no value (JSON-LD reads an absent property as unknown)."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _dataset_ref(dataset: tuple[int, str], event_url: str) -> dict[str, Any]:
    """A dataset named by (id, title): all the event's description needs of it."""
    dataset_id, title = dataset
    return {"@type": "Dataset", "name": title, "url": f"{event_url}/datasets/{dataset_id}"}


def dataset(*, dataset: Dataset, event: Event, base_url: str, show_addresses: bool) -> dict[str, Any]:
    """A dataset as schema.org `Dataset`. `show_addresses` is what the page shows the reader: a
    restricted dataset keeps its source and files to itself until a team accepted its terms."""
    event_url = f"{base_url}/events/{event.slug}"
    files = []
    if show_addresses:
        files = [
            _clean(
                {
                    "@type": "DataDownload",
                    "name": resource.get("title") or None,
                    "encodingFormat": resource.get("format") or None,
                    "contentUrl": resource.get("url"),
                }
            )
            for resource in dataset.resources or []
            if isinstance(resource, dict) and is_web_url(resource.get("url"))
        ]
    catalogue = (
        {"@type": "DataCatalog", "url": dataset.portal_url}
        if show_addresses and is_web_url(dataset.portal_url)
        else None  # a restricted dataset's portal is a host its credit line does not name either
    )
    return _clean(
        {
            "@context": CONTEXT,
            "@type": "Dataset",
            "name": dataset.title,
            "description": dataset.description or dataset.title,
            "url": f"{event_url}/datasets/{dataset.id}",
            "sameAs": dataset.landing_url if show_addresses and is_web_url(dataset.landing_url) else None,
            "identifier": (dataset.remote_id or None) if show_addresses else None,
            "license": _licence(dataset.licence_spdx, dataset.licence_url),
            "publisher": {"@type": "Organization", "name": dataset.publisher} if dataset.publisher else None,
            "dateModified": _when(dataset.last_modified),
            "encodingFormat": list(dataset.formats or []),
            "includedInDataCatalog": catalogue,
            "isAccessibleForFree": True,
            "conditionsOfAccess": dataset.restricted_terms or None if dataset.restricted else None,
            "distribution": files,
        }
    )


async def hackathon(
    *,
    event: Event,
    base_url: str,
    challenges: list[Challenge] | None = None,
    rounds: list[Round] | None = None,
    works_limit: int | None = None,
) -> dict[str, Any]:
    """The event as schema.org `Hackathon`, with what its public pages show (see the module).
    A page that already holds the event's published challenges or its rounds (in order) passes them;
    `works_limit` keeps the gallery's first entries only (in the gallery's order)."""
    event_url = f"{base_url}/events/{event.slug}"
    if challenges is None:
        challenges = await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED).order_by(
            "position", "id"
        )
    # The datasets' ids and titles only: a catalogue of hundreds would otherwise be read whole.
    offered: dict[int, list[tuple[int, str]]] = {}
    for challenge_id, dataset_id, title in (
        await ChallengeDataset.filter(challenge_id__in=[c.id for c in challenges])
        .order_by("-is_primary", "dataset__title", "id")
        .values_list("challenge_id", "dataset_id", "dataset__title")
    ):
        offered.setdefault(challenge_id, []).append((dataset_id, title))
    stage = (rounds[-1] if rounds else None) if rounds is not None else await gallery.last_round(event)
    anyone = gallery.Viewer(
        public=gallery.is_public(event, stage, datetime.now(UTC)),
        organiser=False,
        last_round_id=stage.id if stage else None,
    )
    entries = (
        await gallery.gallery_cards(event=event, viewer=anyone, limit=works_limit) if anyone.public else []
    )
    reused: dict[int, list[tuple[int, str]]] = {}
    for entry_id, dataset_id, title in (
        await EntryDataset.filter(entry_id__in=[e.id for e in entries])
        .order_by("dataset__title", "id")
        .values_list("entry_id", "dataset_id", "dataset__title")
    ):
        reused.setdefault(entry_id, []).append((dataset_id, title))
    sponsors = sorted({name for challenge in challenges for name in challenge.sponsors or [] if name})
    return _clean(
        {
            "@context": CONTEXT,
            "@type": "Hackathon",
            "name": event.title,
            "description": event.summary or None,
            "url": event_url,
            "startDate": _when(event.starts_at),
            "endDate": _when(event.ends_at),
            "eventStatus": "https://schema.org/EventScheduled",
            "location": {"@type": "Place", "name": event.location} if event.location else None,
            "organizer": {"@type": "Organization", "name": "hackcity", "url": base_url},
            "sponsor": [{"@type": "Organization", "name": name} for name in sponsors],
            "isAccessibleForFree": True,
            "about": [
                _clean(
                    {
                        "@type": "CreativeWork",
                        "name": challenge.title,
                        "url": f"{event_url}/challenges/{challenge.slug}",
                        "sponsor": [{"@type": "Organization", "name": n} for n in challenge.sponsors or []],
                        "isBasedOn": [_dataset_ref(d, event_url) for d in offered.get(challenge.id, [])],
                    }
                )
                for challenge in challenges
            ],
            "workPerformed": [
                _clean(
                    {
                        "@type": "CreativeWork",
                        "name": entry.title,
                        "abstract": entry.summary or None,
                        "url": f"{event_url}/entries/{entry.id}",
                        "dateCreated": _when(entry.submitted_at),
                        "creator": {"@type": "Organization", "name": entry.team.name},
                        "about": {"@type": "CreativeWork", "name": entry.challenge.title},
                        "license": _licence(entry.code_licence, ""),
                        "codeRepository": entry.repository_url if is_web_url(entry.repository_url) else None,
                        "isBasedOn": [_dataset_ref(d, event_url) for d in reused.get(entry.id, [])],
                    }
                )
                for entry in entries
            ],
        }
    )


def is_listed(event: Event) -> bool:
    """Whether machines may read the event at all: drafts are nobody's business but their team's."""
    return event.status != EventStatus.DRAFT
