"""Creating an event can be found: the link to /events/new is where organisers look (their account,
the list of events, the event's dashboard), shown to the people the route lets in, and only to them."""

from __future__ import annotations

import pytest

from events.models import Event, EventRole, EventStatus, Role
from tests.helpers import make_user, sign_in

LINK_ON_LISTS = '<a class="button button--secondary" href="/events/new">Create an event</a>'
LINK_ON_DASHBOARD = '<a href="/events/new">Create another event</a>'


@pytest.fixture
async def people(db):
    event = await Event.create(slug="datacity", title="DataCity", status=EventStatus.PUBLISHED)
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    juror = await make_user("juror@example.org", name="Juror")
    await EventRole.create(event=event, user=juror, role=Role.JUROR)
    await make_user("admin@example.org", name="Admin", is_admin=True)
    await make_user("someone@example.org", name="Someone")
    return event


async def _browser(make_client, email: str | None):
    client = make_client()
    if email:
        await sign_in(client, email)
    return client


@pytest.mark.parametrize("email", ["orga@example.org", "admin@example.org"])
async def test_who_may_create_an_event_finds_the_link_and_it_opens_the_form(people, make_client, email):
    client = await _browser(make_client, email)

    home = await client.get("/")
    account = await client.get("/account")
    dashboard = await client.get("/events/datacity/manage")
    form = await client.get("/events/new")

    assert home.text.count(LINK_ON_LISTS) == 1
    assert account.text.count(LINK_ON_LISTS) == 1
    assert dashboard.text.count(LINK_ON_DASHBOARD) == 1
    assert form.status_code == 200
    assert "<h1>Create an event</h1>" in form.text


@pytest.mark.parametrize("email", [None, "someone@example.org", "juror@example.org"])
async def test_who_may_not_create_an_event_sees_no_link(people, make_client, email):
    client = await _browser(make_client, email)

    pages = [await client.get("/")] + ([await client.get("/account")] if email else [])

    for page in pages:
        assert page.status_code == 200
        assert 'href="/events/new"' not in page.text
    if email:
        assert (await client.get("/events/new")).status_code == 403
