"""Announcements over HTTP: an organiser posts, edits and deletes news; the event page, the news page
and the announcement's own page show it; the mail goes to registrants or jurors in their language."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from events.models import (
    Announcement,
    Audience,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    JurySessionJuror,
    OutboxMessage,
    Registration,
    Role,
    Round,
)
from tests.helpers import make_user, post_form, sign_in

MANAGE = "/events/datacity/manage/announcements"


@pytest.fixture
async def event(db) -> Event:
    organiser = await make_user("orga@example.org", name="Olga Organiser")
    event = await Event.create(
        slug="datacity", title="DataCity", timezone="Europe/Paris", status=EventStatus.PUBLISHED
    )
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    return event


async def _organiser(make_client):
    client = make_client()
    await sign_in(client, "orga@example.org")
    return client


def news(**changes) -> dict[str, str]:
    form = {"title": "Kick-off on Monday", "body": "Meet us at **9:00** in the hall.", "audience": "nobody"}
    form.update(changes)
    return form


async def test_organiser_posts_news_that_the_event_page_and_the_news_page_show(event, make_client):
    client = await _organiser(make_client)

    response = await post_form(client, MANAGE, news(), page=MANAGE)

    assert response.status_code == 303
    assert response.headers["location"] == MANAGE
    posted = await Announcement.get(event_id=event.id)
    assert (posted.title, posted.body, posted.audience, posted.mailed_count) == (
        "Kick-off on Monday",
        "Meet us at **9:00** in the hall.",
        Audience.NOBODY,
        0,
    )
    author = await posted.author
    assert author.email == "orga@example.org"
    assert posted.created_at == posted.updated_at
    managed = await client.get(MANAGE)
    assert "The announcement “Kick-off on Monday” is posted." in html.unescape(managed.text)
    assert await OutboxMessage.all().count() == 0

    visitor = make_client()
    page = await visitor.get("/events/datacity")
    assert page.status_code == 200
    assert f'<a href="/events/datacity/announcements/{posted.id}">Kick-off on Monday</a>' in page.text
    assert "Meet us at 9:00 in the hall." in page.text  # the excerpt, without its markup
    assert '<a href="/events/datacity/announcements">All the news</a>' in page.text
    assert (
        '<link rel="alternate" type="application/atom+xml" title="News — DataCity" '
        'href="/events/datacity/feed.atom">' in page.text
    )
    listing = await visitor.get("/events/datacity/announcements")
    assert listing.status_code == 200
    assert "<strong>9:00</strong>" in listing.text
    single = await visitor.get(f"/events/datacity/announcements/{posted.id}")
    assert single.status_code == 200
    assert "<h1>Kick-off on Monday</h1>" in single.text
    assert "Olga Organiser" not in single.text + listing.text + page.text  # the event speaks, not a person


async def test_event_page_shows_the_three_newest_and_the_news_page_all_newest_first(event, client):
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    for number in range(5):
        moment = start + timedelta(days=number)
        await Announcement.create(
            event=event, title=f"News {number}", body="Text", created_at=moment, updated_at=moment
        )

    page = (await client.get("/events/datacity")).text
    listing = (await client.get("/events/datacity/announcements")).text

    shown = [f"News {number}" for number in range(5) if f">News {number}</a>" in page]
    assert shown == ["News 2", "News 3", "News 4"]
    assert page.index(">News 4</a>") < page.index(">News 3</a>") < page.index(">News 2</a>")
    positions = [listing.index(f">News {number}</a>") for number in (4, 3, 2, 1, 0)]
    assert positions == sorted(positions)


async def test_event_without_news_shows_no_news_section(event, client):
    page = await client.get("/events/datacity")

    assert 'id="news"' not in page.text
    assert "No news yet." in (await client.get("/events/datacity/announcements")).text


async def test_mail_to_registrants_in_each_ones_language_with_the_link(event, make_client, outbox):
    french = await make_user("fr@example.org", name="Françoise", language="fr")
    english = await make_user("en@example.org", name="Edward", language="en")
    await make_user("other@example.org", name="Not registered")
    for person in (french, english):
        await Registration.create(event=event, user=person, rules_accepted_at=datetime.now(UTC))
    client = await _organiser(make_client)

    response = await post_form(client, MANAGE, news(audience="registrants"), page=MANAGE)

    assert response.status_code == 303
    posted = await Announcement.get(event_id=event.id)
    assert (posted.audience, posted.mailed_count) == (Audience.REGISTRANTS, 2)
    flashed = html.unescape((await client.get(MANAGE)).text)
    assert "The announcement “Kick-off on Monday” is posted and mailed to 2 people." in flashed
    server = await outbox()
    assert sorted(message["To"] for message in server.messages) == ["en@example.org", "fr@example.org"]
    to_english = server.last_to("en@example.org")
    assert to_english["Subject"] == "DataCity: Kick-off on Monday"
    body = to_english.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Edward," in body
    assert "Meet us at **9:00** in the hall." in body
    assert "You receive this message because you registered for DataCity." in body
    assert server.link_in(to_english, "/events/datacity/announcements/") == (
        f"/events/datacity/announcements/{posted.id}"
    )
    to_french = server.last_to("fr@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Françoise," in to_french


async def test_mail_to_jurors_reaches_roles_and_seats_once_each(event, make_client, outbox):
    by_role = await make_user("role@example.org", name="Juror by role")
    seated = await make_user("seat@example.org", name="Juror by seat")
    both = await make_user("both@example.org", name="Juror both ways")
    registrant = await make_user("reg@example.org", name="Registrant")
    await Registration.create(event=event, user=registrant, rules_accepted_at=datetime.now(UTC))
    stage = await Round.create(event=event, position=1, name="Round")
    session = await JurySession.create(event=event, round=stage, name="Jury")
    for person in (by_role, both):
        await EventRole.create(event=event, user=person, role=Role.JUROR)
    for person in (seated, both):
        await JurySessionJuror.create(session=session, user=person)
    client = await _organiser(make_client)

    response = await post_form(client, MANAGE, news(audience="jurors"), page=MANAGE)

    assert response.status_code == 303
    assert (await Announcement.get(event_id=event.id)).mailed_count == 3
    server = await outbox()
    assert sorted(message["To"] for message in server.messages) == [
        "both@example.org",
        "role@example.org",
        "seat@example.org",
    ]
    body = server.last_to("seat@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "You receive this message because you are a juror of DataCity." in body


async def test_a_draft_event_mails_nobody_and_has_no_feed(event, make_client):
    await Event.filter(id=event.id).update(status=EventStatus.DRAFT)
    registrant = await make_user("reg@example.org")
    await Registration.create(event=event, user=registrant, rules_accepted_at=datetime.now(UTC))
    client = await _organiser(make_client)

    refused = await post_form(client, MANAGE, news(audience="registrants"), page=MANAGE)

    assert refused.status_code == 422
    assert "This event is a draft: publish it before mailing an announcement." in html.unescape(refused.text)
    assert 'value="Kick-off on Monday"' in refused.text  # nothing typed is lost
    assert await Announcement.all().count() == 0
    assert await OutboxMessage.all().count() == 0

    posted = await post_form(client, MANAGE, news(), page=MANAGE)
    assert posted.status_code == 303
    assert await Announcement.all().count() == 1
    # The organiser sees the draft's news, and still no feed: feeds are for everyone or no one.
    assert (await client.get("/events/datacity/announcements")).status_code == 200
    assert (await client.get("/events/datacity/feed.atom")).status_code == 404
    assert "application/atom+xml" not in (await client.get("/events/datacity")).text
    assert (await make_client().get("/events/datacity/announcements")).status_code == 404


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (news(title=""), "title", "Enter a title."),
        (news(title=" \t\x01 "), "title", "Enter a title."),
        (news(title="x" * 201), "title", "Use at most 200 characters."),
        (news(body="   "), "body", "Write the announcement."),
        (news(body="y" * 20_001), "body", "Use at most 20000 characters."),
        (news(audience="everyone"), "audience", "Choose who receives the announcement by email."),
        ({"title": "No audience", "body": "x"}, "audience", "Choose who receives the announcement by email."),
    ],
)
async def test_bad_announcements_are_refused_with_the_reason_and_nothing_lost(
    event, make_client, form, field, message
):
    client = await _organiser(make_client)

    response = await post_form(client, MANAGE, form, page=MANAGE)

    assert response.status_code == 422
    assert f'<p class="error" id="f-{field}-error">{html.escape(message)}</p>' in response.text
    assert await Announcement.all().count() == 0


async def test_titles_lose_control_characters_and_bodies_keep_their_lines(event, make_client):
    client = await _organiser(make_client)

    response = await post_form(
        client, MANAGE, news(title="Big\x1b[31m\nnews\u0085 ", body="Line one\r\n\tLine two\x07"), page=MANAGE
    )

    assert response.status_code == 303
    posted = await Announcement.get(event_id=event.id)
    assert (posted.title, posted.body) == ("Big[31m news", "Line one\n\tLine two")


async def test_hostile_markdown_is_shown_as_text_or_sanitised(event, make_client):
    client = await _organiser(make_client)
    body = '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="alert(3)">'

    await post_form(client, MANAGE, news(title="<script>alert(0)</script>", body=body), page=MANAGE)

    posted = await Announcement.get(event_id=event.id)
    for path in (
        "/events/datacity",
        "/events/datacity/announcements",
        f"/events/datacity/announcements/{posted.id}",
    ):
        page = (await make_client().get(path)).text
        assert "<script>alert" not in page, path
        assert 'href="javascript' not in page, path
        assert "<img" not in page, path
        assert "&lt;script&gt;alert(0)&lt;/script&gt;" in page, path


async def test_organiser_edits_without_mailing_again_and_deletes(event, make_client, outbox):
    registrant = await make_user("reg@example.org")
    await Registration.create(event=event, user=registrant, rules_accepted_at=datetime.now(UTC))
    client = await _organiser(make_client)
    await post_form(client, MANAGE, news(audience="registrants"), page=MANAGE)
    posted = await Announcement.get(event_id=event.id)
    assert len((await outbox()).messages) == 1
    edit = f"{MANAGE}/{posted.id}/edit"

    form = await client.get(edit)
    assert form.status_code == 200
    assert 'value="Kick-off on Monday"' in form.text
    saved = await post_form(client, edit, {"title": "Kick-off on Tuesday", "body": "Moved."}, page=edit)

    assert saved.status_code == 303
    assert saved.headers["location"] == MANAGE
    edited = await Announcement.get(id=posted.id)
    assert (edited.title, edited.body, edited.uuid, edited.created_at) == (
        "Kick-off on Tuesday",
        "Moved.",
        posted.uuid,
        posted.created_at,
    )
    assert edited.updated_at > edited.created_at
    assert await OutboxMessage.all().count() == 1  # nobody is mailed again
    assert "The announcement “Kick-off on Tuesday” is saved." in html.unescape(
        (await client.get(MANAGE)).text
    )
    page = (await client.get(f"/events/datacity/announcements/{posted.id}")).text
    assert "edited " in page

    refused = await post_form(client, edit, {"title": "", "body": "Moved."}, page=edit)
    assert refused.status_code == 422
    assert (await Announcement.get(id=posted.id)).title == "Kick-off on Tuesday"

    deleted = await post_form(client, f"{MANAGE}/{posted.id}/delete", page=MANAGE)

    assert deleted.status_code == 303
    assert deleted.headers["location"] == MANAGE
    assert await Announcement.all().count() == 0
    assert "The announcement “Kick-off on Tuesday” is deleted." in html.unescape(
        (await client.get(MANAGE)).text
    )
    assert (await client.get(f"/events/datacity/announcements/{posted.id}")).status_code == 404


async def test_another_events_announcement_is_404_through_this_event(event, make_client):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    foreign = await Announcement.create(event=other, title="Theirs", body="Not yours")
    client = await _organiser(make_client)

    assert (await client.get(f"{MANAGE}/{foreign.id}/edit")).status_code == 404
    edited = await post_form(client, f"{MANAGE}/{foreign.id}/edit", news(), page=MANAGE)
    assert edited.status_code == 404
    deleted = await post_form(client, f"{MANAGE}/{foreign.id}/delete", page=MANAGE)
    assert deleted.status_code == 404
    assert (await client.get(f"/events/datacity/announcements/{foreign.id}")).status_code == 404
    assert (await Announcement.get(id=foreign.id)).title == "Theirs"


async def test_an_author_who_deletes_their_account_leaves_the_announcement(event, make_client):
    client = await _organiser(make_client)
    await post_form(client, MANAGE, news(), page=MANAGE)
    posted = await Announcement.get(event_id=event.id)

    await (await posted.author).delete()

    kept = await Announcement.get(id=posted.id)
    assert kept.author_id is None
    assert (await make_client().get(f"/events/datacity/announcements/{posted.id}")).status_code == 200
    colleague = await make_user("colleague@example.org")
    await EventRole.create(event=event, user=colleague, role=Role.ORGANISER)
    other_client = make_client()
    await sign_in(other_client, "colleague@example.org")
    managed = await other_client.get(MANAGE)
    assert managed.status_code == 200
    assert "Kick-off on Monday" in managed.text


async def test_an_announcement_page_answers_its_id_and_404_for_anything_else(event, client):
    posted = await Announcement.create(event=event, title="Kick-off", body="Monday")

    assert (await client.get(f"/events/datacity/announcements/{posted.id}")).status_code == 200
    for segment in (f"0{posted.id}", f"{posted.id}.0", "٣", "2147483648", "9" * 400, "0", "-1", "abc"):
        answer = await client.get(f"/events/datacity/announcements/{segment}")
        assert answer.status_code == 404, segment
