"""schema.org JSON-LD: /events/{slug}/hackathon.json, and the same data embedded in the event page;
a Dataset on each dataset page. Machines read what the public pages show, nothing more."""

from __future__ import annotations

import json
import re

from events.models import (
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryStatus,
    Event,
    EventStatus,
    GalleryMode,
    Round,
)
from seeds.demo import load_demo

SLUG = "datacity-paris-2026"
SCRIPT_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def embedded(page: str) -> dict:
    scripts = SCRIPT_RE.findall(page)
    assert len(scripts) == 1
    return json.loads(scripts[0])


async def _last_round_entries(event: Event) -> list[Entry]:
    stage = await Round.filter(event_id=event.id).order_by("-position", "-id").first()
    return await Entry.filter(event_id=event.id, round_id=stage.id, status=EntryStatus.SUBMITTED).order_by(
        "id"
    )


async def test_hackathon_json_describes_the_published_event(client, settings):
    await load_demo()
    event = await Event.get(slug=SLUG)
    answer = await client.get(f"/events/{SLUG}/hackathon.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/ld+json"
    assert answer.headers["access-control-allow-origin"] == "*"
    data = answer.json()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Hackathon"
    assert data["name"] == event.title
    assert data["url"] == f"{settings.base_url.rstrip('/')}/events/{SLUG}"
    assert data["startDate"] == event.starts_at.isoformat()
    assert data["location"] == {"@type": "Place", "name": event.location}
    published = await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED).order_by(
        "position", "id"
    )
    assert len(published) >= 2
    assert [c["name"] for c in data["about"]] == [c.title for c in published]
    drafts = await Challenge.filter(event_id=event.id).exclude(status=ChallengeStatus.PUBLISHED)
    for draft in drafts:
        assert draft.title not in answer.text
    offered = [d for c in data["about"] for d in c.get("isBasedOn", [])]
    assert len(offered) >= 1
    assert all(d["@type"] == "Dataset" and "/datasets/" in d["url"] for d in offered)
    assert EMAIL_RE.search(answer.text) is None
    # The page embeds the same description.
    page = await client.get(f"/events/{SLUG}")
    assert page.status_code == 200
    assert embedded(page.text) == data


async def test_entries_appear_only_once_the_gallery_is_public(client):
    await load_demo()
    event = await Event.get(slug=SLUG)
    entries = await _last_round_entries(event)
    assert len(entries) >= 1
    event.gallery = GalleryMode.CLOSED
    await event.save()
    closed = (await client.get(f"/events/{SLUG}/hackathon.json")).json()
    assert "workPerformed" not in closed
    event.gallery = GalleryMode.OPEN
    await event.save()
    opened = (await client.get(f"/events/{SLUG}/hackathon.json")).json()
    works = opened["workPerformed"]
    assert sorted(w["url"].rsplit("/", 1)[1] for w in works) == sorted(str(e.id) for e in entries)
    first = next(w for w in works if w["url"].endswith(f"/entries/{entries[0].id}"))
    team = await entries[0].team
    assert first["name"] == entries[0].title
    assert first["creator"] == {"@type": "Organization", "name": team.name}
    # Applications of earlier rounds and drafts stay out.
    others = await Entry.filter(event_id=event.id).exclude(id__in=[e.id for e in entries])
    for other in others:
        assert f'/entries/{other.id}"' not in json.dumps(opened)


async def test_a_draft_event_is_not_described(client):
    await load_demo()
    draft = await Event.get(status=EventStatus.DRAFT)
    answer = await client.get(f"/events/{draft.slug}/hackathon.json")
    assert answer.status_code == 404


async def test_hostile_titles_cannot_end_the_script_element(client):
    await load_demo()
    event = await Event.get(slug=SLUG)
    hostile = "</script><script>alert(1)</script> & <!-- \u2028"
    event.title = hostile
    await event.save()
    stage = await Round.filter(event_id=event.id).order_by("-position", "-id").first()
    entry = await Entry.filter(event_id=event.id, round_id=stage.id, status=EntryStatus.SUBMITTED).first()
    entry.repository_url = "javascript:alert(1)"
    await entry.save()
    event.gallery = GalleryMode.OPEN
    await event.save()
    page = await client.get(f"/events/{SLUG}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    data = embedded(page.text)
    assert data["name"] == hostile
    assert "javascript:" not in json.dumps(data)


async def test_a_dataset_page_describes_the_dataset_with_its_licence(client):
    await load_demo()
    dataset = await Dataset.filter(event__slug=SLUG, restricted=False).exclude(licence_spdx="").first()
    assert dataset is not None
    page = await client.get(f"/events/{SLUG}/datasets/{dataset.id}")
    assert page.status_code == 200
    data = embedded(page.text)
    assert data["@type"] == "Dataset"
    assert data["name"] == dataset.title
    expected = dataset.licence_url if dataset.licence_url.startswith("https://") else None
    assert data["license"] == (expected or f"https://spdx.org/licenses/{dataset.licence_spdx}.html")
    files = [r for r in dataset.resources if r.get("url", "").startswith("http")]
    assert len(data.get("distribution", [])) == len(files)


async def test_a_restricted_dataset_keeps_its_addresses_out_of_the_linked_data(client):
    await load_demo()
    dataset = await Dataset.filter(event__slug=SLUG, restricted=True).first()
    assert dataset is not None
    urls = [r["url"] for r in dataset.resources if r.get("url")]
    assert len(urls) >= 1
    page = await client.get(f"/events/{SLUG}/datasets/{dataset.id}")
    assert page.status_code == 200
    data = embedded(page.text)
    assert "distribution" not in data
    assert "sameAs" not in data
    assert "includedInDataCatalog" not in data
    assert "identifier" not in data
    for url in [*urls, dataset.landing_url]:
        assert url not in page.text
