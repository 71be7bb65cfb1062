"""Restricted datasets stay restricted: their addresses reach only the teams that accepted the terms
and the event's organisers.

Two restricted datasets: one imported from a portal (portal, landing, API and pasted addresses and
a resource file) and one entered by hand (its address). They are offered by a challenge, declared by
a submitted entry in the open gallery, listed in the catalogue. Every page, export and calendar that
a visitor can reach is read by an anonymous visitor, a signed-in person without a team, a member of
a team that has not accepted, a member of a team that accepted (after acceptance) and an organiser:
no address appears to the first three, anywhere; the dataset page shows them to the last two.
"""

from __future__ import annotations

import pytest

from events.models import ChallengeDataset, Dataset, Entry, EntryDataset, EntryStatus, GalleryMode, PortalKind
from seeds.demo import load_demo
from tests.entry_world import make_entry_world, make_user, signed_in
from tests.helpers import post_form

IMPORTED_URLS = (
    "https://portal.sponsor.example",
    "https://portal.sponsor.example/datasets/ticketing",
    "https://portal.sponsor.example/api/1/datasets/ticketing/",
    "https://portal.sponsor.example/datasets/ticketing?pasted=1",
    "https://data.example.org/t.csv",
)
MANUAL_URL = "https://files.sponsor.example/secret/roads-2026.csv"
SECRET_HOSTS = ("sponsor.example", "data.example.org")


@pytest.fixture
async def world(db):
    world = await make_entry_world()
    await Dataset.filter(id=world.restricted.id).update(
        portal_kind=PortalKind.UDATA,
        portal_url=IMPORTED_URLS[0],
        landing_url=IMPORTED_URLS[1],
        api_url=IMPORTED_URLS[2],
        source_url=IMPORTED_URLS[3],
        publisher="Sponsor",
        remote_id="ticketing",
    )
    world.manual = await Dataset.create(
        event=world.event,
        title="Road works",
        publisher="Sponsor",
        portal_kind=PortalKind.MANUAL,
        landing_url=MANUAL_URL,
        restricted=True,
        restricted_terms="Keep it **inside** the team.",
    )
    for dataset in (world.restricted, world.manual):
        await ChallengeDataset.create(challenge=world.challenge, dataset=dataset)
    world.event.gallery = GalleryMode.OPEN
    await world.event.save(update_fields=["gallery"])
    world.entry_a = await Entry.create(
        event=world.event,
        team=world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title="Bus à l'heure",
        status=EntryStatus.SUBMITTED,
    )
    for dataset in (world.restricted, world.manual):
        await EntryDataset.create(entry=world.entry_a, dataset=dataset, note="Delays per line.")
    return world


def pages(world) -> list[str]:
    slug = world.event.slug
    paths = [
        f"/events/{slug}",
        f"/events/{slug}/datasets",
        f"/events/{slug}/challenges/{world.challenge.slug}",
        f"/events/{slug}/gallery",
        f"/events/{slug}/entries/{world.entry_a.id}",
        f"/events/{slug}/calendar.ics",
    ]
    for dataset in (world.restricted, world.manual):
        paths += [f"/events/{slug}/datasets/{dataset.id}", f"/events/{slug}/datasets/{dataset.id}/reuse.csv"]
    return paths


async def read_everything(client, world, extra: tuple[str, ...] = ()) -> dict[str, str]:
    texts = {}
    for path in (*pages(world), *extra):
        response = await client.get(path)
        assert response.status_code == 200, path
        texts[path] = response.text
    return texts


def leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(path, host) for path, text in texts.items() for host in SECRET_HOSTS if host in text]


async def test_an_anonymous_visitor_sees_no_address_anywhere(world, client):
    texts = await read_everything(client, world)

    assert leaks(texts) == []
    dataset_page = texts[f"/events/{world.event.slug}/datasets/{world.restricted.id}"]
    assert "<strong>only</strong>" in dataset_page  # the terms are shown
    assert "Ticketing data" in dataset_page


async def test_a_signed_in_person_without_a_team_sees_no_address(world, make_client):
    nina = await make_user("nina@example.org", name="Nina")
    client = await signed_in(make_client, nina)

    texts = await read_everything(client, world, extra=("/account/export",))

    assert leaks(texts) == []


async def test_a_member_of_a_team_that_has_not_accepted_sees_no_address(world, make_client):
    alice = await signed_in(make_client, world.alice)  # team A declared the data in its entry

    texts = await read_everything(
        alice,
        world,
        extra=(f"/events/{world.event.slug}/entries/{world.entry_a.id}/edit", "/account/export"),
    )

    assert leaks(texts) == []
    manual_page = texts[f"/events/{world.event.slug}/datasets/{world.manual.id}"]
    assert "Accept these terms for my team" in manual_page
    assert "<strong>inside</strong>" in manual_page


async def test_a_member_whose_team_accepted_sees_the_addresses_on_the_dataset_page(world, make_client):
    bob = await signed_in(make_client, world.bob)
    slug = world.event.slug
    for dataset in (world.restricted, world.manual):
        page_url = f"/events/{slug}/datasets/{dataset.id}"
        assert (await post_form(bob, f"{page_url}/accept", page=page_url)).status_code == 303

    imported = (await bob.get(f"/events/{slug}/datasets/{world.restricted.id}")).text
    manual = (await bob.get(f"/events/{slug}/datasets/{world.manual.id}")).text

    assert IMPORTED_URLS[1] in imported  # the landing page
    assert IMPORTED_URLS[4] in imported  # the resource file
    assert MANUAL_URL in manual


async def test_the_organiser_sees_everything(world, make_client):
    olga = await signed_in(make_client, world.olga)
    slug = world.event.slug

    imported = (await olga.get(f"/events/{slug}/datasets/{world.restricted.id}")).text
    manual = (await olga.get(f"/events/{slug}/datasets/{world.manual.id}")).text
    settings = (await olga.get(f"/events/{slug}/manage/datasets/{world.manual.id}")).text

    assert IMPORTED_URLS[1] in imported
    assert IMPORTED_URLS[4] in imported
    assert MANUAL_URL in manual
    assert MANUAL_URL in settings


async def test_the_demo_restricted_dataset_hides_its_address_from_anonymous_visitors(db, client):
    assert await load_demo() is True
    dataset = await Dataset.get(event__slug="datacity-paris-2026", restricted=True)
    assert dataset.landing_url == "https://data.logiseine.example/datacity"

    page = await client.get(f"/events/datacity-paris-2026/datasets/{dataset.id}")
    catalogue = await client.get("/events/datacity-paris-2026/datasets")

    addresses = [dataset.landing_url, dataset.api_url, *(r["url"] for r in dataset.resources)]
    addresses = [address for address in addresses if address]
    assert len(addresses) == 3  # the landing page and the two files (entered by hand: no API address)
    assert page.status_code == 200
    assert dataset.title in page.text
    assert [a for a in addresses if a in page.text or a in catalogue.text] == []
    assert "data downloaded from" not in page.text  # the credit names the publisher, not the host
