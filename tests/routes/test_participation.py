"""Organisers set how people take part: rules, allowed email domains, registration questions."""

from __future__ import annotations

from events.models import Event, EventRole, EventStatus, Role
from tests.helpers import make_user, post_form, sign_in

PAGE = "/events/datacamp/manage/participation"


async def _organiser_event(client) -> Event:
    organiser = await make_user("orga@example.org")
    event = await Event.create(slug="datacamp", title="Data Camp", status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    await sign_in(client, "orga@example.org")
    return event


async def test_participation_settings_are_saved(client):
    event = await _organiser_event(client)
    response = await post_form(
        client,
        PAGE,
        {
            "rules": "Respect the **licences**.",
            "eligible_domains": "univ-paris.fr\n@Example.ORG\nuniv-paris.fr",
            "challenges_per_team": "2",
            "q0_key": "school",
            "q0_label": "Your school",
            "q0_kind": "text",
            "q0_required": "on",
            "challenges_per_team_extra": "ignored",
            "status": "draft",
        },
        page=PAGE,
    )
    assert response.status_code == 303
    await event.refresh_from_db()
    assert event.rules == "Respect the **licences**."
    assert event.eligible_domains == "univ-paris.fr\nexample.org"
    assert event.challenges_per_team == 2
    assert event.registration_questions == [
        {"key": "school", "label": "Your school", "kind": "text", "required": True, "choices": []}
    ]
    assert event.status == EventStatus.PUBLISHED  # a field the form does not offer is ignored
    page = await client.get(PAGE)
    assert 'value="school"' in page.text


async def test_participation_refuses_bad_input_and_keeps_it(client):
    event = await _organiser_event(client)
    response = await post_form(
        client,
        PAGE,
        {
            "rules": "Rules",
            "eligible_domains": "not a domain\nhttp://x.fr",
            "challenges_per_team": "0",
            "q0_key": "Bad Key",
            "q0_label": "Question",
            "q0_kind": "choice",
            "q0_choices": "only one",
        },
        page=PAGE,
    )
    assert response.status_code == 422
    assert "These are not email domains: not a domain, http://x.fr" in response.text
    assert "Enter a number between 1 and 10." in response.text
    assert "A single choice needs between 2 and 20 choices" in response.text
    assert "not a domain" in response.text  # what was typed is shown again
    await event.refresh_from_db()
    assert event.rules == ""
    assert event.challenges_per_team == 1


async def test_participation_is_for_the_event_organisers_only(client, make_client):
    event = await _organiser_event(client)
    await make_user("other@example.org")
    other = make_client()
    await sign_in(other, "other@example.org")
    assert (await other.get(PAGE)).status_code == 403
    response = await post_form(other, PAGE, {"rules": "hijacked", "challenges_per_team": "3"})
    assert response.status_code == 403
    await event.refresh_from_db()
    assert event.rules == ""
