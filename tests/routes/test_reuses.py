"""Reuses for open-data portals: the record of a public entry in udata's schema, its publication to the
local fake udata (tests/portal_server.py), the stored API key, and the dataset pages that list it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest

from events.app import create_app
from events.domain import portal_requests, portals, sealing
from events.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    GalleryMode,
    JurySession,
    PortalKey,
    PortalReuse,
    Role,
    Round,
    SessionStatus,
    Team,
    TeamMember,
    User,
)
from events.storage_backends import storage_for
from tests.conftest import BASE_URL
from tests.helpers import make_user, post_form, sign_in
from tests.portal_server import (
    CKAN_NAME,
    OTHER_UDATA_API_KEY,
    UDATA_API_KEY,
    UDATA_DATASET,
    UDATA_ID,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    event: Event
    other_event: Event
    stage: Round
    challenge: Challenge
    udata: Dataset
    ckan: Dataset
    manual: Dataset
    entry: Entry  # team A's submitted prototype, in the open gallery
    draft: Entry  # team B's draft: not public
    olga: User  # organiser of the event
    oscar: User  # organiser of the other event
    alice: User  # team A's captain
    bob: User  # team B's captain


async def _team(event: Event, name: str, captain: User) -> Team:
    team = await Team.create(
        event=event, name=name, name_key=name.lower(), invite_token_hash=secrets.token_hex(32)
    )
    await TeamMember.create(team=team, event=event, user=captain, is_captain=True)
    return team


@pytest.fixture
async def world(db, settings, portal) -> World:
    event = await Event.create(
        slug="datacity", title="DataCity Lyon", status=EventStatus.PUBLISHED, gallery=GalleryMode.OPEN
    )
    other_event = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stage = await Round.create(event=event, name="Prototype", position=1)
    challenge = await Challenge.create(
        event=event, slug="mobility", title="Mobilité douce", status=ChallengeStatus.PUBLISHED
    )
    udata = await portals.import_dataset(
        event=event, url=portal(f"/api/1/datasets/{UDATA_ID}/"), allow_private=True
    )
    ckan = await portals.import_dataset(
        event=event, url=portal(f"/api/3/action/package_show?id={CKAN_NAME}"), allow_private=True
    )
    manual = await Dataset.create(
        event=event, title="Comptages vélo", publisher="Ville", portal_kind="manual"
    )
    olga = await make_user("olga@example.org", name="Olga")
    oscar = await make_user("oscar@example.org", name="Oscar")
    alice = await make_user("alice@example.org", name="Alice")
    bob = await make_user("bob@example.org", name="Bob")
    await EventRole.create(event=event, user=olga, role=Role.ORGANISER)
    await EventRole.create(event=other_event, user=oscar, role=Role.ORGANISER)
    team_a = await _team(event, "Les Bus", alice)
    team_b = await _team(event, "Data Vélo", bob)
    entry = await Entry.create(
        event=event,
        team=team_a,
        round=stage,
        challenge=challenge,
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.now(UTC),
        title="Bus à l'heure",
        summary="Predicts bus delays.",
        description="# Our idea\n\nUse **open data**.",
        demo_url="https://bus.example.org/",
        repository_url="https://git.example.org/bus",
    )
    for dataset, note in ((udata, "stations"), (ckan, "trees"), (manual, "counts")):
        await EntryDataset.create(entry=entry, dataset=dataset, note=note)
    draft = await Entry.create(event=event, team=team_b, round=stage, challenge=challenge, title="Vélo draft")
    await EntryDataset.create(entry=draft, dataset=udata)
    return World(
        event, other_event, stage, challenge, udata, ckan, manual, entry, draft, olga, oscar, alice, bob
    )


async def signed_in(make_client, user: User) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, user.email)
    return client


def page_url(world: World, entry: Entry | None = None) -> str:
    return f"/events/{world.event.slug}/manage/entries/{(entry or world.entry).id}/reuse"


async def publish(
    client: httpx.AsyncClient, world: World, entry: Entry | None = None, **fields
) -> httpx.Response:
    url = page_url(world, entry)
    data = {"choose": "1", "type": "application", "topic": "others", **fields}
    return await post_form(client, url + "/publish", data, page=url)


def record_on_page(page: str) -> dict:
    match = re.search(r'<textarea id="record"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no record on the page"
    return json.loads(unescape(match.group(1)))


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input id="f-{name}" name="{name}" type="\w+"\s+value="([^"]*)"', page)
    assert match, f"no field {name} on the page"
    return unescape(match.group(1))


def errors_of(page: str) -> list[str]:
    block = re.search(r'<div class="alert alert--error"[^>]*>(.*?)</div>', page, re.S)
    assert block, "no error summary on the page"
    return [
        re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", "", item))).strip()
        for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    ]


# --- the record ------------------------------------------------------------------------------------


async def test_the_record_of_a_public_entry_links_its_udata_datasets_by_their_portal_ids(
    world, make_client, portal
):
    client = await signed_in(make_client, world.olga)

    page = await client.get(page_url(world))

    assert page.status_code == 200
    record = record_on_page(page.text)
    assert record == {
        "title": "Bus à l'heure",
        "description": record["description"],
        "type": "application",
        "topic": "others",
        "url": f"{BASE_URL}/events/datacity/entries/{world.entry.id}",
        "tags": ["hackcity", "datacity", "mobility"],
        "datasets": [{"class": "Dataset", "id": UDATA_ID}],
    }
    description = record["description"]
    assert description.startswith("Predicts bus delays.\n\n# Our idea\n\nUse **open data**.\n\n---\n\n")
    assert f"Made at [DataCity Lyon]({BASE_URL}/events/datacity) by the team Les Bus" in description
    assert "Demonstration: <https://bus.example.org/>" in description
    # The datasets udata cannot link are named in the description, with their address when public.
    assert world.ckan.title in description and world.ckan.landing_url in description
    assert "- Comptages vélo (Ville)" in description
    assert UDATA_DATASET["title"] not in description  # linked: the portal shows it itself
    # The organiser reads why each dataset is linked or not, and the portal prefilled.
    text = unescape(page.text)
    assert "From a CKAN portal, which udata cannot link. Listed in the description." in text
    assert "Entered by hand: it has no id on a portal. Listed in the description." in text
    assert input_value(page.text, "portal") == portal.url
    assert re.search(r'<input id="f-api_key" name="api_key" type="password"\s+(?!value)', page.text)

    download = await client.get(page_url(world) + ".json")

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.json() == record


async def test_the_organiser_chooses_the_type_the_topic_and_the_address(world, make_client):
    client = await signed_in(make_client, world.olga)
    query = "?choose=1&type=visualization&topic=transport_and_mobility&address=demo"

    page = await client.get(page_url(world) + query)
    download = await client.get(page_url(world) + ".json" + query)

    record = record_on_page(page.text)
    assert (record["type"], record["topic"], record["url"]) == (
        "visualization",
        "transport_and_mobility",
        "https://bus.example.org/",
    )
    assert download.json() == record
    # A value udata does not know falls back to the default in the preview.
    odd = record_on_page((await client.get(page_url(world) + "?choose=1&type=poem&topic=x")).text)
    assert (odd["type"], odd["topic"]) == ("application", "others")


async def test_an_entry_that_is_not_public_has_no_record(world, make_client):
    client = await signed_in(make_client, world.olga)
    url = page_url(world, world.draft)

    assert (await client.get(url)).status_code == 404
    assert (await client.get(url + ".json")).status_code == 404
    published = await publish(
        client, world, world.draft, portal=world.udata.portal_url, api_key=UDATA_API_KEY
    )
    assert published.status_code == 404
    assert not await PortalReuse.exists()
    # Once the gallery is closed, the prototype is no longer public either.
    world.event.gallery = GalleryMode.CLOSED
    await world.event.save()
    assert (await client.get(page_url(world))).status_code == 404


async def test_an_awarded_entry_of_published_results_has_a_record_pointing_to_its_demonstration(
    world, make_client
):
    world.event.gallery = GalleryMode.CLOSED
    await world.event.save()
    session = await JurySession.create(
        event=world.event, round=world.stage, name="Grand jury", status=SessionStatus.CLOSED
    )
    await Award.create(
        session=session, challenge=world.challenge, entry=world.entry, title="First prize", position=1
    )
    client = await signed_in(make_client, world.olga)

    assert (await client.get(page_url(world))).status_code == 404  # closed: not public yet

    session.status = SessionStatus.PUBLISHED
    session.published_at = datetime.now(UTC)
    await session.save()
    page = await client.get(page_url(world))

    assert page.status_code == 200
    record = record_on_page(page.text)
    # The entry's page is not public (the gallery is closed): the demonstration is the address.
    assert record["url"] == "https://bus.example.org/"
    assert "Award: First prize (Grand jury)." in record["description"]


# --- publishing --------------------------------------------------------------------------------------


async def test_publishing_creates_the_reuse_on_the_portal_and_the_dataset_page_lists_it(
    world, make_client, portal
):
    client = await signed_in(make_client, world.olga)
    record = record_on_page((await client.get(page_url(world))).text)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY, address="entry")

    assert response.status_code == 303
    assert response.headers["location"] == page_url(world) + "?portal=" + portal.url.replace(
        ":", "%3A"
    ).replace("/", "%2F")
    received = portal.received
    assert [(r["method"], r["path"]) for r in received] == [("POST", "/api/1/reuses/")]
    assert received[0]["headers"]["x-api-key"] == UDATA_API_KEY
    assert received[0]["json"] == record
    (remote_id, held), *others = portal.reuses.items()
    assert others == []
    assert held["datasets"] == [UDATA_ID]
    stored = await PortalReuse.get(entry_id=world.entry.id)
    assert (stored.portal_url, stored.remote_id, stored.page_url) == (
        portal.url,
        remote_id,
        f"{portal.url}/reuses/{held['slug']}",
    )
    assert stored.published_by_id == world.olga.id
    assert stored.published_at is not None and stored.publishing_since is None
    assert stored.dataset_ids == [world.udata.id]

    page = await client.get(response.headers["location"])
    assert "“Bus à l'heure” is published on 127.0.0.1." in unescape(page.text)
    assert (
        f'<a href="{stored.page_url}" rel="noopener noreferrer">See the reuse on 127.0.0.1</a>' in page.text
    )
    assert "Update the reuse on the portal" in page.text

    # The dataset's public page lists the reuse, with the link to the portal; the CKAN one does not.
    visitor = make_client()
    dataset_page = await visitor.get(f"/events/datacity/datasets/{world.udata.id}")
    assert f'<a href="{stored.page_url}" rel="noopener noreferrer">“Bus à l&#39;heure” on 127.0.0.1</a>' in (
        dataset_page.text
    )
    assert "published on 127.0.0.1" in dataset_page.text
    ckan_page = await visitor.get(f"/events/datacity/datasets/{world.ckan.id}")
    assert stored.page_url not in ckan_page.text
    # The organisers' list shows it too.
    listing = await client.get("/events/datacity/manage/reuses")
    assert f'<a href="{stored.page_url}"' in listing.text


async def test_publishing_again_updates_the_same_reuse_with_the_stored_key(world, make_client, portal):
    client = await signed_in(make_client, world.olga)
    await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)
    first = await PortalReuse.get(entry_id=world.entry.id)

    again = await publish(
        client, world, portal=portal.url, type="visualization", topic="transport_and_mobility"
    )

    assert again.status_code == 303
    assert [(r["method"], r["path"]) for r in portal.received] == [
        ("POST", "/api/1/reuses/"),
        ("PUT", f"/api/1/reuses/{first.remote_id}/"),
    ]
    assert portal.received[1]["headers"]["x-api-key"] == UDATA_API_KEY
    reuses = portal.reuses
    assert list(reuses) == [first.remote_id]
    assert (reuses[first.remote_id]["type"], reuses[first.remote_id]["topic"]) == (
        "visualization",
        "transport_and_mobility",
    )
    rows = await PortalReuse.filter(entry_id=world.entry.id)
    assert len(rows) == 1
    assert rows[0].published_at == first.published_at and rows[0].updated_at > first.updated_at
    assert rows[0].choices["type"] == "visualization"
    page = await client.get(again.headers["location"])
    assert "The reuse “Bus à l'heure” is updated on 127.0.0.1." in unescape(page.text)
    # The page starts from the choices last published.
    assert record_on_page(page.text)["type"] == "visualization"


async def test_a_reuse_deleted_on_the_portal_is_published_anew(world, make_client, portal):
    client = await signed_in(make_client, world.olga)
    await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)
    first = await PortalReuse.get(entry_id=world.entry.id)
    portal.purge_reuse(first.remote_id)

    response = await publish(client, world, portal=portal.url)

    assert response.status_code == 303
    assert [r["method"] for r in portal.received] == ["POST", "PUT", "POST"]
    row = await PortalReuse.get(entry_id=world.entry.id)
    assert row.remote_id != first.remote_id and row.remote_id in portal.reuses


async def test_a_bad_key_is_refused_with_a_message_and_not_kept(world, make_client, portal):
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key="not-the-key", type="visualization")

    assert response.status_code == 422
    assert errors_of(response.text) == [
        "The portal refused the API key (HTTP 401: Invalid API token). Enter a valid key."
    ]
    assert 'aria-describedby="f-api_key-error"' in response.text or "f-api_key-error" in response.text
    assert "not-the-key" not in response.text
    # What the organiser chose is kept; nothing is stored as published, and the refused key is gone.
    assert record_on_page(response.text)["type"] == "visualization"
    assert await PortalKey.filter(event_id=world.event.id).count() == 0
    assert not await PortalReuse.exclude(remote_id="").exists()
    assert portal.reuses == {}


async def test_without_a_key_the_page_asks_for_one(world, make_client, portal):
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url)

    assert response.status_code == 422
    assert errors_of(response.text) == ["Enter your API key for this portal."]
    assert portal.received == []


async def test_another_accounts_key_cannot_update_the_reuse(world, make_client, portal):
    client = await signed_in(make_client, world.olga)
    await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    response = await publish(client, world, portal=portal.url, api_key=OTHER_UDATA_API_KEY)

    assert response.status_code == 422
    assert errors_of(response.text) == [
        "The portal says this key may not change this reuse (HTTP 403): use the key of the account that "
        "published it."
    ]


async def test_a_portal_failure_is_said_and_the_key_is_kept_for_the_next_try(world, make_client, portal):
    client = await signed_in(make_client, world.olga)
    portal.answer("/api/1/reuses/", 500)

    failed = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    assert failed.status_code == 422
    assert errors_of(failed.text) == ["The portal has a problem of its own (HTTP 500). Try again later."]
    assert not await PortalReuse.exclude(remote_id="").exists()
    assert "An API key is stored for this portal and event: …" + UDATA_API_KEY[-4:] in unescape(failed.text)

    portal.state.statuses.clear()
    retried = await publish(client, world, portal=portal.url)  # no key typed: the stored one

    assert retried.status_code == 303
    assert len(portal.reuses) == 1
    assert (await PortalReuse.get(entry_id=world.entry.id)).publishing_since is None


async def test_the_portals_validation_messages_are_shown(world, make_client, portal):
    """Two entries pointing to the same demonstration: udata takes an address once."""
    client = await signed_in(make_client, world.olga)
    twin = await Entry.create(
        event=world.event,
        team=await _team(world.event, "Twins", await make_user("twin@example.org", name="Twin")),
        round=world.stage,
        challenge=world.challenge,
        status=EntryStatus.SUBMITTED,
        title="Vélo à l'heure",
        demo_url="https://bus.example.org/",
    )
    await EntryDataset.create(entry=twin, dataset=world.udata)
    first = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY, address="demo")
    assert first.status_code == 303

    response = await publish(client, world, twin, portal=portal.url, address="demo")

    assert response.status_code == 422
    assert errors_of(response.text) == ["The portal refused the reuse: url: This URL is already registered"]
    assert not await PortalReuse.filter(entry_id=twin.id).exclude(remote_id="").exists()


async def test_a_slow_portal_times_out_with_a_message(world, make_client, portal, monkeypatch):
    monkeypatch.setattr(portal_requests, "TOTAL_TIMEOUT", 0.3)
    portal.delay("/api/1/reuses/", 1.0)
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    assert response.status_code == 422
    assert errors_of(response.text) == ["The portal took too long to answer. Try again later."]
    row = await PortalReuse.get(entry_id=world.entry.id)
    assert (row.remote_id, row.publishing_since) == ("", None)


@pytest.mark.parametrize(
    "address",
    [
        "http://169.254.169.254",
        "http://10.0.0.1/",
        "http://[::ffff:169.254.169.254]",
        "http://192.168.1.20:8080",
    ],
)
async def test_a_portal_on_a_private_network_is_refused_before_any_request(
    world, make_client, portal, address
):
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=address, api_key=UDATA_API_KEY)

    assert response.status_code == 422
    assert errors_of(response.text) == [
        "This address leads to a private or local network, which the server does not fetch."
    ]
    assert await PortalKey.all().count() == 0  # the key was not kept for that address either
    assert not await PortalReuse.exists()
    assert portal.received == []


async def test_an_address_the_entry_does_not_have_is_refused(world, make_client, portal):
    world.entry.demo_url = ""
    await world.entry.save()
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY, address="demo")

    assert response.status_code == 422
    assert errors_of(response.text) == ["This entry has no such address: choose another one."]
    assert portal.received == []


async def test_a_redirect_from_the_portal_is_not_followed(world, make_client, portal):
    portal.redirect("/api/1/reuses/", "http://169.254.169.254/api/1/reuses/")
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    assert response.status_code == 422
    assert errors_of(response.text) == [
        "The portal answers from another address (http://169.254.169.254/api/1/reuses/): enter that address."
    ]
    assert [r["path"] for r in portal.received] == ["/api/1/reuses/"]
    assert not await PortalReuse.exclude(remote_id="").exists()


async def test_a_page_address_that_is_not_a_web_address_is_never_a_link(world, make_client, portal):
    portal.answer_page("javascript:alert(document.cookie)")
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    assert response.status_code == 303
    stored = await PortalReuse.get(entry_id=world.entry.id)
    assert stored.page_url == f"{portal.url}/reuses/{stored.slug}/"
    for path in (page_url(world), f"/events/datacity/datasets/{world.udata.id}"):
        assert "javascript:" not in (await client.get(path)).text


async def test_a_portal_that_links_none_of_the_datasets_is_refused(world, make_client, portal):
    client = await signed_in(make_client, world.olga)

    # Another udata portal (here: under another path of the same server) holds none of its datasets.
    response = await publish(client, world, portal=portal.url + "/other", api_key=UDATA_API_KEY)

    assert response.status_code == 422
    assert errors_of(response.text) == [
        "None of this entry's datasets can be linked on this portal: udata hides a reuse without datasets. "
        "Choose the portal its datasets come from."
    ]
    assert portal.received == [] and not await PortalKey.exists()


async def test_two_publications_at_once_make_one_reuse(world, make_client, portal):
    portal.delay("/api/1/reuses/", 0.5)
    first, second = await signed_in(make_client, world.olga), await signed_in(make_client, world.olga)

    answers = await asyncio.gather(
        publish(first, world, portal=portal.url, api_key=UDATA_API_KEY),
        publish(second, world, portal=portal.url, api_key=UDATA_API_KEY),
    )

    assert sorted(a.status_code for a in answers) == [303, 422], [errors_of(a.text) for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert errors_of(refused.text) == [
        "This entry is being published to this portal right now: wait a moment, then reload."
    ]
    assert len(portal.reuses) == 1
    assert await PortalReuse.filter(entry_id=world.entry.id).count() == 1


async def test_the_entrys_image_is_sent_to_the_portal(world, make_client, portal, settings):
    pending = storage_for(settings).begin(max_bytes=1024)
    await pending.write(PNG)
    stored = await pending.commit()
    await EntryFile.create(
        entry=world.entry,
        storage_key=stored.key,
        original_name="screen.png",
        content_type="image/png",
        size=stored.size,
        sha256=stored.sha256,
    )
    client = await signed_in(make_client, world.olga)
    page = await client.get(page_url(world))
    assert "Send the entry's image screen.png" in unescape(page.text)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY, image="on")

    assert response.status_code == 303
    remote_id = (await PortalReuse.get(entry_id=world.entry.id)).remote_id
    assert [(r["method"], r["path"]) for r in portal.received] == [
        ("POST", "/api/1/reuses/"),
        ("POST", f"/api/1/reuses/{remote_id}/image/"),
    ]
    assert portal.received[1]["headers"]["x-api-key"] == UDATA_API_KEY
    assert portal.reuses[remote_id]["image_bytes"] == PNG


# --- the stored key ----------------------------------------------------------------------------------


async def test_the_key_is_stored_sealed_and_never_shown(world, make_client, portal, settings, caplog):
    caplog.set_level(logging.DEBUG)
    client = await signed_in(make_client, world.olga)
    await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)
    await publish(client, world, portal=portal.url)  # the update, with the stored key

    assert len(portal.received) == 2
    logged = [record.getMessage() for record in caplog.records]
    assert logged and not [line for line in logged if UDATA_API_KEY in line or UDATA_API_KEY[:12] in line]

    key = await PortalKey.get(event_id=world.event.id)
    assert key.portal_url == portal.url
    assert UDATA_API_KEY not in key.sealed_key and UDATA_API_KEY[:12] not in key.sealed_key
    assert key.last_chars == UDATA_API_KEY[-4:]
    assert key.stored_by_id == world.olga.id
    opened = sealing.unseal(key.sealed_key, secret_key=settings.secret_key, purpose=sealing.PORTAL_KEYS)
    assert opened == UDATA_API_KEY
    for path in (page_url(world), "/events/datacity/manage/reuses"):
        page = await client.get(path)
        assert UDATA_API_KEY not in page.text
        assert "…" + UDATA_API_KEY[-4:] in page.text


async def test_a_changed_secret_key_asks_for_the_key_again(world, settings, portal, make_client):
    first = await signed_in(make_client, world.olga)
    await publish(first, world, portal=portal.url, api_key=UDATA_API_KEY)
    moved = create_app(
        settings.with_overrides(secret_key="another-secret-key-0123456789-abcdefghijkl"),
        manage_database=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=moved, client=("203.0.113.9", 50002)), base_url=BASE_URL
    ) as client:
        await sign_in(client, world.olga.email)

        page = await client.get(page_url(world))
        refused = await publish(client, world, portal=portal.url, type="visualization")
        listing = await client.get("/events/datacity/manage/reuses")
        again = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY, type="visualization")

    assert (
        "but it can no longer be read: the server's secret key has changed. Enter the key again."
        in unescape(page.text)
    )
    assert refused.status_code == 422
    assert errors_of(refused.text) == [
        "The stored key can no longer be read (the server's secret key has changed): enter the API key again."
    ]
    assert "unreadable: enter it again" in listing.text
    assert again.status_code == 303
    assert len(portal.received) == 2  # the first publication, then the update with the key typed again
    key = await PortalKey.get(event_id=world.event.id)
    assert (
        sealing.unseal(
            key.sealed_key,
            secret_key="another-secret-key-0123456789-abcdefghijkl",
            purpose=sealing.PORTAL_KEYS,
        )
        == UDATA_API_KEY
    )


async def test_the_organiser_forgets_the_stored_key(world, make_client, portal):
    client = await signed_in(make_client, world.olga)
    await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    response = await post_form(
        client, "/events/datacity/manage/reuses/forget-key", {"portal": portal.url}, page=page_url(world)
    )

    assert (response.status_code, response.headers["location"]) == (303, "/events/datacity/manage/reuses")
    assert await PortalKey.all().count() == 0
    page = await client.get(response.headers["location"])
    assert "The API key for 127.0.0.1 is forgotten." in page.text
    assert "No key is stored." in page.text
    again = await post_form(client, "/events/datacity/manage/reuses/forget-key", {"portal": portal.url})
    assert "No key is stored for this portal." in (await client.get(again.headers["location"])).text


# --- who gets in --------------------------------------------------------------------------------------


async def test_only_the_events_organisers_reach_the_reuse_pages(world, make_client, portal):
    urls = [page_url(world), page_url(world) + ".json", "/events/datacity/manage/reuses"]
    anonymous = make_client()
    for url in urls:
        answer = await anonymous.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    for user in (world.alice, world.bob, world.oscar):
        client = await signed_in(make_client, user)
        for url in urls:
            assert (await client.get(url)).status_code == 403
        refused = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)
        assert refused.status_code == 403
    # Through the event they organise, another event's entry is not found.
    oscar = await signed_in(make_client, world.oscar)
    assert (await oscar.get(f"/events/other/manage/entries/{world.entry.id}/reuse")).status_code == 404
    via_own = await post_form(
        oscar,
        f"/events/other/manage/entries/{world.entry.id}/reuse/publish",
        {"portal": portal.url, "api_key": UDATA_API_KEY},
        page="/events/other/manage/reuses",
    )
    assert via_own.status_code == 404
    assert portal.received == []
    assert not await PortalKey.exists()


async def test_the_reuse_pages_are_french_for_a_french_organiser(world, make_client, portal):
    world.olga.language = "fr"
    await world.olga.save()
    client = await signed_in(make_client, world.olga)

    page = await client.get(page_url(world))
    record = record_on_page(page.text)

    assert "<h1>Réutilisation pour le portail — Bus à l&#39;heure</h1>" in page.text
    assert "Réalisé lors de [DataCity Lyon]" in record["description"]
    response = await publish(client, world, portal=portal.url, api_key="not-the-key")
    assert errors_of(response.text) == [
        "Le portail a refusé la clé d’API (HTTP 401\u00a0: Invalid API token). Saisissez une clé valide."
    ]


async def test_the_claim_of_a_crashed_publication_expires(world, make_client, portal):
    await PortalReuse.create(
        entry=world.entry, portal_url=portal.url, publishing_since=datetime.now(UTC) - timedelta(minutes=5)
    )
    client = await signed_in(make_client, world.olga)

    response = await publish(client, world, portal=portal.url, api_key=UDATA_API_KEY)

    assert response.status_code == 303
    assert (await PortalReuse.get(entry_id=world.entry.id)).remote_id in portal.reuses
