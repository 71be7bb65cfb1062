"""The retention period on the organiser's pages (event form, dashboard) and in the privacy notice."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from events.auth import SESSION_LIFETIME
from events.domain import retention
from events.models import Event, EventRole, Role
from tests.helpers import make_user, post_form, sign_in
from tests.routes.test_events import edit_form


async def organiser_of(slug: str, email: str, *, language: str = "en", **fields) -> Event:
    user = await make_user(email, language=language)
    event = await Event.create(slug=slug, title="DataCity", **fields)
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


async def test_organiser_sets_the_retention_period_and_the_dashboard_shows_the_purge_date(client):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    form_page = await client.get("/events/datacity/manage/edit")
    assert 'name="retention_months"' in form_page.text and 'value="12"' in form_page.text

    response = await post_form(
        client,
        "/events/datacity/manage/edit",
        edit_form(slug="datacity", ends_at="2026-10-15T18:00", retention_months="24"),
    )

    assert response.status_code == 303
    saved = await Event.get(id=event.id)
    assert (saved.retention_months, saved.ends_at) == (24, datetime(2026, 10, 15, 16, tzinfo=UTC))
    dashboard = await client.get("/events/datacity/manage")
    assert (
        "Kept 24 months after the event ends: the participants' personal data will be purged on "
        "15 October 2028." in dashboard.text
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter a whole number of months between 1 and 60."),
        ("fr", "Saisissez un nombre entier de mois entre 1 et 60."),
    ],
)
@pytest.mark.parametrize("raw", ["", "0", "61", "douze", "1e3", "²"])
async def test_a_bad_retention_period_is_a_422_in_the_readers_language(client, language, message, raw):
    event = await organiser_of("datacity", "orga@example.org", language=language)
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client,
        "/events/datacity/manage/edit",
        edit_form(slug="datacity", retention_months=raw, title="Changed"),
    )

    assert response.status_code == 422
    assert 'id="f-retention_months-error"' in response.text
    assert message in response.text
    assert re.search(rf'name="retention_months" type="text"\s+value="{re.escape(raw)}"', response.text)
    saved = await Event.get(id=event.id)
    assert (saved.retention_months, saved.title) == (12, "DataCity")


async def test_a_form_without_the_field_keeps_the_period(client):
    event = await organiser_of("datacity", "orga@example.org", retention_months=6)
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/edit", edit_form(slug="datacity"))

    assert response.status_code == 303
    assert (await Event.get(id=event.id)).retention_months == 6


async def test_dashboard_says_when_the_event_was_purged(client):
    await organiser_of("datacity", "orga@example.org", ends_at=datetime(2024, 1, 10, tzinfo=UTC))
    await sign_in(client, "orga@example.org")
    due = await client.get("/events/datacity/manage")
    assert (
        "The retention period ended on 10 January 2025: the participants' personal data will be purged "
        "within the hour." in due.text
    )

    await retention.purge(session_lifetime=SESSION_LIFETIME, now=datetime(2026, 3, 2, 9, tzinfo=UTC))

    page = await client.get("/events/datacity/manage")
    assert "The participants' personal data was purged on 2 Mar 2026, 10:00" in page.text


async def test_dashboard_of_an_event_without_dates_says_nothing_is_purged(client):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    page = await client.get("/events/datacity/manage")

    assert "Without an end date, the participants' personal data is never purged." in page.text


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["12 months after the event ends", "Anonymous juror 1, 2…", "scores, comments and notes"]),
        ("fr", ["12 mois après la fin de l’événement", "«\u00a0Juré anonyme 1, 2…\u00a0»", "notes privées"]),
    ],
)
async def test_privacy_notice_states_the_retention_and_the_export(client, language, texts):
    page = await client.get("/privacy", headers={"Accept-Language": language})

    assert page.status_code == 200
    for text in texts:
        assert text in page.text
    assert "archived event" not in page.text
