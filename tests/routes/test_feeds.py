"""The Atom feeds (docs/SECURITY.md, "Announcements and feeds"): an event's and the whole instance's,
read by `feedparser` as a feed reader would, and by a strict XML parser. Nothing of a draft event or
of another event appears; hostile titles never break the document."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest

from events.feeds import ATOM_NS, Feed, FeedEntry, atom, xml_text
from events.models import Announcement, Event, EventRole, EventStatus, Role
from tests.conftest import BASE_URL
from tests.helpers import make_user, sign_in

ATOM = "application/atom+xml; charset=utf-8"
MAY = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


def _parsed(response):
    assert response.status_code == 200
    assert response.headers["content-type"] == ATOM
    ET.fromstring(response.content)  # noqa: S314 - our own document: well-formed XML, or this raises
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


async def _news(event: Event, title: str, *, days: int = 0, body: str = "Body", edited: int = 0):
    created = MAY + timedelta(days=days)
    return await Announcement.create(
        event=event,
        title=title,
        body=body,
        created_at=created,
        updated_at=created + timedelta(hours=edited),
    )


@pytest.fixture
async def events(db) -> dict[str, Event]:
    made = {}
    for slug, status in (
        ("paris", EventStatus.PUBLISHED),
        ("lyon", EventStatus.ARCHIVED),
        ("secret", EventStatus.DRAFT),
    ):
        made[slug] = await Event.create(
            slug=slug, title=slug.title() + " Data", summary=f"About {slug}", status=status
        )
    return made


async def test_event_feed_lists_its_news_with_absolute_links_dates_and_sanitised_html(events, client):
    paris = events["paris"]
    first = await _news(paris, "Registrations open", body="Sign up **now**.")
    second = await _news(
        paris, "Kick-off", days=2, body="See [the plan](https://example.org/plan).", edited=5
    )
    await _news(events["lyon"], "Lyon news")
    await _news(events["secret"], "Secret news")

    feed = _parsed(await client.get("/events/paris/feed.atom"))

    assert feed.feed.title == "Paris Data"
    assert feed.feed.subtitle == "About paris"
    assert feed.feed.id == f"tag:testserver,{paris.created_at:%Y-%m-%d}:events/{paris.id}/announcements"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": f"{BASE_URL}/events/paris/feed.atom",
        "alternate": f"{BASE_URL}/events/paris/announcements",
    }
    assert feed.feed.author == "Paris Data"
    assert feed.feed.updated == "2026-05-06T13:30:00Z"  # the newest change of an entry
    assert [entry.title for entry in feed.entries] == ["Kick-off", "Registrations open"]
    kick_off, registrations = feed.entries
    assert kick_off.id == f"urn:uuid:{second.uuid}"
    assert registrations.id == f"urn:uuid:{first.uuid}"
    assert kick_off.link == f"{BASE_URL}/events/paris/announcements/{second.id}"
    assert kick_off.published == "2026-05-06T08:30:00Z"
    assert kick_off.updated == "2026-05-06T13:30:00Z"
    assert registrations.published == registrations.updated == "2026-05-04T08:30:00Z"
    assert kick_off.author == "Paris Data"
    assert registrations.content[0].type == "text/html"
    assert registrations.content[0].value == "<p>Sign up <strong>now</strong>.</p>"
    assert 'href="https://example.org/plan"' in kick_off.content[0].value
    assert b"Lyon news" not in (await client.get("/events/paris/feed.atom")).content


async def test_the_ids_stay_when_the_event_changes_its_address(events, client):
    paris = events["paris"]
    news = await _news(paris, "Registrations open")
    before = _parsed(await client.get("/events/paris/feed.atom"))
    await Event.filter(id=paris.id).update(slug="paris-2026")

    after = _parsed(await client.get("/events/paris-2026/feed.atom"))

    assert after.feed.id == before.feed.id
    assert after.entries[0].id == before.entries[0].id == f"urn:uuid:{news.uuid}"
    assert after.entries[0].link == f"{BASE_URL}/events/paris-2026/announcements/{news.id}"


async def test_instance_feed_holds_public_events_news_and_nothing_of_a_draft(events, client):
    await _news(events["paris"], "Paris news", days=1)
    await _news(events["lyon"], "Lyon news", days=2)
    await _news(events["secret"], "Secret news", days=3, body="Secret body")

    response = await client.get("/feed.atom")

    feed = _parsed(response)
    assert [entry.title for entry in feed.entries] == ["Lyon news", "Paris news"]
    assert [entry.author for entry in feed.entries] == ["Lyon Data", "Paris Data"]
    assert feed.feed.title == "News of the events"
    assert feed.feed.id == f"{BASE_URL}/feed.atom"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": f"{BASE_URL}/feed.atom",
        "alternate": f"{BASE_URL}/",
    }
    assert feed.feed.updated == "2026-05-06T08:30:00Z"
    for secret in (b"Secret", b"secret", str(events["secret"].id).encode() + b"/announcements"):
        assert secret not in response.content


async def test_a_draft_has_no_feed_even_for_its_organiser_or_an_admin(events, make_client):
    await _news(events["secret"], "Secret news")
    organiser = await make_user("orga@example.org")
    await EventRole.create(event=events["secret"], user=organiser, role=Role.ORGANISER)
    await make_user("admin@example.org", is_admin=True)

    for email in (None, "orga@example.org", "admin@example.org"):
        client = make_client()
        if email:
            await sign_in(client, email)
        response = await client.get("/events/secret/feed.atom")
        assert response.status_code == 404, email
        assert b"Secret news" not in response.content
        everything = await client.get("/feed.atom")
        assert b"Secret news" not in everything.content


async def test_feeds_without_news_are_valid(events, client):
    event_feed = _parsed(await client.get("/events/paris/feed.atom"))
    instance_feed = _parsed(await client.get("/feed.atom"))

    assert event_feed.entries == [] and instance_feed.entries == []
    assert event_feed.feed.updated == events["paris"].created_at.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert instance_feed.feed.updated == "1970-01-01T00:00:00Z"


HOSTILE = [
    "<script>alert(1)</script>",
    "]]> <![CDATA[ x ]]>",
    "Tom & Jerry <b>bold</b> &amp; &#x0;",
    "bell\x07 escape\x1b[31m vertical\x0b formfeed\x0c nul-less",
    "not characters \ufffe\uffff",  # (a lone surrogate cannot even be stored: see the writer's test)
    "emoji 🎉 and RTL \u202egnp.exe",
]


@pytest.mark.parametrize("title", HOSTILE)
async def test_hostile_titles_and_bodies_never_break_the_feeds(events, client, title):
    body = f"{title}\n\n<script>alert(2)</script> [x](javascript:alert(3))"
    # Written straight into the database: the feed must hold even against what the forms refuse.
    await Event.filter(id=events["paris"].id).update(title=f"Event {title}")
    await _news(events["paris"], title, body=body)

    for path in ("/events/paris/feed.atom", "/feed.atom"):
        response = await client.get(path)
        feed = _parsed(response)
        assert len(feed.entries) == 1, path
        assert feed.entries[0].title == xml_text(title).strip(), path
        assert feed.entries[0].author == xml_text(f"Event {title}").strip(), path
        assert b"<script" not in response.content, path
        assert b"javascript:" not in response.content.replace(b"[x](javascript:alert(3))", b""), path


async def test_an_unchanged_feed_answers_304_to_its_etag(events, client):
    await _news(events["paris"], "Registrations open")
    first = await client.get("/events/paris/feed.atom")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"

    again = await client.get("/events/paris/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    await _news(events["paris"], "Kick-off", days=1)
    changed = await client.get("/events/paris/feed.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_the_writer_escapes_everything_and_drops_what_xml_cannot_hold():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    hostile = "a<b>&c]]>\"d'\x00\x01\x1f\ud800\ufffe\U0001f389"
    feed = Feed(
        id=f"urn:uuid:{uuid.UUID(int=1)}",
        title=hostile,
        self_link=f'https://example.org/feed?a=1&b="2"{hostile}',
        alternate="https://example.org/",
        author=hostile,
        updated_when_empty=moment,
        entries=[
            FeedEntry(
                id="urn:uuid:00000000-0000-0000-0000-000000000002",
                title=hostile,
                link="https://example.org/1",
                published=moment,
                updated=moment,
                author=hostile,
                html=f"<p>{hostile}</p>",
            )
        ],
    )

    document = atom(feed)

    root = ET.fromstring(document)  # noqa: S314 - our own document
    clean = "a<b>&c]]>\"d'\U0001f389"
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert root.find(f"{{{ATOM_NS}}}title").text == clean
    entry = root.find(f"{{{ATOM_NS}}}entry")
    assert entry.find(f"{{{ATOM_NS}}}content").text == f"<p>{clean}</p>"
    assert entry.find(f"{{{ATOM_NS}}}updated").text == "2026-01-02T03:04:05Z"
    assert document.startswith(
        b"<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
    )
    assert b"<![CDATA[" not in document


async def test_the_demo_news_fills_the_feeds_and_the_drafts_news_stays_out(db, client):
    from seeds.demo import load_demo

    assert await load_demo() is True

    instance_feed = _parsed(await client.get("/feed.atom"))
    programme_feed = _parsed(await client.get("/events/datacity-paris-2026/feed.atom"))

    assert [entry.title for entry in instance_feed.entries] == [
        "Le demo day approche",
        "Point d'étape du prototype",
        "Merci à toutes les équipes",
        "Résultats de la sélection",
        "Les candidatures sont ouvertes",
    ]
    assert len(programme_feed.entries) == 4
    assert (await client.get("/events/defi-energie-brouillon/feed.atom")).status_code == 404
    page = (await client.get("/events/datacity-paris-2026")).text
    assert page.count('<li class="card">\n      <h3><a href="/events/datacity-paris-2026/announcements/') == 3
