"""Addresses stored from a portal or a user become links only when they are http(s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.models import (
    ChallengeDataset,
    Dataset,
    Entry,
    EntryDataset,
    EntryStatus,
    GalleryMode,
)
from tests.entry_world import make_entry_world

HOSTILE_URLS = ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>"]


async def _world(hostile: str):
    world = await make_entry_world()
    world.event.gallery = GalleryMode.OPEN
    await world.event.save()
    await Dataset.filter(id=world.dataset.id).update(
        licence_title="Licence hostile",
        licence_url=hostile,
        landing_url=hostile,
        resources=[{"id": "r1", "title": "stops.csv", "format": "CSV", "url": hostile}],
    )
    await ChallengeDataset.create(challenge=world.challenge, dataset=world.dataset, is_primary=True)
    entry = await Entry.create(
        event=world.event,
        team=world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title="Bus à l'heure",
        repository_url=hostile,
        demo_url=hostile,
        video_url=hostile,
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.now(UTC) - timedelta(days=1),
    )
    await EntryDataset.create(entry=entry, dataset=world.dataset)
    return world, entry


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
async def test_a_hostile_address_is_never_a_link_on_any_page(db, make_client, hostile):
    world, entry = await _world(hostile)
    client = make_client()
    slug = world.event.slug
    pages = {
        "dataset": f"/events/{slug}/datasets/{world.dataset.id}",
        "entry": f"/events/{slug}/entries/{entry.id}",
        "catalogue": f"/events/{slug}/datasets",
        "challenge": f"/events/{slug}/challenges/mobility",
    }

    for name, path in pages.items():
        page = await client.get(path)
        assert page.status_code == 200, name
        lowered = page.text.lower()
        assert 'href="javascript:' not in lowered, name
        assert 'href=" javascript:' not in lowered, name
        assert 'href="data:' not in lowered, name

    dataset_page = await client.get(pages["dataset"])
    assert "Licence hostile" in dataset_page.text  # the licence is still named, as text
    entry_page = await client.get(pages["entry"])
    assert "Licence hostile" in entry_page.text


async def test_a_web_address_stays_a_link(db, make_client):
    world, entry = await _world("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    client = make_client()

    dataset_page = await client.get(f"/events/{world.event.slug}/datasets/{world.dataset.id}")
    entry_page = await client.get(f"/events/{world.event.slug}/entries/{entry.id}")

    link = (
        '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/" rel="noopener noreferrer">'
        "Licence hostile</a>"
    )
    assert dataset_page.text.count(link) == 1
    assert entry_page.text.count(link) == 1
