"""Pages that people share carry a meta description and an Open Graph card (title, description,
address from BASE_URL, never from the Host header); every page has a description."""

from __future__ import annotations

import html
import re

from events.models import Challenge, Dataset, Entry, Event
from seeds.demo import load_demo

LYON = "hackathon-mobilite-lyon-2026"


def meta(page: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    assert found, f"no {name}"
    return html.unescape(found.group(1))


async def test_event_challenge_entry_and_dataset_pages_have_a_description_and_a_card(db, make_client):
    assert await load_demo() is True
    event = await Event.get(slug=LYON)
    challenge = await Challenge.filter(event=event, status="published").order_by("position").first()
    entry = await Entry.filter(event=event, status="submitted").order_by("id").first()
    dataset = await Dataset.filter(event=event).order_by("id").first()
    client = make_client()
    pages = {
        f"/events/{LYON}": (event.title, event.summary),
        f"/events/{LYON}/challenges/{challenge.slug}": (challenge.title, None),
        f"/events/{LYON}/entries/{entry.id}": (entry.title, entry.summary),
        f"/events/{LYON}/datasets/{dataset.id}": (dataset.title, None),
    }
    for path, (title, summary) in pages.items():
        answer = await client.get(path, headers={"Host": "evil.example"})
        assert answer.status_code == 200, path
        page = answer.text
        description = meta(page, "name", "description")
        assert description and len(description) <= 500, path
        if summary:
            assert description == summary
        assert meta(page, "property", "og:title").startswith(title)
        assert meta(page, "property", "og:description") == description
        assert meta(page, "property", "og:url").endswith(path)
        assert "evil.example" not in meta(page, "property", "og:url")
        assert f'<link rel="canonical" href="{meta(page, "property", "og:url")}">' in page


async def test_every_page_has_a_description_in_the_reader_language(db, make_client):
    client = make_client()
    english = await client.get("/", headers={"Accept-Language": "en"})
    french = await client.get("/", headers={"Accept-Language": "fr"})
    assert meta(english.text, "name", "description").startswith("hackcity: open-data challenges")
    assert meta(french.text, "name", "description").startswith("hackcity\u00a0: défis")
    assert meta(french.text, "property", "og:locale") == "fr_FR"
