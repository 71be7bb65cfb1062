"""The dataset catalogue (docs/DOMAIN.md, "Datasets"): recognising portal addresses, importing from udata,
CKAN and Opendatasoft (v2.1 and v2.0) through the local portal server, licences, attribution,
refresh and datasets gone at the source, and datasets entered by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events import i18n
from events.domain import licences, portals
from events.domain.errors import FormErrors
from events.domain.fetching import FetchError
from events.models import Dataset, DatasetStatus, Event, EventStatus, PortalKind
from tests import portal_server as data

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="datacity-paris", title="DataCity Paris", status=EventStatus.PUBLISHED)


# --- recognising addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "base", "api_url"),
    [
        (
            "https://www.data.gouv.fr/fr/datasets/velib-velos-et-bornes/",
            PortalKind.UDATA,
            "https://www.data.gouv.fr",
            "https://www.data.gouv.fr/api/1/datasets/velib-velos-et-bornes/",
        ),
        (
            "https://www.data.gouv.fr/api/1/datasets/5b7ffc618b4c4169d30727e0/",
            PortalKind.UDATA,
            "https://www.data.gouv.fr",
            "https://www.data.gouv.fr/api/1/datasets/5b7ffc618b4c4169d30727e0/",
        ),
        (
            "https://data.example.fr/datasets/budget-2024",
            PortalKind.UDATA,
            "https://data.example.fr",
            "https://data.example.fr/api/1/datasets/budget-2024/",
        ),
        (
            "https://demo.ckan.org/dataset/arbres",
            PortalKind.CKAN,
            "https://demo.ckan.org",
            "https://demo.ckan.org/api/3/action/package_show?id=arbres",
        ),
        (
            "https://ckan.example.org/fr/dataset/arbres/resource/42",
            PortalKind.CKAN,
            "https://ckan.example.org",
            "https://ckan.example.org/api/3/action/package_show?id=arbres",
        ),
        (
            "https://ckan.example.org/catalogue/api/3/action/package_show?id=b6d3f1a2",
            PortalKind.CKAN,
            "https://ckan.example.org/catalogue",
            "https://ckan.example.org/catalogue/api/3/action/package_show?id=b6d3f1a2",
        ),
        (
            "https://opendata.paris.fr/explore/dataset/que-faire-a-paris-/information/?disjunctive.tags",
            PortalKind.OPENDATASOFT,
            "https://opendata.paris.fr",
            "https://opendata.paris.fr/api/explore/v2.1/catalog/datasets/que-faire-a-paris-",
        ),
        (
            "https://data.grandlyon.com/api/explore/v2.1/catalog/datasets/stations-velov/records?limit=20",
            PortalKind.OPENDATASOFT,
            "https://data.grandlyon.com",
            "https://data.grandlyon.com/api/explore/v2.1/catalog/datasets/stations-velov",
        ),
        (
            "https://data.grandlyon.com/api/explore/v2.0/catalog/datasets/stations-velov",
            PortalKind.OPENDATASOFT,
            "https://data.grandlyon.com",
            "https://data.grandlyon.com/api/explore/v2.0/catalog/datasets/stations-velov",
        ),
    ],
)
def test_detect_portal_builds_the_api_address(url, kind, base, api_url):
    ref = portals.detect_portal(url)

    assert (ref.kind, ref.base_url, ref.api_url) == (kind, base, api_url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Paste the address of a dataset."),
        ("file:///etc/passwd", "Only http:// and https:// addresses can be used."),
        ("gopher://example.org/dataset/x", "Only http:// and https:// addresses can be used."),
        ("https://", "This address is not valid."),
        ("https://example.org/", None),
        ("https://www.data.gouv.fr/fr/organizations/ville-de-paris/", None),
        ("https://www.data.gouv.fr/fr/datasets/r/c5d7b8a0", None),
        ("https://ckan.example.org/api/3/action/package_show", None),
        ("https://example.org/" + "a" * 1000, "This address is too long."),
    ],
)
def test_detect_portal_refuses_what_is_not_a_dataset_address(url, message):
    with pytest.raises(FormErrors) as caught:
        portals.detect_portal(url)

    expected = message or (
        "This address is not a dataset page of a portal we know (udata such as data.gouv.fr, CKAN, "
        "Opendatasoft). Paste the address of the dataset's page."
    )
    assert caught.value.errors == {"url": expected}


# --- importing --------------------------------------------------------------------------------------


async def test_import_from_udata_by_page_address_stores_the_stable_id(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/fr/datasets/{data.UDATA_SLUG}/"), allow_private=True
    )

    stored = await Dataset.get(id=dataset.id)
    assert stored.portal_kind == PortalKind.UDATA
    assert stored.portal_url == portal.url
    assert stored.remote_id == data.UDATA_ID
    assert stored.display_id == data.UDATA_SLUG
    assert stored.api_url == portal(f"/api/1/datasets/{data.UDATA_ID}/")
    assert stored.landing_url == data.UDATA_DATASET["page"]
    assert stored.source_url == portal(f"/fr/datasets/{data.UDATA_SLUG}/")
    assert stored.title == "Vélib' - Vélos et bornes - Disponibilité temps réel"
    assert stored.description.startswith("Disponibilité en temps réel")
    assert stored.publisher == "Ville de Paris"
    assert (stored.licence_id, stored.licence_spdx) == ("lov2", "etalab-2.0")
    assert stored.licence_title == "Licence Ouverte / Open Licence 2.0"
    assert stored.licence_url == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert stored.last_modified == datetime(2024, 2, 14, 9, 12, tzinfo=UTC)
    assert stored.frequency == "continuous"
    assert stored.formats == ["csv", "geojson"]
    assert stored.resources[0] == {
        "id": "c5d7b8a0-6f8d-4b3a-9f43-7d1f1a5c0e11",
        "title": "velib_disponibilite.csv",
        "format": "csv",
        "url": "https://www.data.gouv.fr/fr/datasets/r/c5d7b8a0-6f8d-4b3a-9f43-7d1f1a5c0e11",
        "filesize": 482133,
    }
    assert stored.raw_metadata == data.UDATA_DATASET
    assert stored.fetched_at is not None
    assert stored.status == DatasetStatus.OK
    assert stored.last_error == ""


async def test_import_from_ckan_reads_the_result_envelope(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/dataset/{data.CKAN_NAME}"), allow_private=True
    )

    stored = await Dataset.get(id=dataset.id)
    assert stored.portal_kind == PortalKind.CKAN
    assert stored.remote_id == data.CKAN_ID
    assert stored.display_id == data.CKAN_NAME
    assert stored.api_url == portal(f"/api/3/action/package_show?id={data.CKAN_ID}")
    assert stored.landing_url == portal(f"/dataset/{data.CKAN_NAME}")
    assert stored.title == "Arbres d'alignement de la Métropole de Lyon"
    assert stored.publisher == "Métropole de Lyon"
    assert stored.licence_id == "odc-odbl"
    assert stored.licence_spdx == "ODbL-1.0"
    assert stored.licence_title == "Open Data Commons Open Database License (ODbL)"
    assert stored.licence_url == "http://www.opendefinition.org/licenses/odc-odbl"
    assert stored.last_modified == datetime(2023, 11, 3, 8, 30, 12, 345678, tzinfo=UTC)
    assert stored.frequency == "annuelle"
    assert stored.formats == ["csv", "geojson"]
    assert [r["title"] for r in stored.resources] == ["Arbres (CSV)", "Arbres (GeoJSON)"]


async def test_import_from_opendatasoft_v21_keeps_the_dataset_uid(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/explore/dataset/{data.ODS_ID}/information/"), allow_private=True
    )

    stored = await Dataset.get(id=dataset.id)
    assert stored.portal_kind == PortalKind.OPENDATASOFT
    assert stored.remote_id == data.ODS_UID
    assert stored.display_id == data.ODS_ID
    assert stored.api_url == portal(f"/api/explore/v2.1/catalog/datasets/{data.ODS_ID}")
    assert stored.landing_url == portal(f"/explore/dataset/{data.ODS_ID}/")
    assert stored.title == "Que faire à Paris ?"
    assert stored.description == "Les événements à Paris : concerts, expositions & balades."
    assert stored.publisher == "Ville de Paris"
    assert (stored.licence_spdx, stored.licence_title) == ("ODbL-1.0", "Open Database License (ODbL)")
    assert stored.last_modified == datetime(2024, 3, 1, 6, 0, 4, tzinfo=UTC)
    assert stored.frequency == "quotidienne"
    assert stored.formats == ["csv", "geojson", "json", "xlsx"]
    assert stored.resources[0]["url"] == portal(
        f"/api/explore/v2.1/catalog/datasets/{data.ODS_ID}/exports/csv"
    )


async def test_import_from_opendatasoft_v20_unwraps_the_dataset(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/api/explore/v2.0/catalog/datasets/{data.ODS_V20_ID}"), allow_private=True
    )

    stored = await Dataset.get(id=dataset.id)
    assert stored.remote_id == data.ODS_V20_UID
    assert stored.api_url == portal(f"/api/explore/v2.0/catalog/datasets/{data.ODS_V20_ID}")
    assert stored.title == "Stations Vélo'v de la Métropole de Lyon"
    assert stored.publisher == "Métropole de Lyon"
    assert stored.licence_spdx == "etalab-2.0"
    assert stored.licence_title == "Licence Ouverte v2.0 (Etalab)"
    assert stored.licence_url == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert stored.last_modified == datetime(2022, 6, 30, 10, 0, tzinfo=UTC)


async def test_links_from_a_portal_are_kept_only_when_they_are_web_addresses(event, portal):
    hostile = portal.document(f"/api/3/action/package_show?id={data.CKAN_ID}")
    hostile["result"]["license_url"] = "javascript:alert(1)"
    hostile["result"]["resources"][0]["url"] = "data:text/html,<script>alert(1)</script>"
    hostile["result"]["resources"][1]["url"] = "JavaScript:alert(1)"
    portal.replace(f"/api/3/action/package_show?id={data.CKAN_NAME}", hostile)

    dataset = await portals.import_dataset(
        event=event, url=portal(f"/dataset/{data.CKAN_NAME}"), allow_private=True
    )

    assert dataset.licence_url == "https://opendatacommons.org/licenses/odbl/1-0/"  # from the SPDX table
    assert [r["url"] for r in dataset.resources] == ["", ""]


async def test_import_refuses_the_same_dataset_twice_in_an_event(event, portal):
    await portals.import_dataset(
        event=event, url=portal(f"/fr/datasets/{data.UDATA_SLUG}/"), allow_private=True
    )

    with pytest.raises(FormErrors) as caught:
        # the same dataset, by its id this time
        await portals.import_dataset(
            event=event, url=portal(f"/api/1/datasets/{data.UDATA_ID}/"), allow_private=True
        )

    assert caught.value.errors == {
        "url": "This dataset is already in the catalogue as "
        "“Vélib' - Vélos et bornes - Disponibilité temps réel”."
    }
    assert await Dataset.filter(event_id=event.id).count() == 1


async def test_the_same_dataset_may_be_in_two_events(event, portal):
    other = await Event.create(slug="hackathon-lyon", title="Hackathon Lyon")
    url = portal(f"/fr/datasets/{data.UDATA_SLUG}/")

    await portals.import_dataset(event=event, url=url, allow_private=True)
    await portals.import_dataset(event=other, url=url, allow_private=True)

    assert await Dataset.filter(remote_id=data.UDATA_ID).count() == 2


@pytest.mark.parametrize(("path", "message"), data.REFUSED_IMPORTS)
async def test_import_failure_is_a_form_error_and_saves_nothing(event, portal, path, message):
    with pytest.raises(FormErrors) as caught:
        await portals.import_dataset(event=event, url=portal(path), allow_private=True)

    assert caught.value.errors == {"url": message}
    assert await Dataset.all().count() == 0


async def test_import_from_the_local_portal_is_refused_without_allow_private(event, portal):
    with pytest.raises(FormErrors) as caught:
        await portals.import_dataset(event=event, url=portal(f"/fr/datasets/{data.UDATA_SLUG}/"))

    assert caught.value.errors == {
        "url": "This address leads to a private or local network, which the server does not fetch."
    }
    assert portal.requests == []


async def test_import_times_out(event, portal, monkeypatch):
    monkeypatch.setattr("events.domain.fetching.TOTAL_TIMEOUT", 0.3)

    with pytest.raises(FormErrors) as caught:
        await portals.import_dataset(
            event=event, url=portal("/api/1/datasets/broken-slow/"), allow_private=True
        )

    assert caught.value.errors == {"url": "The portal took too long to answer. Try again later."}


# --- refreshing ---------------------------------------------------------------------------------------


async def test_refresh_takes_the_portal_changes(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/dataset/{data.CKAN_NAME}"), allow_private=True
    )
    changed = portal.document(f"/api/3/action/package_show?id={data.CKAN_ID}")
    changed["result"]["title"] = "Arbres d'alignement (2024)"
    changed["result"]["license_id"] = "lov2"
    changed["result"]["license_title"] = "Licence Ouverte v2.0"
    portal.replace(f"/api/3/action/package_show?id={data.CKAN_ID}", changed)

    await portals.refresh_dataset(dataset, allow_private=True)

    stored = await Dataset.get(id=dataset.id)
    assert stored.title == "Arbres d'alignement (2024)"
    assert stored.licence_spdx == "etalab-2.0"
    assert stored.status == DatasetStatus.OK
    assert stored.fetched_at > dataset.created_at


@pytest.mark.parametrize("status", [404, 410])
async def test_refresh_marks_a_dataset_gone_at_the_source_and_keeps_it(event, portal, status):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/fr/datasets/{data.UDATA_SLUG}/"), allow_private=True
    )
    portal.answer(f"/api/1/datasets/{data.UDATA_ID}/", status)

    await portals.refresh_dataset(dataset, allow_private=True)

    stored = await Dataset.get(id=dataset.id)
    assert stored.status == DatasetStatus.GONE
    assert stored.last_error == f"Nothing was found at this address (HTTP {status})."
    assert stored.title == "Vélib' - Vélos et bornes - Disponibilité temps réel"
    assert stored.resources == dataset.resources


async def test_a_gone_dataset_that_comes_back_is_ok_again(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/fr/datasets/{data.UDATA_SLUG}/"), allow_private=True
    )
    portal.answer(f"/api/1/datasets/{data.UDATA_ID}/", 410)
    await portals.refresh_dataset(dataset, allow_private=True)
    portal.state.statuses.clear()

    await portals.refresh_dataset(dataset, allow_private=True)

    stored = await Dataset.get(id=dataset.id)
    assert (stored.status, stored.last_error) == (DatasetStatus.OK, "")


async def test_refresh_error_keeps_the_metadata_and_reports(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/explore/dataset/{data.ODS_ID}/"), allow_private=True
    )
    portal.answer(f"/api/explore/v2.1/catalog/datasets/{data.ODS_ID}", 503)

    with pytest.raises(FetchError) as caught:
        await portals.refresh_dataset(dataset, allow_private=True)

    assert caught.value.message == "The portal has a problem of its own (HTTP 503). Try again later."
    stored = await Dataset.get(id=dataset.id)
    assert stored.status == DatasetStatus.OK
    assert stored.title == "Que faire à Paris ?"
    assert stored.last_error == "The portal has a problem of its own (HTTP 503). Try again later."


async def test_refresh_refuses_an_address_that_now_leads_to_another_dataset(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/explore/dataset/{data.ODS_ID}/"), allow_private=True
    )
    other = portal.document(f"/api/explore/v2.1/catalog/datasets/{data.ODS_ID}")
    other["dataset_uid"] = "da_someone_else"
    other["metas"]["default"]["title"] = "Un autre jeu"
    portal.replace(f"/api/explore/v2.1/catalog/datasets/{data.ODS_ID}", other)

    with pytest.raises(FetchError):
        await portals.refresh_dataset(dataset, allow_private=True)

    stored = await Dataset.get(id=dataset.id)
    assert stored.title == "Que faire à Paris ?"
    assert stored.remote_id == data.ODS_UID
    assert stored.last_error == "The portal's address now leads to another dataset."


async def test_a_dataset_entered_by_hand_has_nothing_to_refresh(event):
    dataset = await portals.create_manual_dataset(
        event=event, title="Comptages vélo", publisher="", licence="", url="", description=""
    )

    with pytest.raises(FetchError) as caught:
        await portals.refresh_dataset(dataset, allow_private=True)

    assert caught.value.message == "This dataset was entered by hand: there is nothing to refresh."


# --- entered by hand ------------------------------------------------------------------------------------


async def test_create_manual_dataset(event):
    dataset = await portals.create_manual_dataset(
        event=event,
        title="  Capteurs de qualité de l'air  ",
        publisher="Airparif",
        licence="ODbL",
        url="https://www.airparif.fr/donnees",
        description="Mesures horaires.",
    )

    stored = await Dataset.get(id=dataset.id)
    assert stored.portal_kind == PortalKind.MANUAL
    assert stored.title == "Capteurs de qualité de l'air"
    assert stored.publisher == "Airparif"
    assert (stored.licence_id, stored.licence_spdx, stored.licence_title) == (
        "ODbL",
        "ODbL-1.0",
        "ODbL",
    )
    assert stored.landing_url == "https://www.airparif.fr/donnees"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": ""}, {"title": "Enter a title of at most 300 characters."}),
        ({"title": "x" * 301}, {"title": "Enter a title of at most 300 characters."}),
        ({"url": "javascript:alert(1)"}, {"url": "Enter an address that starts with http:// or https://."}),
        ({"url": "file:///etc/passwd"}, {"url": "Enter an address that starts with http:// or https://."}),
        (
            {"url": "ftp://example.org/x.csv"},
            {"url": "Enter an address that starts with http:// or https://."},
        ),
        ({"url": "https://"}, {"url": "Enter an address that starts with http:// or https://."}),
        ({"publisher": "p" * 301}, {"publisher": "Enter at most 300 characters."}),
    ],
)
async def test_create_manual_dataset_validates(event, fields, errors):
    values = {"title": "Titre", "publisher": "", "licence": "", "url": "", "description": "", **fields}

    with pytest.raises(FormErrors) as caught:
        await portals.create_manual_dataset(event=event, **values)

    assert caught.value.errors == errors
    assert await Dataset.all().count() == 0


async def test_update_manual_dataset_refuses_an_imported_one(event, portal):
    dataset = await portals.import_dataset(
        event=event, url=portal(f"/dataset/{data.CKAN_NAME}"), allow_private=True
    )

    with pytest.raises(FormErrors):
        await portals.update_manual_dataset(
            dataset=dataset, title="Autre", publisher="", licence="", url="", description=""
        )

    assert (await Dataset.get(id=dataset.id)).title == "Arbres d'alignement de la Métropole de Lyon"


async def test_restriction_needs_terms(event):
    dataset = await portals.create_manual_dataset(
        event=event, title="Données RATP", publisher="RATP", licence="", url="", description=""
    )

    with pytest.raises(FormErrors) as caught:
        await portals.set_restriction(dataset=dataset, restricted=True, terms="  ")
    await portals.set_restriction(dataset=dataset, restricted=True, terms="Usage limité au hackathon.")

    assert caught.value.errors == {"terms": "Write the terms that teams accept before they get the data."}
    stored = await Dataset.get(id=dataset.id)
    assert (stored.restricted, stored.restricted_terms) == (True, "Usage limité au hackathon.")


# --- licences and attribution -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("portal_id", "title", "spdx"),
    [
        ("fr-lo", "", "etalab-2.0"),
        ("lov2", "", "etalab-2.0"),
        ("etalab-2.0", "", "etalab-2.0"),
        ("", "Licence Ouverte / Open Licence", "etalab-2.0"),
        ("", "Licence Ouverte / Open Licence version 2.0", "etalab-2.0"),
        ("", "Licence Ouverte (Etalab)", "etalab-2.0"),
        ("odc-odbl", "", "ODbL-1.0"),
        ("", "Open Database License (ODbL)", "ODbL-1.0"),
        ("", "ODbL", "ODbL-1.0"),
        ("ODbL-1.0", "", "ODbL-1.0"),
        ("cc-by", "", "CC-BY-4.0"),
        ("", "CC BY 4.0", "CC-BY-4.0"),
        ("", "Creative Commons Attribution 3.0", "CC-BY-3.0"),
        ("cc-by-sa", "", "CC-BY-SA-4.0"),
        ("", "CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("cc-zero", "", "CC0-1.0"),
        ("", "CC0", "CC0-1.0"),
        ("odc-by", "", "ODC-By-1.0"),
        ("odc-pddl", "", "PDDL-1.0"),
        ("", "Open Data Commons Public Domain Dedication and License", "PDDL-1.0"),
        ("notspecified", "License not specified", ""),
        ("other-at", "Other (Attribution)", ""),
    ],
)
def test_licences_are_mapped_to_spdx(portal_id, title, spdx):
    licence = licences.identify(portal_id, title)

    assert (licence.spdx if licence else "") == spdx


def test_unknown_licence_keeps_the_portal_title():
    assert licences.normalise("other-at", "Other (Attribution)") == ("", "Other (Attribution)", "")


async def _dataset_in(event: Event, **fields) -> Dataset:
    defaults = {
        "title": "Vélib'",
        "publisher": "Ville de Paris",
        "portal_kind": PortalKind.OPENDATASOFT,
        "portal_url": "https://opendata.paris.fr",
        "last_modified": datetime(2017, 2, 14, 10, 0, tzinfo=UTC),
    }
    return await Dataset.create(event=event, **{**defaults, **fields})


async def test_attribution_line_in_french_and_english(event):
    dataset = await _dataset_in(event)

    english = portals.attribution_line(dataset)
    i18n.set_language("fr")
    french = portals.attribution_line(dataset)

    assert (
        english == "Ville de Paris – data downloaded from opendata.paris.fr, last updated on 14 February 2017"
    )
    assert (
        french
        == "Ville de Paris – données téléchargées sur opendata.paris.fr, mise à jour du 14 février 2017"
    )


async def test_attribution_line_without_a_date_or_publisher(event):
    no_date = await _dataset_in(event, last_modified=None, fetched_at=None)
    no_publisher = await _dataset_in(event, publisher="", portal_url="https://www.data.gouv.fr")

    assert portals.attribution_line(no_date) == "Ville de Paris – data downloaded from opendata.paris.fr"
    assert portals.attribution_line(no_publisher) == (
        "data.gouv.fr – data downloaded from data.gouv.fr, last updated on 14 February 2017"
    )


async def test_share_alike_warning_for_odbl_only(event):
    odbl = await _dataset_in(event, licence_spdx="ODbL-1.0")
    etalab = await _dataset_in(event, licence_spdx="etalab-2.0")

    assert portals.share_alike_warning(odbl).startswith(
        "ODbL: if you publish a database derived from this data"
    )
    assert portals.share_alike_warning(etalab) == ""
