"""The dataset page says how often the data is updated in words, in the reader's language, whatever
code the portal gave (EU authority URI, udata code); a value it does not know is shown escaped."""

from __future__ import annotations

import pytest

from events.models import Dataset, Event, EventStatus, PortalKind

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="datacity-paris", title="DataCity Paris", status=EventStatus.PUBLISHED)


async def dataset_page(client, event: Event, frequency: str, headers: dict[str, str]) -> str:
    dataset = await Dataset.create(
        event=event, title="Vélib' disponibilité", portal_kind=PortalKind.MANUAL, frequency=frequency
    )
    response = await client.get(f"/events/{event.slug}/datasets/{dataset.id}", headers=headers)
    assert response.status_code == 200
    return response.text


async def test_eu_uri_in_english(client, event):
    page = await dataset_page(
        client, event, "http://publications.europa.eu/resource/authority/frequency/MONTHLY", ENGLISH
    )

    assert "<dt>Update frequency</dt><dd>monthly</dd>" in page
    assert "publications.europa.eu" not in page


async def test_eu_uri_in_french(client, event):
    page = await dataset_page(
        client, event, "http://publications.europa.eu/resource/authority/frequency/MONTHLY", FRENCH
    )

    assert "<dt>Fréquence de mise à jour</dt><dd>mensuelle</dd>" in page
    assert "publications.europa.eu" not in page


async def test_udata_code_in_both_languages(client, event):
    english = await dataset_page(client, event, "punctual", ENGLISH)
    french = await dataset_page(client, event, "threeTimesAMonth", FRENCH)

    assert "<dd>once, not updated</dd>" in english
    assert "<dd>trois fois par mois</dd>" in french


async def test_unknown_value_shown_as_it_is_and_escaped(client, event):
    page = await dataset_page(client, event, 'Selon <script>alert("x")</script> l\'actualité', ENGLISH)

    assert "<dd>Selon &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; l&#39;actualité</dd>" in page
    assert '<script>alert("x")' not in page


async def test_no_frequency_no_line(client, event):
    page = await dataset_page(client, event, "", ENGLISH)

    assert "Update frequency" not in page
