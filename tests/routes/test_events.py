"""Events: creation from a preset, editing, publishing, drafts, invitations, timeline and iCalendar."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from events.models import Event, EventKind, EventRole, EventStatus, Invitation, Role, Round
from tests.helpers import make_user, post_form, sign_in


async def organiser_of(slug: str, email: str, **fields) -> Event:
    user = await make_user(email)
    event = await Event.create(slug=slug, title=slug.replace("-", " ").title(), **fields)
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


def edit_form(**changes) -> dict[str, str]:
    form = {
        "title": "DataCity Lyon",
        "slug": "datacity-lyon",
        "summary": "A programme",
        "description": "**Open** data",
        "location": "Lyon",
        "timezone": "Europe/Paris",
        "starts_at": "",
        "ends_at": "",
        "registration_opens_at": "2026-03-01T09:00",
        "registration_closes_at": "2026-03-31T18:00",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize(
    ("kind", "rounds"), [("programme", ["Application", "Prototype"]), ("hackathon", ["Hackathon"])]
)
async def test_organiser_creates_an_event_from_a_preset_with_its_rounds(client, kind, rounds):
    await organiser_of("first-event", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/new", {"title": "DataCity Lyon", "slug": "", "kind": kind}, page="/events/new"
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/events/datacity-lyon/manage/edit"
    event = await Event.get(slug="datacity-lyon")
    assert event.kind == EventKind(kind)
    assert event.status == EventStatus.DRAFT
    assert await Round.filter(event=event).order_by("position").values_list("name", flat=True) == rounds
    creator = await EventRole.get(event=event).select_related("user")
    assert (creator.user.email, creator.role) == ("orga@example.org", Role.ORGANISER)


async def test_a_user_who_organises_nothing_cannot_create_an_event(client):
    await make_user("plain@example.org")
    await sign_in(client, "plain@example.org")

    page = await client.get("/events/new")
    response = await post_form(client, "/events/new", {"title": "Mine", "kind": "hackathon"})

    assert page.status_code == 403
    assert response.status_code == 403
    assert await Event.all().count() == 0


async def test_create_event_with_a_bad_slug_and_no_preset_is_a_422(client):
    await organiser_of("first-event", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/new", {"title": "X", "slug": "Bad Slug!", "kind": "party"})

    assert response.status_code == 422
    assert "Use lower-case letters, digits and hyphens only." in response.text
    assert "Choose a kind of event." in response.text
    assert await Event.all().count() == 1


async def test_admin_create_page_still_creates_preset_rounds(client):
    await make_user("admin@example.org", is_admin=True)
    await make_user("orga@example.org")
    await sign_in(client, "admin@example.org")

    response = await post_form(
        client,
        "/admin/events/new",
        {"title": "Weekend", "kind": "hackathon", "organiser_email": "orga@example.org"},
    )

    assert response.status_code == 303
    assert await Round.filter(event__slug="weekend").count() == 1


async def test_organiser_edits_the_event_and_dates_are_read_in_its_time_zone(client):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client,
        "/events/datacity/manage/edit",
        edit_form(timezone="America/Montreal", allow_challenge_proposals="on"),
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/events/datacity-lyon/manage/edit"
    await event.refresh_from_db()
    assert (event.title, event.slug, event.location, event.timezone) == (
        "DataCity Lyon",
        "datacity-lyon",
        "Lyon",
        "America/Montreal",
    )
    # 09:00 in Montréal (UTC-5 in winter) is 14:00 UTC.
    assert event.registration_opens_at == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert event.allow_challenge_proposals is True
    page = await client.get("/events/datacity-lyon/manage/edit")
    assert 'value="2026-03-01T09:00"' in page.text
    assert 'value="2026-03-31T18:00"' in page.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "Enter a time zone like Europe/Paris"),
        ({"timezone": "../../etc/passwd"}, "timezone", "Enter a time zone like Europe/Paris"),
        ({"registration_opens_at": "yesterday"}, "registration_opens_at", "Enter a date and time like"),
        ({"registration_closes_at": "2026-02-01T09:00"}, "registration_closes_at", "The end must come after"),
        ({"registration_opens_at": "2026-03-29T02:30"}, "registration_opens_at", "does not exist"),
        ({"title": ""}, "title", "Enter a title"),
        ({"slug": "new"}, "slug", "This address is reserved"),
    ],
)
async def test_invalid_event_form_is_a_422_and_changes_nothing(client, changes, field, message):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/edit", edit_form(**changes))

    assert response.status_code == 422
    assert f'id="f-{field}-error"' in response.text
    assert message in response.text
    assert (await Event.get(id=event.id)).title == "Datacity"


async def test_slug_taken_by_another_event_is_refused(client):
    await organiser_of("datacity", "orga@example.org")
    await Event.create(slug="datacity-lyon", title="Other")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/edit", edit_form())

    assert response.status_code == 422
    assert "Another event already uses this address." in response.text


async def test_status_posted_to_the_edit_form_is_ignored(client):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/edit", edit_form(status="published", id="99", kind="hackathon")
    )

    assert response.status_code == 303
    saved = await Event.get(id=event.id)
    assert (saved.status, saved.id, saved.kind) == (EventStatus.DRAFT, event.id, EventKind.HACKATHON)


async def test_publish_then_unpublish_through_the_status_button(client, make_client):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    visitor = make_client()
    assert (await visitor.get("/events/datacity")).status_code == 404

    published = await post_form(client, "/events/datacity/manage/status", {"status": "published"})

    assert published.status_code == 303
    assert (await Event.get(slug="datacity")).status == EventStatus.PUBLISHED
    assert (await visitor.get("/events/datacity")).status_code == 200

    await post_form(client, "/events/datacity/manage/status", {"status": "draft"})

    assert (await Event.get(slug="datacity")).status == EventStatus.DRAFT
    assert (await visitor.get("/events/datacity")).status_code == 404


async def test_unknown_status_is_refused_without_change(client):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/status", {"status": "deleted"})

    assert response.status_code == 303
    assert (await Event.get(slug="datacity")).status == EventStatus.DRAFT


@pytest.mark.parametrize("path", ["", "/calendar.ics", "/manage", "/manage/edit", "/manage/rounds"])
async def test_draft_is_404_to_anonymous_and_to_organisers_of_other_events(client, make_client, path):
    await organiser_of("draft-one", "one@example.org")
    await organiser_of("other", "two@example.org", status=EventStatus.PUBLISHED)
    await sign_in(client, "two@example.org")

    assert (await make_client().get(f"/events/draft-one{path}")).status_code == 404
    assert (await client.get(f"/events/draft-one{path}")).status_code == 404


async def test_organiser_cannot_change_another_organisers_event(client):
    theirs = await organiser_of("theirs", "one@example.org", status=EventStatus.PUBLISHED)
    await organiser_of("mine", "two@example.org")
    await sign_in(client, "two@example.org")

    edit = await post_form(client, "/events/theirs/manage/edit", edit_form(slug="theirs"))
    status = await post_form(client, "/events/theirs/manage/status", {"status": "draft"})
    people = await post_form(
        client, "/events/theirs/manage/people", {"email": "two@example.org", "role": "organiser"}
    )

    assert (edit.status_code, status.status_code, people.status_code) == (403, 403, 403)
    saved = await Event.get(id=theirs.id)
    assert (saved.title, saved.status) == ("Theirs", EventStatus.PUBLISHED)
    assert await EventRole.filter(event=theirs).count() == 1


async def test_invitation_of_an_unknown_address_mails_a_link_that_grants_the_role_once(
    client, make_client, outbox
):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/people", {"email": "New.Person@Example.org", "role": "organiser"}
    )

    assert response.status_code == 303
    invitation = await Invitation.get(event=event)
    assert invitation.email == "new.person@example.org"
    mailbox = await outbox()
    link = mailbox.link_in(mailbox.last_to("new.person@example.org"), "/invitations/")
    token = link.removeprefix("/invitations/")
    assert invitation.token_hash != token and token not in invitation.token_hash
    # Accepted by whoever holds the link, with any email address.
    newcomer = make_client()
    await make_user("someone.else@example.org")
    await sign_in(newcomer, "someone.else@example.org")
    page = await newcomer.get(link)
    assert page.status_code == 200
    assert "Accept the invitation" in page.text

    accepted = await post_form(newcomer, link, page=link)

    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/events/datacity/manage"
    assert await EventRole.exists(event=event, user__email="someone.else@example.org", role=Role.ORGANISER)
    assert (await newcomer.get("/events/datacity/manage")).status_code == 200
    again = await post_form(newcomer, link)
    assert again.status_code == 404
    assert (await newcomer.get(link)).status_code == 404


async def test_invitation_link_uses_base_url_not_the_host_header(client, outbox):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")

    await post_form(
        client,
        "/events/datacity/manage/people",
        {"email": "x@example.org", "role": "juror"},
        headers={"Host": "evil.example"},
    )

    mailbox = await outbox()
    body = mailbox.last_to("x@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "http://testserver/invitations/" in body
    assert "evil.example" not in body


async def test_invitation_of_an_existing_account_grants_at_once(client, outbox):
    event = await organiser_of("datacity", "orga@example.org")
    await make_user("known@example.org")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/people", {"email": "known@example.org", "role": "juror"}
    )

    assert response.status_code == 303
    assert await EventRole.exists(event=event, user__email="known@example.org", role=Role.JUROR)
    assert await Invitation.all().count() == 0


async def test_invitation_page_needs_a_sign_in(client):
    response = await client.get("/invitations/some-token")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_event_page_shows_the_timeline_in_the_event_time_zone(client):
    event = await Event.create(
        slug="datacity",
        title="DataCity",
        status=EventStatus.PUBLISHED,
        timezone="Europe/Paris",
        registration_opens_at=datetime(2099, 3, 1, 8, 0, tzinfo=UTC),
        registration_closes_at=datetime(2099, 3, 31, 16, 0, tzinfo=UTC),
    )
    await Round.create(
        event=event,
        position=1,
        name="Application",
        opens_at=datetime(2099, 4, 1, 7, 0, tzinfo=UTC),
        deadline=datetime(2099, 4, 30, 21, 59, tzinfo=UTC),
    )

    page = await client.get("/events/datacity")

    assert page.status_code == 200
    assert "Times are Paris time (Europe/Paris)." in page.text
    assert "1 Mar 2099, 09:00" in page.text  # 08:00 UTC is 09:00 in Paris (winter)
    assert "30 Apr 2099, 23:59" in page.text  # 21:59 UTC is 23:59 in Paris (summer)
    assert "Next deadline:" in page.text
    next_deadline = page.text.split("Next deadline:", 1)[1].split("</p>", 1)[0]
    assert "Registration" in next_deadline
    assert "31 Mar 2099, 18:00" in next_deadline


async def test_calendar_export_parses_and_holds_each_window_in_utc(client):
    event = await Event.create(
        slug="datacity",
        title="DataCity",
        status=EventStatus.PUBLISHED,
        timezone="Europe/Paris",
        registration_opens_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        registration_closes_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
    )
    application = await Round.create(
        event=event,
        position=1,
        name="Application",
        opens_at=datetime(2026, 4, 1, 7, 0, tzinfo=UTC),
        deadline=datetime(2026, 4, 30, 21, 59, tzinfo=UTC),
    )
    await Round.create(
        event=event, position=2, name="Prototype", deadline=datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    )
    await Round.create(event=event, position=3, name="Undated")

    response = await client.get("/events/datacity/calendar.ics")
    again = await client.get("/events/datacity/calendar.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    entries = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(entries) == 3
    registration = entries[f"event-{event.id}-registration@testserver"]
    assert registration.decoded("dtstart") == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert registration.decoded("dtend") == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    window = entries[f"event-{event.id}-round-{application.id}@testserver"]
    assert window.decoded("dtend") == datetime(2026, 4, 30, 21, 59, tzinfo=UTC)
    assert "DTSTART:20260401T070000Z" in response.text.replace("\r\n", "\n")
    assert "Application" in str(window["summary"])
    uids_again = {str(e["uid"]) for e in icalendar.Calendar.from_ical(again.content).walk("VEVENT")}
    assert uids_again == set(entries)


async def test_calendar_of_a_draft_event_is_404(client):
    await Event.create(slug="draft", title="Draft")

    assert (await client.get("/events/draft/calendar.ics")).status_code == 404
