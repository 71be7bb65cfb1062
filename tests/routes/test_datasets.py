"""The dataset catalogue over HTTP: organisers import from the local portal server or enter datasets by
hand; failures are shown in the page (422) and save nothing; the public reads licences and credits;
drafts and other events' datasets stay out of reach."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Event,
    EventRole,
    EventStatus,
    PortalKind,
    Role,
    User,
)
from tests import portal_server as data
from tests.helpers import CHEAP_HASH, id_problems, post_form, sign_in


async def make_user(email: str, *, name: str = "Test User") -> User:
    return await User.create(
        email=email, name=name, password_hash=CHEAP_HASH, email_verified_at=datetime.now(UTC), language="en"
    )


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="datacity-paris", title="DataCity Paris", status=EventStatus.PUBLISHED)


@pytest.fixture
async def organiser(client, event):
    user = await make_user("orga@example.org", name="Organiser")
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    await sign_in(client, "orga@example.org")
    return user


def manage(event: Event, rest: str = "") -> str:
    return f"/events/{event.slug}/manage/datasets{rest}"


def text_of(response) -> str:
    return html.unescape(response.text)


async def add_by_url(client, event: Event, url: str):
    return await post_form(client, manage(event, "/import"), {"url": url}, page=manage(event))


async def test_organiser_imports_a_dataset_by_pasting_its_address(client, event, organiser, portal):
    response = await add_by_url(client, event, portal(f"/fr/datasets/{data.UDATA_SLUG}/"))

    assert response.status_code == 303
    assert response.headers["location"] == manage(event)
    dataset = await Dataset.get(event_id=event.id)
    assert dataset.portal_kind == PortalKind.UDATA
    assert dataset.remote_id == data.UDATA_ID
    assert dataset.display_id == data.UDATA_SLUG
    assert dataset.title == "Vélib' - Vélos et bornes - Disponibilité temps réel"
    assert dataset.publisher == "Ville de Paris"
    assert dataset.licence_spdx == "etalab-2.0"
    assert dataset.formats == ["csv", "geojson"]
    assert dataset.fetched_at is not None
    page = await client.get(manage(event))
    assert "“Vélib' - Vélos et bornes - Disponibilité temps réel” is added to the catalogue." in text_of(page)


@pytest.mark.parametrize(
    ("path", "kind", "remote_id"),
    [
        (f"/dataset/{data.CKAN_NAME}", PortalKind.CKAN, data.CKAN_ID),
        (f"/explore/dataset/{data.ODS_ID}/information/", PortalKind.OPENDATASOFT, data.ODS_UID),
        (f"/api/explore/v2.0/catalog/datasets/{data.ODS_V20_ID}", PortalKind.OPENDATASOFT, data.ODS_V20_UID),
    ],
)
async def test_organiser_imports_from_each_kind_of_portal(
    client, event, organiser, portal, path, kind, remote_id
):
    response = await add_by_url(client, event, portal(path))

    assert response.status_code == 303
    dataset = await Dataset.get(event_id=event.id)
    assert (dataset.portal_kind, dataset.remote_id) == (kind, remote_id)


@pytest.mark.parametrize(("path", "message"), data.REFUSED_IMPORTS)
async def test_import_failure_is_shown_in_the_page_and_saves_nothing(
    client, event, organiser, portal, path, message
):
    response = await add_by_url(client, event, portal(path))

    assert response.status_code == 422
    assert message in text_of(response)
    assert 'aria-invalid="true"' in response.text
    assert await Dataset.all().count() == 0


async def test_each_address_label_focuses_its_own_field_even_with_an_error(client, event, organiser):
    refused = await add_by_url(client, event, "file:///etc/passwd")
    page = refused.text
    import_form, manual_form = page.split('action="/events/datacity-paris/manage/datasets/import"', 1)[
        1
    ].split('action="/events/datacity-paris/manage/datasets/new"', 1)

    assert refused.status_code == 422
    assert id_problems(page) == []
    assert '<label for="import-url">' in import_form
    assert '<input id="import-url" name="url" type="url"' in import_form
    assert 'aria-describedby="import-url-hint import-url-error"' in import_form
    assert '<a href="#import-url">' in page  # the error summary leads to the import field
    assert '<label for="f-url">' in manual_form
    assert '<input id="f-url" name="url" type="url"' in manual_form


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Only http:// and https:// addresses can be used."),
        ("gopher://127.0.0.1:70/datasets/x", "Only http:// and https:// addresses can be used."),
        ("", "Paste the address of a dataset."),
        (
            "http://169.254.169.254/api/1/datasets/x/",
            "This address leads to a private or local network, which the server does not fetch.",
        ),
    ],
)
async def test_import_refuses_bad_addresses(client, event, organiser, url, message):
    response = await add_by_url(client, event, url)

    assert response.status_code == 422
    assert message in text_of(response)
    assert await Dataset.all().count() == 0


async def test_import_timeout_is_shown_in_the_page(client, event, organiser, portal, monkeypatch):
    monkeypatch.setattr("events.domain.fetching.TOTAL_TIMEOUT", 0.3)

    response = await add_by_url(client, event, portal("/api/1/datasets/broken-slow/"))

    assert response.status_code == 422
    assert "The portal took too long to answer. Try again later." in text_of(response)


async def test_import_of_the_same_dataset_twice_is_refused(client, event, organiser, portal):
    await add_by_url(client, event, portal(f"/fr/datasets/{data.UDATA_SLUG}/"))

    response = await add_by_url(client, event, portal(f"/api/1/datasets/{data.UDATA_ID}/"))

    assert response.status_code == 422
    assert "This dataset is already in the catalogue" in text_of(response)
    assert await Dataset.all().count() == 1


async def test_local_portal_is_refused_when_the_setting_is_off(client, event, organiser, portal, app):
    app.state.settings = app.state.settings.with_overrides(fetch_allow_private=False)

    response = await add_by_url(client, event, portal(f"/fr/datasets/{data.UDATA_SLUG}/"))

    assert response.status_code == 422
    assert "private or local network" in response.text
    assert portal.requests == []


async def test_organiser_adds_a_dataset_by_hand(client, event, organiser):
    response = await post_form(
        client,
        manage(event, "/new"),
        {
            "title": "Comptages vélo",
            "publisher": "Ville de Paris",
            "licence": "ODbL",
            "url": "https://opendata.paris.fr/explore/dataset/comptage-velo",
            "description": "Compteurs permanents.",
        },
        page=manage(event),
    )

    assert response.status_code == 303
    dataset = await Dataset.get(event_id=event.id)
    assert (dataset.portal_kind, dataset.title, dataset.licence_spdx) == (
        PortalKind.MANUAL,
        "Comptages vélo",
        "ODbL-1.0",
    )


async def test_dataset_by_hand_with_invalid_fields_is_422(client, event, organiser):
    response = await post_form(
        client,
        manage(event, "/new"),
        {"title": "", "url": "javascript:alert(1)"},
        page=manage(event),
    )

    assert response.status_code == 422
    assert "Enter a title of at most 300 characters." in response.text
    assert "Enter an address that starts with http:// or https://." in response.text
    assert "javascript:alert(1)" in response.text  # kept in the field for correction
    assert await Dataset.all().count() == 0


async def test_organiser_edits_a_dataset_entered_by_hand(client, event, organiser):
    dataset = await Dataset.create(event=event, title="Ancien titre", portal_kind=PortalKind.MANUAL)
    form_page = await client.get(manage(event, f"/{dataset.id}"))
    assert form_page.status_code == 200

    response = await post_form(
        client,
        manage(event, f"/{dataset.id}"),
        {"title": "Nouveau titre", "publisher": "RATP", "licence": "", "url": "", "description": ""},
        page=manage(event, f"/{dataset.id}"),
    )

    assert response.status_code == 303
    assert (await Dataset.get(id=dataset.id)).title == "Nouveau titre"


async def test_organiser_marks_a_dataset_restricted(client, make_client, event, organiser):
    dataset = await Dataset.create(
        event=event,
        title="Validations Navigo",
        portal_kind=PortalKind.MANUAL,
        resources=[
            {"id": "1", "title": "validations.csv", "format": "csv", "url": "https://x.example/v.csv"}
        ],
    )

    refused = await post_form(client, manage(event, f"/{dataset.id}/restriction"), {"restricted": "on"})
    accepted = await post_form(
        client, manage(event, f"/{dataset.id}/restriction"), {"restricted": "on", "terms": "Usage interne."}
    )

    assert refused.status_code == 422
    assert "Write the terms that teams accept before they get the data." in refused.text
    assert accepted.status_code == 303
    stored = await Dataset.get(id=dataset.id)
    assert (stored.restricted, stored.restricted_terms) == (True, "Usage interne.")
    public = await make_client().get(f"/events/{event.slug}/datasets/{dataset.id}")
    assert "validations.csv" not in public.text
    assert "This dataset is restricted: its files are shown to teams once they accept its terms of use." in (
        public.text
    )


async def test_refresh_marks_a_vanished_dataset_gone(client, event, organiser, portal):
    await add_by_url(client, event, portal(f"/dataset/{data.CKAN_NAME}"))
    dataset = await Dataset.get(event_id=event.id)
    portal.answer(f"/api/3/action/package_show?id={data.CKAN_ID}", 404)

    response = await post_form(client, manage(event, f"/{dataset.id}/refresh"), page=manage(event))

    assert response.status_code == 303
    stored = await Dataset.get(id=dataset.id)
    assert stored.status == DatasetStatus.GONE
    public = await client.get(f"/events/{event.slug}/datasets/{dataset.id}")
    assert "Gone from its portal" in public.text
    assert "Arbres d&#39;alignement de la Métropole de Lyon" in public.text


async def test_refresh_error_is_reported_and_keeps_the_dataset(client, event, organiser, portal):
    await add_by_url(client, event, portal(f"/dataset/{data.CKAN_NAME}"))
    dataset = await Dataset.get(event_id=event.id)
    portal.answer(f"/api/3/action/package_show?id={data.CKAN_ID}", 500)

    response = await post_form(client, manage(event, f"/{dataset.id}/refresh"), page=manage(event))
    page = await client.get(response.headers["location"])

    assert "could not be refreshed: The portal has a problem of its own (HTTP 500)." in text_of(page)
    stored = await Dataset.get(id=dataset.id)
    assert (stored.status, stored.title) == (DatasetStatus.OK, dataset.title)


# --- public pages -------------------------------------------------------------------------------------


async def _catalogue(event: Event) -> dict[str, Dataset]:
    velib = await Dataset.create(
        event=event,
        title="Vélib' disponibilité",
        publisher="Ville de Paris",
        portal_kind=PortalKind.OPENDATASOFT,
        portal_url="https://opendata.paris.fr",
        licence_spdx="ODbL-1.0",
        licence_title="Open Database License (ODbL)",
        licence_url="https://opendatacommons.org/licenses/odbl/1-0/",
        last_modified=datetime(2017, 2, 14, 10, 0, tzinfo=UTC),
        formats=["csv", "json"],
        resources=[
            {"id": "e", "title": "Export CSV", "format": "csv", "url": "https://opendata.paris.fr/e.csv"}
        ],
    )
    arbres = await Dataset.create(
        event=event,
        title="Arbres d'alignement",
        publisher="Métropole de Lyon",
        portal_kind=PortalKind.CKAN,
        portal_url="https://data.grandlyon.com",
        licence_spdx="etalab-2.0",
        licence_title="Licence Ouverte v2.0",
        formats=["geojson"],
    )
    return {"velib": velib, "arbres": arbres}


async def test_anonymous_reads_the_catalogue_with_licences_and_credits(client, event):
    datasets = await _catalogue(event)

    listing = await client.get(f"/events/{event.slug}/datasets")
    page = await client.get(f"/events/{event.slug}/datasets/{datasets['velib'].id}")

    assert listing.status_code == 200
    assert "2 datasets" in listing.text
    assert "ODbL-1.0" in listing.text
    assert "Arbres d&#39;alignement" in listing.text
    assert page.status_code == 200
    assert "SPDX: ODbL-1.0" in page.text
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/"' in page.text
    assert (
        "Ville de Paris – data downloaded from opendata.paris.fr, last updated on 14 February 2017"
        in page.text
    )
    assert "ODbL: if you publish a database derived from this data" in page.text
    assert 'href="https://opendata.paris.fr/e.csv"' in page.text


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Arbres d'alignement", "Vélib' disponibilité"]),
        ("?licence=ODbL-1.0", ["Vélib' disponibilité"]),
        ("?licence=etalab-2.0", ["Arbres d'alignement"]),
        ("?publisher=M%C3%A9tropole+de+Lyon", ["Arbres d'alignement"]),
        ("?format=csv", ["Vélib' disponibilité"]),
        ("?format=geojson&licence=ODbL-1.0", []),
        ("?challenge=mobilite", ["Vélib' disponibilité"]),
        ("?challenge=brouillon", []),  # a draft challenge is not a filter the public may use
        ("?challenge=unknown", []),
        ("?licence=" + "x" * 5000, []),
    ],
)
async def test_catalogue_filters(client, event, query, titles):
    datasets = await _catalogue(event)
    mobility = await Challenge.create(
        event=event, slug="mobilite", title="Mobilité", status=ChallengeStatus.PUBLISHED
    )
    draft = await Challenge.create(
        event=event, slug="brouillon", title="Brouillon", status=ChallengeStatus.DRAFT
    )
    await ChallengeDataset.create(challenge=mobility, dataset=datasets["velib"])
    await ChallengeDataset.create(challenge=draft, dataset=datasets["arbres"])

    response = await client.get(f"/events/{event.slug}/datasets{query}")

    assert response.status_code == 200
    shown = [title for title in ("Arbres d'alignement", "Vélib' disponibilité") if title in text_of(response)]
    assert shown == titles
    assert "Brouillon" not in response.text


async def test_draft_event_datasets_are_404(client, db):
    draft = await Event.create(slug="brouillon", title="Brouillon", status=EventStatus.DRAFT)
    dataset = await Dataset.create(event=draft, title="Secret")

    assert (await client.get("/events/brouillon/datasets")).status_code == 404
    assert (await client.get(f"/events/brouillon/datasets/{dataset.id}")).status_code == 404


@pytest.mark.parametrize("dataset_id", ["abc", "0", "-1", "99999999999999999999", "1.5"])
async def test_unknown_dataset_ids_are_404(client, event, dataset_id):
    assert (await client.get(f"/events/{event.slug}/datasets/{dataset_id}")).status_code == 404


async def test_dataset_of_another_event_is_404(client, event, organiser):
    other = await Event.create(slug="autre", title="Autre", status=EventStatus.PUBLISHED)
    foreign = await Dataset.create(event=other, title="Autre jeu", portal_kind=PortalKind.MANUAL)

    public = await client.get(f"/events/{event.slug}/datasets/{foreign.id}")
    settings_page = await client.get(manage(event, f"/{foreign.id}"))
    refresh = await post_form(client, manage(event, f"/{foreign.id}/refresh"), page=manage(event))
    restrict = await post_form(
        client,
        manage(event, f"/{foreign.id}/restriction"),
        {"restricted": "on", "terms": "x"},
        page=manage(event),
    )

    assert [r.status_code for r in (public, settings_page, refresh, restrict)] == [404, 404, 404, 404]
    assert (await Dataset.get(id=foreign.id)).restricted is False


async def test_organiser_of_another_event_cannot_add_or_refresh(client, event, portal):
    other = await Event.create(slug="autre", title="Autre", status=EventStatus.PUBLISHED)
    intruder = await make_user("intrus@example.org")
    await EventRole.create(event=other, user=intruder, role=Role.ORGANISER)
    dataset = await Dataset.create(
        event=event,
        title="Vélib'",
        portal_kind=PortalKind.UDATA,
        api_url=portal(f"/api/1/datasets/{data.UDATA_ID}/"),
        remote_id=data.UDATA_ID,
    )
    await sign_in(client, "intrus@example.org")

    listing = await client.get(manage(event))
    importing = await add_by_url(client, event, portal(f"/fr/datasets/{data.UDATA_SLUG}/"))
    by_hand = await post_form(client, manage(event, "/new"), {"title": "Intrus"})
    refresh = await post_form(client, manage(event, f"/{dataset.id}/refresh"))
    # through the event they do organise, event 1's dataset is not theirs to find
    refresh_elsewhere = await post_form(client, f"/events/autre/manage/datasets/{dataset.id}/refresh")

    assert [r.status_code for r in (listing, importing, by_hand, refresh)] == [403, 403, 403, 403]
    assert refresh_elsewhere.status_code == 404
    assert await Dataset.all().count() == 1
    assert (await Dataset.get(id=dataset.id)).fetched_at is None
    assert portal.requests == []


async def test_anonymous_is_sent_to_login_from_the_workspace(client, event):
    response = await client.get(manage(event))

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
