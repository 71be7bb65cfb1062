"""An empty list on the organiser's dashboard says what to do next, with the link that does it."""

from __future__ import annotations

from events.models import Event, EventRole, EventStatus, Role
from tests.entry_world import make_user, signed_in


async def _new_event(language: str = "en"):
    event = await Event.create(slug="fresh", title="Fresh", status=EventStatus.DRAFT, timezone="Europe/Paris")
    organiser = await make_user("orga@example.org", name="Orga", language=language)
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    return event, organiser


async def test_a_new_events_dashboard_says_where_to_start(db, make_client):
    _event, organiser = await _new_event()
    client = await signed_in(make_client, organiser)

    page = await client.get("/events/fresh/manage")

    assert page.status_code == 200
    for sentence in (
        'No challenge yet. <a href="/events/fresh/manage/challenges">Add the first challenge</a>',
        'No dataset yet. <a href="/events/fresh/manage/datasets">'
        "Import a dataset from a portal or describe one</a>",
        "No round yet: teams submit their entries to a round. "
        '<a href="/events/fresh/manage/rounds">Add the first round</a>',
        'No dates are set yet. <a href="/events/fresh/manage/edit">Set the event\'s dates</a>',
    ):
        assert sentence in page.text, sentence


async def test_the_public_event_page_has_no_link_to_the_management_pages(db, make_client):
    event, _organiser = await _new_event()
    await Event.filter(id=event.id).update(status=EventStatus.PUBLISHED)

    page = await make_client().get("/events/fresh")

    assert page.status_code == 200
    assert "No dates are set yet." in page.text
    assert "/manage/edit" not in page.text


async def test_the_dashboards_empty_states_in_french(db, make_client):
    _event, organiser = await _new_event(language="fr")
    client = await signed_in(make_client, organiser)

    page = await client.get("/events/fresh/manage")

    assert (
        'Aucun défi pour l’instant. <a href="/events/fresh/manage/challenges">Ajouter le premier défi</a>'
        in page.text
    )
    assert (
        "Aucune étape pour l’instant\u00a0: les équipes déposent leurs projets dans une étape." in page.text
    )
