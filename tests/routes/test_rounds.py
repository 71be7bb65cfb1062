"""Rounds: add, edit, delete, reorder; datetime-local read and shown in the event's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.models import Event, EventRole, Role, Round
from tests.helpers import make_user, post_form, sign_in


@pytest.fixture
async def event(db) -> Event:
    user = await make_user("orga@example.org")
    event = await Event.create(slug="datacity", title="DataCity", timezone="Europe/Paris")
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


def round_form(**changes) -> dict[str, str]:
    form = {
        "name": "Application",
        "opens_at": "2026-07-01T09:00",
        "deadline": "2026-07-31T23:59",
        "grace_minutes": "15",
        "team_min": "2",
        "team_max": "5",
        "q0_key": "repository_url",
        "q0_label": "Where is your code?",
        "q0_kind": "url",
        "q0_required": "on",
        "q0_choices": "",
        "q1_key": "",
        "q1_label": "",
        "q1_kind": "text",
    }
    form.update(changes)
    return form


async def test_round_dates_round_trip_through_the_event_time_zone(client, event):
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/rounds", round_form())

    assert response.status_code == 303
    stage = await Round.get(event=event)
    # Paris is UTC+2 in July.
    assert stage.opens_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert stage.deadline == datetime(2026, 7, 31, 21, 59, tzinfo=UTC)
    assert (stage.grace_minutes, stage.team_min, stage.team_max, stage.position) == (15, 2, 5, 1)
    assert stage.questions == [
        {
            "key": "repository_url",
            "label": "Where is your code?",
            "kind": "url",
            "required": True,
            "choices": [],
        }
    ]
    page = await client.get(f"/events/datacity/manage/rounds/{stage.id}/edit")
    assert 'value="2026-07-01T09:00"' in page.text
    assert 'value="2026-07-31T23:59"' in page.text
    assert 'value="repository_url"' in page.text


async def test_changing_the_event_time_zone_shows_stored_dates_in_the_new_zone(client, event):
    await Round.create(event=event, position=1, name="A", deadline=datetime(2026, 7, 31, 21, 59, tzinfo=UTC))
    event.timezone = "America/Montreal"
    await event.save()
    await sign_in(client, "orga@example.org")
    stage = await Round.get(event=event)

    page = await client.get(f"/events/datacity/manage/rounds/{stage.id}/edit")

    assert 'value="2026-07-31T17:59"' in page.text  # 21:59 UTC is 17:59 in Montréal (UTC-4)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"team_min": "0"}, "team_min"),
        ({"team_min": "4", "team_max": "3"}, "team_max"),
        ({"team_max": "many"}, "team_max"),
        ({"grace_minutes": "-5"}, "grace_minutes"),
        # Unicode digits, underscores, thousands of digits: int() reads the first two, raises on the last
        ({"team_min": "\u0661"}, "team_min"),
        ({"grace_minutes": "\uff11\uff15"}, "grace_minutes"),
        ({"grace_minutes": "1_0"}, "grace_minutes"),
        ({"team_max": "9" * 5000}, "team_max"),
        ({"deadline": "2026-06-01T09:00"}, "deadline"),
        ({"opens_at": "2026-13-45T99:00"}, "opens_at"),
        ({"name": " "}, "name"),
        ({"q0_key": "Bad Key"}, "q0_key"),
        ({"q0_kind": "file"}, "q0_kind"),
        ({"q0_kind": "choice", "q0_choices": "only one"}, "q0_choices"),
        ({"q1_key": "repository_url", "q1_label": "Again?"}, "q1_key"),
    ],
)
async def test_invalid_round_is_a_422_with_the_error_by_its_field(client, event, changes, field):
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/rounds", round_form(**changes))

    assert response.status_code == 422
    assert f'id="f-{field}-error"' in response.text
    assert await Round.filter(event=event).count() == 0


async def test_single_choice_question_keeps_its_choices(client, event):
    await sign_in(client, "orga@example.org")

    await post_form(
        client,
        "/events/datacity/manage/rounds",
        round_form(q0_key="track", q0_label="Track", q0_kind="choice", q0_choices="Mobility\n\nEnergy\n"),
    )

    stage = await Round.get(event=event)
    assert stage.questions[0]["choices"] == ["Mobility", "Energy"]


async def test_edit_delete_and_reorder_rounds(client, event):
    first = await Round.create(event=event, position=1, name="Application")
    second = await Round.create(event=event, position=2, name="Prototype")
    await sign_in(client, "orga@example.org")

    edited = await post_form(
        client, f"/events/datacity/manage/rounds/{first.id}/edit", round_form(name="Candidature")
    )
    moved = await post_form(client, f"/events/datacity/manage/rounds/{second.id}/move", {"direction": "up"})

    assert (edited.status_code, moved.status_code) == (303, 303)
    names = await Round.filter(event=event).order_by("position").values_list("name", flat=True)
    assert names == ["Prototype", "Candidature"]

    deleted = await post_form(client, f"/events/datacity/manage/rounds/{second.id}/delete")

    assert deleted.status_code == 303
    assert await Round.filter(event=event).values_list("name", flat=True) == ["Candidature"]


async def test_moving_the_first_round_up_changes_nothing(client, event):
    first = await Round.create(event=event, position=1, name="Application")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, f"/events/datacity/manage/rounds/{first.id}/move", {"direction": "up"})

    assert response.status_code == 303
    assert (await Round.get(id=first.id)).position == 1


async def test_organiser_of_another_event_cannot_touch_these_rounds(client, event):
    stage = await Round.create(event=event, position=1, name="Application")
    other_user = await make_user("other@example.org")
    other = await Event.create(slug="other", title="Other")
    await EventRole.create(event=other, user=other_user, role=Role.ORGANISER)
    await sign_in(client, "other@example.org")

    direct = await post_form(client, f"/events/datacity/manage/rounds/{stage.id}/delete")
    through_own = await post_form(client, f"/events/other/manage/rounds/{stage.id}/delete")
    edit_through_own = await post_form(
        client, f"/events/other/manage/rounds/{stage.id}/edit", round_form(name="Hijacked")
    )

    assert direct.status_code == 404  # a draft they have no role in
    assert (through_own.status_code, edit_through_own.status_code) == (404, 404)
    assert (await Round.get(id=stage.id)).name == "Application"


async def test_event_id_posted_to_the_round_form_is_ignored(client, event):
    other = await Event.create(slug="other", title="Other")
    await sign_in(client, "orga@example.org")

    await post_form(
        client, "/events/datacity/manage/rounds", round_form(event_id=str(other.id), position="7")
    )

    stage = await Round.get(name="Application")
    assert (stage.event_id, stage.position) == (event.id, 1)


async def test_overlapping_rounds_are_flagged_on_the_dashboard(client, event):
    await Round.create(
        event=event,
        position=1,
        name="Application",
        opens_at=datetime(2026, 4, 1, tzinfo=UTC),
        deadline=datetime(2026, 5, 1, tzinfo=UTC),
    )
    await Round.create(
        event=event,
        position=2,
        name="Prototype",
        opens_at=datetime(2026, 4, 20, tzinfo=UTC),
        deadline=datetime(2026, 9, 1, tzinfo=UTC),
    )
    await sign_in(client, "orga@example.org")

    page = await client.get("/events/datacity/manage")
    rounds_page = await client.get("/events/datacity/manage/rounds")

    assert "The submission windows of the rounds “Application” and “Prototype” overlap." in page.text
    assert "The registration window is not set." in page.text
    assert "No challenge is published yet." in page.text
    assert rounds_page.text.count("overlaps another round") == 2
