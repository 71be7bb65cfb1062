"""The rules of announcements: who is mailed, what is kept, what the export of one's data holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.domain import announcements, personal_data
from events.domain.errors import FormErrors
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
from tests.helpers import make_user

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
BASE = "https://hackcity.example"


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="paris", title="Paris", status=EventStatus.PUBLISHED)


async def test_registrants_are_mailed_once_each_and_inactive_accounts_not_at_all(event):
    author = await make_user("orga@example.org")
    active = await make_user("active@example.org")
    gone = await make_user("gone@example.org", is_active=False)
    other_event = await Event.create(slug="lyon", title="Lyon", status=EventStatus.PUBLISHED)
    stranger = await make_user("lyon@example.org")
    for person, where in ((active, event), (gone, event), (stranger, other_event)):
        await Registration.create(event=where, user=person, rules_accepted_at=NOW)

    posted = await announcements.post_announcement(
        event=event, author=author, title="News", body="Text", audience="registrants", base_url=BASE, now=NOW
    )

    assert posted.mailed_count == 1
    assert await OutboxMessage.filter().values_list("to", flat=True) == ["active@example.org"]
    body = (await OutboxMessage.get()).body
    assert f"{BASE}/events/paris/announcements/{posted.id}" in body
    assert (posted.created_at, posted.updated_at) == (NOW, NOW)


async def test_jurors_are_those_with_the_role_or_a_seat_in_this_event_only(event):
    by_role = await make_user("role@example.org")
    seated = await make_user("seat@example.org")
    elsewhere = await make_user("elsewhere@example.org")
    other = await Event.create(slug="lyon", title="Lyon", status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=by_role, role=Role.JUROR)
    await EventRole.create(event=event, user=await make_user("mentor@example.org"), role=Role.MENTOR)
    session = await JurySession.create(
        event=event, round=await Round.create(event=event, position=1, name="R"), name="J"
    )
    await JurySessionJuror.create(session=session, user=seated)
    await EventRole.create(event=other, user=elsewhere, role=Role.JUROR)

    jurors = await announcements.recipients(event, Audience.JURORS)

    assert [person.email for person in jurors] == ["role@example.org", "seat@example.org"]
    assert await announcements.recipients(event, Audience.NOBODY) == []


async def test_a_refused_announcement_writes_nothing_and_mails_nobody(event):
    author = await make_user("orga@example.org")
    await Registration.create(event=event, user=await make_user("r@example.org"), rules_accepted_at=NOW)

    with pytest.raises(FormErrors) as refused:
        await announcements.post_announcement(
            event=event, author=author, title="", body="", audience="registrants", base_url=BASE
        )

    assert set(refused.value.errors) == {"title", "body"}
    assert await Announcement.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_newest_first_and_public_never_holds_a_draft_events_news(event):
    draft = await Event.create(slug="draft", title="Draft", status=EventStatus.DRAFT)
    archived = await Event.create(slug="old", title="Old", status=EventStatus.ARCHIVED)
    for hours, where in ((1, event), (2, draft), (3, archived), (4, event)):
        moment = NOW + timedelta(hours=hours)
        await Announcement.create(
            event=where, title=f"{where.slug} {hours}", created_at=moment, updated_at=moment
        )

    assert [a.title for a in await announcements.of_event(event)] == ["paris 4", "paris 1"]
    assert [a.title for a in await announcements.of_event(event, limit=1)] == ["paris 4"]
    assert [a.title for a in await announcements.public(10)] == ["paris 4", "old 3", "paris 1"]
    assert [a.title for a in await announcements.public(2)] == ["paris 4", "old 3"]


async def test_the_export_of_ones_data_holds_the_announcements_one_posted(event):
    author = await make_user("orga@example.org")
    other = await make_user("other@example.org")
    await announcements.post_announcement(
        event=event, author=author, title="Kick-off", body="Monday", audience="nobody", base_url=BASE, now=NOW
    )

    data = await personal_data.export_data(author)

    assert data["announcements"] == [
        {
            "event": "paris",
            "title": "Kick-off",
            "body": "Monday",
            "mailed_to": "nobody",
            "posted_at": NOW.isoformat(),
            "updated_at": NOW.isoformat(),
        }
    ]
    assert (await personal_data.export_data(other))["announcements"] == []
