"""The public vote over HTTP: the page for visitors and voters, the vote and its refusals (unverified,
twice, own team, closed, another event's entry, CSRF), 404s, blind sessions and the event page's link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.domain import sessions
from events.models import (
    Event,
    EventStatus,
    GalleryMode,
    JurySession,
    PublicVote,
    User,
)
from tests.helpers import CHEAP_HASH, make_user, post_form, sign_in
from tests.jury_world import JuryWorld, entry_of_another_event, make_jury_world

CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."


async def _world(*, public_vote: bool = True, **options) -> JuryWorld:
    """A jury world open now (real time) with a public vote; members can sign in."""
    now = datetime.now(UTC)
    options.setdefault("opens_at", now - timedelta(hours=1))
    options.setdefault("closes_at", now + timedelta(hours=1))
    world = await make_jury_world(**options)
    await JurySession.filter(id=world.session.id).update(public_vote=public_vote)
    world.session.public_vote = public_vote
    for member in [*world.members, *world.jurors]:
        await User.filter(id=member.id).update(
            password_hash=CHEAP_HASH,
            email_verified_at=now,
            language="en",
        )
    return world


async def _as(make_client, email: str):
    client = make_client()
    await sign_in(client, email)
    return client


def _url(world: JuryWorld) -> str:
    return f"/events/{world.event.slug}/vote/{world.session.id}"


async def _vote(client, world: JuryWorld, entry_id: int | str):
    return await post_form(client, _url(world), {"entry": str(entry_id)}, page=_url(world))


async def test_anonymous_visitor_sees_the_entries_and_a_sign_in_link(db, client):
    world = await _world()

    page = await client.get(_url(world))

    assert page.status_code == 200
    assert "<h1>Public vote: Final jury</h1>" in page.text
    assert len(world.entries) == 3
    for entry in world.entries:
        assert entry.title in page.text
    assert "Team Team 0" in page.text
    assert f'href="/login?next={_url(world)}"' in page.text
    assert 'name="entry"' not in page.text


async def test_verified_account_votes_once_and_sees_its_vote(db, make_client):
    world = await _world()
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")
    page = await client.get(_url(world))
    assert "Vote for “Entry 1”" in page.text

    response = await _vote(client, world, world.entries[1].id)

    assert response.status_code == 303
    assert response.headers["location"] == _url(world)
    voter = await User.get(email="voter@example.org")
    assert await PublicVote.filter(session_id=world.session.id).values_list("user_id", "entry_id") == [
        (voter.id, world.entries[1].id)
    ]
    after = await client.get(_url(world))
    assert "Thank you: your vote for “Entry 1” is counted." in after.text
    assert "You voted for “Entry 1”." in after.text
    assert 'name="entry"' not in after.text


async def test_second_vote_is_refused_with_422(db, make_client):
    world = await _world()
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")
    await _vote(client, world, world.entries[0].id)

    response = await _vote(client, world, world.entries[1].id)

    assert response.status_code == 422
    assert "You have already voted in this session: a vote cannot be changed." in response.text
    assert await PublicVote.all().values_list("entry_id", flat=True) == [world.entries[0].id]


async def test_unverified_account_is_told_and_refused(db, make_client):
    world = await _world()
    await make_user("new@example.org", email_verified_at=None)
    client = await _as(make_client, "new@example.org")
    message = "Confirm your email address before you vote: we sent you a link when you signed up."

    page = await client.get(_url(world))
    response = await _vote(client, world, world.entries[0].id)

    assert message in page.text
    assert 'name="entry"' not in page.text
    assert response.status_code == 422
    assert message in response.text
    assert await PublicVote.all().count() == 0


async def test_member_cannot_vote_for_their_own_team(db, make_client):
    world = await _world()
    member = world.members[0]
    client = await _as(make_client, member.email)

    page = await client.get(_url(world))
    response = await _vote(client, world, world.entries[0].id)

    assert "Your team" in page.text
    assert f'value="{world.entries[0].id}"' not in page.text
    assert f'value="{world.entries[1].id}"' in page.text
    assert response.status_code == 422
    assert "You cannot vote for your own team." in response.text
    assert await PublicVote.all().count() == 0


async def test_juror_of_the_session_is_told_and_refused(db, make_client):
    world = await _world()
    client = await _as(make_client, world.jurors[0].email)
    message = "You sit on this jury: the public vote is for everyone else."

    page = await client.get(_url(world))
    response = await _vote(client, world, world.entries[0].id)

    assert message in page.text
    assert 'name="entry"' not in page.text
    assert response.status_code == 422
    assert message in response.text
    assert await PublicVote.all().count() == 0


async def test_closed_session_shows_the_vote_closed_and_refuses(db, make_client):
    world = await _world()
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")
    await sessions.set_session_status(session=world.session, status="closed")

    page = await client.get(_url(world))
    response = await _vote(client, world, world.entries[0].id)

    assert "The public vote is closed." in page.text
    assert 'name="entry"' not in page.text
    assert response.status_code == 422
    assert "The public vote is closed." in response.text
    assert await PublicVote.all().count() == 0


async def test_entry_of_another_event_is_refused(db, make_client):
    world = await _world()
    foreign = await entry_of_another_event()
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")

    for value in (foreign.id, "abc", "", "99999999999999"):
        response = await _vote(client, world, value)
        assert response.status_code == 422, value
        assert "Choose an entry of this vote." in response.text
    assert await PublicVote.all().count() == 0


async def test_vote_without_csrf_token_is_refused(db, make_client):
    world = await _world()
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")

    response = await client.post(_url(world), data={"entry": str(world.entries[0].id)})

    assert response.status_code == 403
    assert CSRF_REFUSED in response.text
    assert await PublicVote.all().count() == 0


async def test_anonymous_post_is_sent_to_sign_in(db, client):
    world = await _world()

    response = await post_form(client, _url(world), {"entry": str(world.entries[0].id)})

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert await PublicVote.all().count() == 0


async def test_session_without_public_vote_is_404(db, make_client):
    world = await _world(public_vote=False)
    await make_user("voter@example.org")
    client = await _as(make_client, "voter@example.org")

    assert (await client.get(_url(world))).status_code == 404
    assert (await _vote(client, world, world.entries[0].id)).status_code == 404


async def test_draft_event_and_other_events_session_are_404(db, make_client):
    world = await _world()
    await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    client = make_client()

    assert (await client.get(f"/events/other/vote/{world.session.id}")).status_code == 404
    assert (await client.get(f"/events/{world.event.slug}/vote/0")).status_code == 404
    assert (await client.get(f"/events/{world.event.slug}/vote/x")).status_code == 404
    await Event.filter(id=world.event.id).update(status=EventStatus.DRAFT)
    assert (await client.get(_url(world))).status_code == 404


async def test_blind_session_hides_team_names(db, client):
    world = await _world()
    await JurySession.filter(id=world.session.id).update(blind=True)

    page = await client.get(_url(world))

    assert "Entry 0" in page.text
    assert "Team 0" not in page.text


async def test_entries_in_the_public_gallery_link_to_their_page(db, client):
    world = await _world()
    await Event.filter(id=world.event.id).update(gallery=GalleryMode.OPEN)

    page = await client.get(_url(world))

    assert f'href="/events/{world.event.slug}/entries/{world.entries[0].id}"' in page.text


async def test_entries_outside_the_gallery_have_no_link(db, client):
    world = await _world()
    await Event.filter(id=world.event.id).update(gallery=GalleryMode.CLOSED)

    page = await client.get(_url(world))

    assert f"/entries/{world.entries[0].id}" not in page.text


async def test_event_page_links_to_the_vote_only_while_it_is_open(db, client):
    world = await _world()

    while_open = await client.get(f"/events/{world.event.slug}")
    await sessions.set_session_status(session=world.session, status="closed")
    after = await client.get(f"/events/{world.event.slug}")

    assert f'href="{_url(world)}"' in while_open.text
    assert "Public vote: Final jury" in while_open.text
    assert f'href="{_url(world)}"' not in after.text


async def test_vote_page_in_french(db, client):
    world = await _world()
    client.cookies.set("lang", "fr")

    page = await client.get(_url(world))

    assert page.status_code == 200
    assert "<h1>Vote du public\u00a0: Final jury</h1>" in page.text
