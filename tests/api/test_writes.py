"""The API's writes with a read-and-write token: import a dataset from a portal (through the fetcher's
SSRF guard), invite someone (through the invitation's rules and rate limits), move a round's dates
(through the round form's rules). Errors are JSON with the pages' status rules, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.domain import api_tokens
from events.models import Dataset, Event, EventRole, EventStatus, Invitation, Role, Round, User
from tests import portal_server as data
from tests.helpers import make_user

pytestmark = pytest.mark.usefixtures("db")


async def _writer(slug: str = "city-event") -> tuple[Event, str]:
    event = await Event.create(
        slug=slug, title="City event", status=EventStatus.PUBLISHED, timezone="Europe/Paris"
    )
    user = await make_user(f"writer-{slug}@example.org", name="Wendy Writer")
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    made = await api_tokens.create_token(user=user, name="automation", event_id=str(event.id), scope="write")
    return event, made.secret


def auth(secret: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **more}


# --- importing a dataset ----------------------------------------------------------------------------


async def test_a_dataset_is_imported_from_its_portal_address(client, portal):
    event, secret = await _writer()

    answer = await client.post(
        f"/api/v1/events/{event.slug}/manage/datasets",
        json={"url": portal(f"/fr/datasets/{data.UDATA_SLUG}/")},
        headers=auth(secret),
    )

    assert answer.status_code == 201
    assert answer.headers["cache-control"] == "no-store"
    assert "etag" not in answer.headers
    dataset = await Dataset.get(event_id=event.id)
    shown = answer.json()["data"]
    assert shown["id"] == dataset.id
    assert shown["title"] == data.UDATA_DATASET["title"] == dataset.title
    assert shown["licence"]["spdx"] == "etalab-2.0"
    assert shown["publisher"] == "Ville de Paris"
    assert shown["url"] == f"http://testserver/events/{event.slug}/datasets/{dataset.id}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Only http:// and https:// addresses can be used."),
        ("", "Paste the address of a dataset."),
        (
            "http://169.254.169.254/api/1/datasets/x/",
            "This address leads to a private or local network, which the server does not fetch.",
        ),
    ],
)
async def test_an_import_the_fetcher_refuses_is_a_422_on_the_url_field(client, url, message):
    event, secret = await _writer()

    answer = await client.post(
        f"/api/v1/events/{event.slug}/manage/datasets", json={"url": url}, headers=auth(secret)
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "error": {
            "status": 422,
            "message": "Some values need to be fixed: see the fields.",
            "fields": {"url": message},
        }
    }
    assert await Dataset.all().count() == 0


async def test_the_ssrf_guard_holds_for_the_api_as_for_the_page(client, portal, app):
    app.state.settings = app.state.settings.with_overrides(fetch_allow_private=False)
    event, secret = await _writer()

    answer = await client.post(
        f"/api/v1/events/{event.slug}/manage/datasets",
        json={"url": portal(f"/fr/datasets/{data.UDATA_SLUG}/")},
        headers=auth(secret, **{"Accept-Language": "fr"}),
    )

    assert answer.status_code == 422
    assert "réseau privé ou local" in answer.json()["error"]["fields"]["url"]
    assert portal.requests == []
    assert await Dataset.all().count() == 0


async def test_the_same_dataset_twice_is_refused(client, portal):
    event, secret = await _writer()
    url = f"/api/v1/events/{event.slug}/manage/datasets"

    first = await client.post(
        url, json={"url": portal(f"/fr/datasets/{data.UDATA_SLUG}/")}, headers=auth(secret)
    )
    second = await client.post(
        url, json={"url": portal(f"/api/1/datasets/{data.UDATA_ID}/")}, headers=auth(secret)
    )

    assert (first.status_code, second.status_code) == (201, 422)
    assert second.json()["error"]["fields"]["url"].startswith("This dataset is already in the catalogue")
    assert await Dataset.all().count() == 1


# --- inviting ---------------------------------------------------------------------------------------


async def test_an_invitation_gives_the_role_to_an_account_or_mails_a_link(client, outbox):
    event, secret = await _writer()
    juror = await make_user("juror@example.org")
    url = f"/api/v1/events/{event.slug}/manage/invitations"

    granted = await client.post(
        url, json={"email": "Juror@Example.org", "role": "juror"}, headers=auth(secret)
    )
    mailed = await client.post(
        url, json={"email": "newcomer@example.org", "role": "mentor"}, headers=auth(secret)
    )

    assert granted.status_code == 201
    assert granted.json()["data"] == {"email": "juror@example.org", "role": "juror", "granted": True}
    assert await EventRole.exists(event_id=event.id, user_id=juror.id, role=Role.JUROR)
    assert mailed.status_code == 201
    assert mailed.json()["data"] == {"email": "newcomer@example.org", "role": "mentor", "granted": False}
    invitation = await Invitation.get(event_id=event.id, email="newcomer@example.org").select_related(
        "invited_by"
    )
    assert invitation.invited_by.name == "Wendy Writer"
    sent = await outbox()
    message = sent.last_to("newcomer@example.org")
    assert "Wendy Writer invites you" in message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"email": "not an address", "role": "mentor"},
            {"email": "Enter an email address like name@example.org."},
        ),
        (
            {"email": "a@example.org", "role": "king"},
            {"role": "Choose one of the values the documentation lists."},
        ),
        ({"role": "mentor"}, {"email": "This field is required."}),
        ({"email": 12, "role": "mentor"}, {"email": "Enter a text."}),
        (
            {"email": "a@example.org", "role": "mentor", "is_admin": True},
            {"is_admin": "This field is unknown here."},
        ),
    ],
)
async def test_an_invitation_with_a_mistake_is_a_422_that_names_the_field(client, body, fields):
    event, secret = await _writer()

    answer = await client.post(
        f"/api/v1/events/{event.slug}/manage/invitations", json=body, headers=auth(secret)
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == fields
    assert await Invitation.all().count() == 0
    assert await User.filter(is_admin=True).count() == 0


async def test_invitations_keep_their_rate_limit_through_the_api(client):
    event, secret = await _writer()
    url = f"/api/v1/events/{event.slug}/manage/invitations"

    answers = [
        await client.post(url, json={"email": "same@example.org", "role": "mentor"}, headers=auth(secret))
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert int(answers[3].headers["retry-after"]) > 0
    assert (
        answers[3]
        .json()["error"]["message"]
        .startswith("This address received several invitations recently.")
    )


# --- moving a round ---------------------------------------------------------------------------------


async def _round(event: Event) -> Round:
    return await Round.create(
        event=event,
        name="Prototype",
        opens_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        deadline=datetime(2026, 3, 14, 17, 0, tzinfo=UTC),
        grace_minutes=10,
        team_min=2,
        team_max=4,
        questions=[{"key": "pitch", "label": "Pitch", "kind": "text", "required": True, "choices": []}],
    )


async def test_a_deadline_moves_and_nothing_else_changes(client):
    event, secret = await _writer()
    stage = await _round(event)
    url = f"/api/v1/events/{event.slug}/manage/rounds/{stage.id}"

    with_offset = await client.patch(url, json={"deadline": "2026-03-21T17:30:00Z"}, headers=auth(secret))
    moved = await Round.get(id=stage.id)
    local = await client.patch(url, json={"deadline": "2026-03-28T19:00"}, headers=auth(secret))

    assert with_offset.status_code == 200
    assert with_offset.json()["data"]["deadline"] == "2026-03-21T17:30:00Z"
    assert moved.deadline == datetime(2026, 3, 21, 17, 30, tzinfo=UTC)
    assert (moved.opens_at, moved.grace_minutes, moved.team_min, moved.team_max, moved.name) == (
        stage.opens_at,
        10,
        2,
        4,
        "Prototype",
    )
    assert moved.questions == stage.questions
    assert local.status_code == 200
    assert (await Round.get(id=stage.id)).deadline == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # Paris, UTC+1


async def test_a_deadline_and_grace_cleared_or_refused_like_the_form(client):
    event, secret = await _writer()
    stage = await _round(event)
    url = f"/api/v1/events/{event.slug}/manage/rounds/{stage.id}"

    before_opening = await client.patch(url, json={"deadline": "2026-02-01T10:00"}, headers=auth(secret))
    unreadable = await client.patch(url, json={"deadline": "next friday"}, headers=auth(secret))
    grace = await client.patch(url, json={"grace_minutes": 5000}, headers=auth(secret))
    huge = await client.patch(url, json={"grace_minutes": 10**400}, headers=auth(secret))
    cleared = await client.patch(url, json={"deadline": None, "grace_minutes": 0}, headers=auth(secret))

    assert before_opening.status_code == 422
    assert before_opening.json()["error"]["fields"] == {
        "deadline": "The deadline must come after the opening."
    }
    assert unreadable.status_code == 422
    assert "deadline" in unreadable.json()["error"]["fields"]
    assert grace.json()["error"]["fields"] == {"grace_minutes": "Enter between 0 and 1440 minutes."}
    assert huge.status_code == 422
    assert cleared.status_code == 200
    stored = await Round.get(id=stage.id)
    assert (stored.deadline, stored.grace_minutes) == (None, 0)


async def test_a_round_of_another_event_is_404_and_unchanged(client):
    event, secret = await _writer()
    other, _other_secret = await _writer("other-event")
    theirs = await _round(other)

    answer = await client.patch(
        f"/api/v1/events/{event.slug}/manage/rounds/{theirs.id}",
        json={"deadline": None},
        headers=auth(secret),
    )

    assert answer.status_code == 404
    assert (await Round.get(id=theirs.id)).deadline is not None


# --- bodies -----------------------------------------------------------------------------------------

HOSTILE_BODIES = [
    b"",
    b"not json",
    b"[1, 2]",
    b'"text"',
    b"null",
    b'{"deadline": NaN}',
    b'{"deadline": Infinity}',
    b'{"grace_minutes": 1e309}',
    b'{"grace_minutes": "12"}',
    b'{"grace_minutes": true}',
    b'{"deadline": ["2026-03-14T18:00"]}',
    b'{"deadline": {"a": 1}}',
    b'{"deadline": "2026-13-45T25:99"}',
    b'{"deadline": "\\u0000"}',
    b'{"deadline": "' + b"9" * 5000 + b'"}',
    b'{"opens_at": "0001-01-01T00:00:00+14:00"}',
    b'{"opens_at": "9999-12-31T23:59:59-14:00"}',
    b"[" * 5000 + b"]" * 5000,
    b"\xff\xfe\x00",
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
async def test_a_hostile_body_is_refused_clearly_never_a_500(client, body):
    event, secret = await _writer()
    stage = await _round(event)

    answer = await client.patch(
        f"/api/v1/events/{event.slug}/manage/rounds/{stage.id}",
        content=body,
        headers=auth(secret, **{"Content-Type": "application/json"}),
    )

    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["error"]["status"] == answer.status_code
    assert (await Round.get(id=stage.id)).deadline == stage.deadline


async def test_a_body_that_is_not_json_is_415_and_a_huge_one_413(client):
    event, secret = await _writer()
    url = f"/api/v1/events/{event.slug}/manage/invitations"

    form = await client.post(url, data={"email": "a@example.org", "role": "mentor"}, headers=auth(secret))
    huge = await client.post(
        url,
        content=b'{"email": "' + b"a" * 300_000 + b'"}',
        headers=auth(secret, **{"Content-Type": "application/json"}),
    )

    assert form.status_code == 415
    assert (
        form.json()["error"]["message"] == "Send the request's body as JSON (Content-Type: application/json)."
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/json"
    assert await Invitation.all().count() == 0
