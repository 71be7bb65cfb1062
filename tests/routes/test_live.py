"""The live session over HTTP: the control room (agenda, current slot, buttons, progress) and its
database effects, the juror's live page, the server-sent event streams read through httpx's ASGI
transport, and who may see what."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from events.broker import broker, session_channel
from events.domain import live as live_rules
from events.models import (
    EventRole,
    JurySession,
    JurySessionJuror,
    PitchSlot,
    Role,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    SlotStatus,
)
from tests.helpers import make_user, post_form, sign_in
from tests.jury_world import JuryWorld, open_jury_world

STREAM_TIMEOUT = 10.0
EVENT_RE = re.compile(r"event: (\w+)\ndata: (.*)\n\n")


async def _world(**options) -> JuryWorld:
    """A jury whose window is open now, jurors and members who can sign in, and an organiser."""
    return await open_jury_world(organiser=("orga@example.org", "Orga"), **options)


async def _as(make_client, email: str) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, email)
    return client


def _control(world: JuryWorld, page: str = "") -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}/live{page}"


def _juror_live(world: JuryWorld, page: str = "") -> str:
    return f"/events/{world.event.slug}/jury/{world.session.id}/live{page}"


def _events(body: str) -> list[tuple[str, dict]]:
    return [(name, json.loads(data)) for name, data in EVENT_RE.findall(body)]


async def _subscribed(session_id: int, count: int = 1) -> None:
    """Wait until the stream under test listens (what is published before would not reach it)."""
    channel = session_channel(session_id)
    for _attempt in range(200):
        if broker.subscriber_count(channel) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the stream never subscribed")


def _spy_events(monkeypatch):
    """The events the streams send, as they send them, and a wait for a `slot` event matching a
    test: a test can let the stream read each step before the next write (a stream reads the state
    once for all the messages waiting, so quick writes could be read as one)."""
    from events.routes import live as live_routes

    sent: list[tuple[str, dict]] = []
    real_sse = live_routes.sse

    def spy(name: str, data):
        sent.append((name, data))
        return real_sse(name, data)

    async def sent_slot(status: str, test=lambda data: True) -> None:
        for _attempt in range(int(STREAM_TIMEOUT * 100)):
            if any(name == "slot" and data["status"] == status and test(data) for name, data in sent):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no slot event with the status {status}: {sent}")

    monkeypatch.setattr(live_routes, "sse", spy)
    return sent, sent_slot


# --- the control room -----------------------------------------------------------------------------


async def test_control_room_shows_the_jurors_progress_and_the_live_buttons(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    page = await client.get(_control(world))

    assert page.status_code == 200
    assert "<h1>Control room: Final jury</h1>" in page.text
    assert 'id="juror-progress"' in page.text
    rows = re.findall(
        r'<tr data-juror="(\d+)">\s*<th scope="row">([^<]+)</th>\s*<td[^>]*>([^<]+)</td>', page.text
    )
    assert rows == [(str(juror.id), juror.name, "0 of 3 scored") for juror in world.jurors]
    assert ">Next slot</button>" in page.text
    assert ">Lock the session</button>" in page.text
    assert "<span data-current-lock hidden>" in page.text  # nothing is live yet
    assert "No pitch is live." in page.text
    assert "The agenda is empty." in page.text
    assert f'data-live-stream="{_control(world, "/events")}"' in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script
    assert "/static/js/live.js" in page.text


async def test_building_the_agenda_adds_every_entry_with_its_planned_start(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await post_form(
        client,
        _control(world, "/agenda/build"),
        {"start": "2026-06-01T14:00", "duration": "6"},
        page=_control(world),
    )

    assert response.status_code == 303
    assert response.headers["location"] == _control(world)
    slots = await PitchSlot.filter(session_id=world.session.id).order_by("position")
    assert [slot.entry_id for slot in slots] == [entry.id for entry in world.entries]
    # The event's time zone is Europe/Paris: 14:00 there is 12:00 UTC in June.
    assert [slot.planned_start for slot in slots] == [
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=6 * i) for i in range(3)
    ]
    page = await client.get(_control(world))
    assert "3 pitches added to the agenda." in page.text
    assert page.text.count("data-slot-id=") == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"duration": "0"}, "duration", "Enter a duration between 1 and 240 minutes."),
        ({"duration": "five"}, "duration", "Enter a duration between 1 and 240 minutes."),
        ({"duration": "5", "start": "tomorrow"}, "start", "Enter a date and time like 2026-03-14T18:00."),
    ],
)
async def test_a_bad_agenda_form_is_422_with_the_field_message_and_adds_nothing(
    db, make_client, data, field, message
):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await post_form(client, _control(world, "/agenda/build"), data, page=_control(world))

    assert response.status_code == 422
    assert f'<a href="#f-{field}">{message}</a>' in response.text
    assert f'id="f-{field}-error"' in response.text
    assert not await PitchSlot.exists(session_id=world.session.id)


async def test_organiser_edits_the_agenda_slot_by_slot(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")
    page = _control(world)
    await post_form(
        client,
        _control(world, "/agenda/add"),
        {"entry": str(world.entries[2].id), "slot_duration": "4"},
        page=page,
    )
    await post_form(
        client,
        _control(world, "/agenda/add"),
        {"entry": str(world.entries[0].id), "slot_duration": "4"},
        page=page,
    )
    first, second = await PitchSlot.filter(session_id=world.session.id).order_by("position")

    moved = await post_form(
        client, _control(world, "/agenda/move"), {"slot": str(second.id), "direction": "up"}, page=page
    )
    timed = await post_form(
        client,
        _control(world, "/agenda/edit"),
        {"slot": str(first.id), f"planned_start-{first.id}": "2026-06-01T15:30", f"duration-{first.id}": "9"},
        page=page,
    )
    bad = await post_form(
        client,
        _control(world, "/agenda/edit"),
        {"slot": str(first.id), f"planned_start-{first.id}": "", f"duration-{first.id}": "999"},
        page=page,
    )
    removed = await post_form(client, _control(world, "/agenda/remove"), {"slot": str(second.id)}, page=page)

    assert [moved.status_code, timed.status_code, removed.status_code] == [303, 303, 303]
    assert bad.status_code == 422
    assert f'<a href="#f-duration-{first.id}">Enter a duration between 1 and 240 minutes.</a>' in bad.text
    remaining = await PitchSlot.filter(session_id=world.session.id)
    assert [(s.entry_id, s.duration_minutes, s.planned_start) for s in remaining] == [
        (world.entries[2].id, 9, datetime(2026, 6, 1, 13, 30, tzinfo=UTC))
    ]


async def test_next_slot_puts_the_first_pitch_on_stage_with_its_timer(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session, duration=5)
    client = await _as(make_client, "orga@example.org")

    response = await post_form(client, _control(world, "/next"), page=_control(world))

    assert response.status_code == 303
    slot = await PitchSlot.get(session_id=world.session.id, entry_id=world.entries[0].id)
    assert slot.status == SlotStatus.LIVE
    assert slot.started_at is not None
    page = await client.get(_control(world))
    assert "Now pitching: Entry 0." in page.text
    assert '<p class="lead" data-current-title>Entry 0</p>' in page.text
    planned_end = (slot.started_at + timedelta(minutes=5)).isoformat()
    assert f'data-timer-end="{planned_end}"' in page.text
    assert ">Lock this slot</button>" in page.text
    assert f'name="slot" value="{slot.id}" data-current-slot' in page.text


async def test_next_slot_with_an_empty_agenda_is_422_with_a_message(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await post_form(client, _control(world, "/next"), page=_control(world))

    assert response.status_code == 422
    assert "No pitch is left on the agenda." in response.text


async def test_locking_a_slot_refuses_the_jurors_later_saves(db, make_client):
    world = await _world()
    (slot, *_rest) = await live_rules.build_agenda(session=world.session)
    organiser = await _as(make_client, "orga@example.org")
    juror = await _as(make_client, world.jurors[0].email)
    entry_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"

    locked = await post_form(
        organiser, _control(world, "/lock-slot"), {"slot": str(slot.id)}, page=_control(world)
    )
    save = await post_form(juror, entry_url, {f"criterion_{world.criteria[0].id}": "5"}, page=entry_url)

    assert locked.status_code == 303
    assert (await PitchSlot.get(id=slot.id)).status == SlotStatus.LOCKED
    assert save.status_code == 422
    assert "Scoring of this pitch is locked." in save.text
    assert not await ScoreSheet.exists(juror_id=world.jurors[0].id)


async def test_the_scoring_page_of_a_locked_pitch_says_so_before_the_juror_types(db, make_client):
    world = await _world()
    (slot, *_rest) = await live_rules.build_agenda(session=world.session)
    juror = await _as(make_client, world.jurors[0].email)
    entry_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    assert "Scoring of this pitch is locked." not in (await juror.get(entry_url)).text

    await live_rules.set_slot_status(slot=slot, status=SlotStatus.LOCKED)
    page = await juror.get(entry_url)

    assert page.status_code == 200
    assert "Scoring of this pitch is locked." in page.text


async def test_lock_the_session_closes_it(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await post_form(client, _control(world, "/lock-session"), page=_control(world))

    assert response.status_code == 303
    session = await JurySession.get(id=world.session.id)
    assert session.status == SessionStatus.CLOSED
    assert session.results_snapshot is not None
    page = await client.get(_control(world))
    assert "The session is locked: no more score changes." in page.text
    assert ">Next slot</button>" not in page.text


async def test_control_room_buttons_need_the_csrf_token(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session)
    client = await _as(make_client, "orga@example.org")
    await client.get(_control(world))

    response = await client.post(_control(world, "/next"), data={})

    assert response.status_code == 403
    assert not await PitchSlot.exists(session_id=world.session.id, status=SlotStatus.LIVE)


async def test_entry_titles_are_escaped_in_the_control_room(db, make_client):
    world = await _world(teams=1)
    await world.entries[0].__class__.filter(id=world.entries[0].id).update(title="<script>alert(1)</script>")
    await live_rules.build_agenda(session=world.session)
    client = await _as(make_client, "orga@example.org")

    page = await client.get(_control(world))

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.mark.parametrize("who", ["juror", "member"])
async def test_jurors_and_team_members_cannot_see_the_control_room(db, make_client, who):
    world = await _world()
    user = world.jurors[0] if who == "juror" else world.members[0]
    client = await _as(make_client, user.email)

    assert (await client.get(_control(world))).status_code == 403
    assert (await client.get(_control(world, "/events"))).status_code == 403
    assert (await post_form(client, _control(world, "/lock-session"))).status_code == 403
    assert (await JurySession.get(id=world.session.id)).status == SessionStatus.OPEN


async def test_organiser_of_another_event_cannot_reach_this_control_room(db, make_client):
    world = await _world()
    other = await make_user("orga2@example.org", name="Other")
    event = await world.event.__class__.create(slug="other", title="Other", status="published")
    await EventRole.create(event=event, user=other, role=Role.ORGANISER)
    client = await _as(make_client, "orga2@example.org")

    assert (await client.get(_control(world))).status_code == 403
    # Through an event they do organise, the session is not theirs to find.
    url = f"/events/other/manage/juries/{world.session.id}/live"
    assert (await client.get(url)).status_code == 404
    assert (await post_form(client, url + "/lock-session")).status_code == 404
    assert (await JurySession.get(id=world.session.id)).status == SessionStatus.OPEN


# --- the juror's live page -----------------------------------------------------------------------------


async def test_juror_live_page_shows_the_current_pitch_and_a_link_to_score_it(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session)
    client = await _as(make_client, world.jurors[0].email)

    page = await client.get(_juror_live(world))

    assert page.status_code == 200
    assert "<h1>Live: Final jury</h1>" in page.text
    assert '<p class="lead" data-current-title>Entry 0</p>' in page.text
    score_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    assert (
        f'<p data-score><a class="button" data-score-link href="{score_url}">Score this pitch</a></p>'
        in page.text
    )
    assert f'<a href="{_juror_live(world)}">Refresh this page</a>' in page.text
    assert f'data-live-stream="{_juror_live(world, "/events")}"' in page.text
    session_page = await client.get(f"/events/{world.event.slug}/jury/{world.session.id}")
    assert f'href="{_juror_live(world)}"' in session_page.text


async def test_juror_with_a_conflict_sees_the_pitch_without_a_link(db, make_client):
    world = await _world()
    juror = world.jurors[0]
    from events.domain import seats

    await seats.declare_conflicts(session=world.session, juror=juror, team_ids=[world.teams[0].id])
    await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session)
    client = await _as(make_client, juror.email)

    page = await client.get(_juror_live(world))

    assert "You have a conflict of interest with this team: you do not score it." in page.text
    assert '<p data-score hidden><a class="button" data-score-link href="">' in page.text


async def test_juror_live_page_and_stream_are_404_without_a_seat(db, make_client):
    world = await _world()
    elsewhere = await make_user("seated-elsewhere@example.org", name="Elsewhere")
    await EventRole.create(event=world.event, user=elsewhere, role=Role.JUROR)
    other_session = await JurySession.create(event=world.event, round=world.stage, name="Other jury")
    await JurySessionJuror.create(session=other_session, user=elsewhere)

    for email in ("seated-elsewhere@example.org", world.members[0].email, "orga@example.org"):
        client = await _as(make_client, email)
        assert (await client.get(_juror_live(world))).status_code == 404, email
        assert (await client.get(_juror_live(world, "/events"))).status_code == 404, email


# --- the streams ---------------------------------------------------------------------------------------


async def test_control_room_stream_sends_progress_after_a_score_save(db, make_client):
    world = await _world()
    organiser = await _as(make_client, "orga@example.org")
    juror = await _as(make_client, world.jurors[0].email)
    entry_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    await juror.get(entry_url)

    stream = asyncio.create_task(organiser.get(_control(world, "/events")))
    await _subscribed(world.session.id)
    saved = await post_form(
        juror, entry_url, {f"criterion_{world.criteria[0].id}": "6", "action": "submit"}, page=entry_url
    )
    # Locking the session ends the stream (httpx's ASGI transport hands the body over at the end).
    await post_form(organiser, _control(world, "/lock-session"), page=_control(world))
    response = await asyncio.wait_for(stream, STREAM_TIMEOUT)

    assert saved.status_code == 303
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    assert response.text.startswith("retry: 5000\n\n")
    events = _events(response.text)
    names = [name for name, _data in events]
    assert names[:2] == ["slot", "progress"]  # the state when the stream starts
    assert names[-1] == "end"
    assert events[-1][1] == {"status": "closed"}
    progress = [data for name, data in events[2:] if name == "progress"]
    assert progress, names
    first_juror = next(row for row in progress[-1]["jurors"] if row["id"] == world.jurors[0].id)
    assert first_juror == {"id": world.jurors[0].id, "submitted": 1, "assigned": 3}
    assert await ScoreSheet.filter(status=SheetStatus.SUBMITTED).count() == 1
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


async def test_juror_stream_follows_the_next_slot(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session)
    organiser = await _as(make_client, "orga@example.org")
    juror = await _as(make_client, world.jurors[1].email)

    stream = asyncio.create_task(juror.get(_juror_live(world, "/events")))
    await _subscribed(world.session.id)
    await post_form(organiser, _control(world, "/next"), page=_control(world))
    await post_form(organiser, _control(world, "/lock-session"), page=_control(world))
    response = await asyncio.wait_for(stream, STREAM_TIMEOUT)

    events = _events(response.text)
    slots = [data for name, data in events if name == "slot"]
    assert slots[0]["current"] is None
    on_stage = next(data["current"] for data in slots if data["current"])
    assert (on_stage["title"], on_stage["team"]) == ("Entry 0", "Team 0")
    assert (
        on_stage["score_url"]
        == f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    )
    assert on_stage["duration_minutes"] == 5
    assert events[-1] == ("end", {"status": "closed"})


async def test_stream_of_a_scheduled_session_follows_it_opening(db, make_client, monkeypatch):
    _sent, sent_slot = _spy_events(monkeypatch)
    world = await _world(open_session=False)
    (slot, *_rest) = await live_rules.build_agenda(session=world.session)
    client = await _as(make_client, "orga@example.org")

    stream = asyncio.create_task(client.get(_control(world, "/events")))
    await _subscribed(world.session.id)
    await sent_slot("scheduled")
    await live_rules.lock_slot(slot=slot)  # a slot can be locked before the session opens
    await sent_slot("scheduled", lambda data: data["slots"][0]["status"] == "locked")
    await post_form(
        client,
        f"/events/{world.event.slug}/manage/juries/{world.session.id}/status",
        {"status": "open"},
        page=f"/events/{world.event.slug}/manage/juries/{world.session.id}",
    )
    await sent_slot("open")
    await post_form(client, _control(world, "/lock-session"), page=_control(world))
    response = await asyncio.wait_for(stream, STREAM_TIMEOUT)

    assert response.status_code == 200
    events = _events(response.text)
    slots = [data for name, data in events if name == "slot"]
    assert [data["status"] for data in slots] == ["scheduled", "scheduled", "open", "closed"]
    assert slots[0]["slots"][0] == {"id": slot.id, "status": "pending", "label": "to come"}
    assert slots[1]["slots"][0] == {"id": slot.id, "status": "locked", "label": "locked"}
    assert slots[2]["status_label"] == "open"
    assert events[-1] == ("end", {"status": "closed"})
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


async def test_stream_of_a_closed_session_sends_the_state_and_ends(db, make_client):
    world = await _world()
    await post_form(
        await _as(make_client, "orga@example.org"), _control(world, "/lock-session"), page=_control(world)
    )
    client = await _as(make_client, world.jurors[0].email)

    response = await asyncio.wait_for(client.get(_juror_live(world, "/events")), STREAM_TIMEOUT)

    assert [name for name, _data in _events(response.text)] == ["slot", "progress", "end"]
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


async def test_juror_stream_of_a_scheduled_session_shows_it_opening_and_the_pitch_to_score(
    db, make_client, monkeypatch
):
    sent, sent_slot = _spy_events(monkeypatch)
    world = await _world(open_session=False)
    await live_rules.build_agenda(session=world.session)
    juror = await _as(make_client, world.jurors[0].email)
    page = await juror.get(_juror_live(world))
    assert page.status_code == 200
    assert "The session has not started yet." in page.text
    assert '<p class="alert alert--success" data-session-when="open" hidden>' in page.text
    assert f'data-live-stream="{_juror_live(world, "/events")}"' in page.text  # followed while scheduled
    assert 'data-session="scheduled"' in page.text

    stream = asyncio.create_task(juror.get(_juror_live(world, "/events")))
    await _subscribed(world.session.id)
    from events.domain import sessions

    await sent_slot("scheduled")
    await sessions.set_session_status(session=world.session, status="open")
    await sent_slot("open")
    sent.clear()
    await live_rules.next_slot(session=world.session)
    await sent_slot("open")
    await sessions.set_session_status(session=world.session, status="closed")
    response = await asyncio.wait_for(stream, STREAM_TIMEOUT)

    events = _events(response.text)
    slots = [data for name, data in events if name == "slot"]
    assert [data["status"] for data in slots] == ["scheduled", "open", "open", "closed"]
    assert slots[1]["current"] is None
    assert slots[2]["current"]["score_url"] == (
        f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    )
    assert events[-1] == ("end", {"status": "closed"})


async def test_agenda_rows_carry_their_status_and_actions_for_every_status(db, make_client):
    """Each row renders every action, hidden unless it applies: live.js shows them as the status
    changes, and without JavaScript the page shows the same buttons as before."""
    world = await _world()
    first, second, third = await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session)  # first: live
    await live_rules.lock_slot(slot=third)
    client = await _as(make_client, "orga@example.org")

    page = (await client.get(_control(world))).text

    def row(slot: PitchSlot) -> str:
        start = page.index(f'<tr data-slot-id="{slot.id}"')
        return page[start : page.index("</tr>", start)]

    assert f'<tr data-slot-id="{first.id}" data-status="live" data-title="Entry 0">' in page
    assert '<span data-slot-when="pending" hidden>' in row(first)
    assert '<span data-slot-when="pending live done">' in row(first)
    assert '<div data-slot-when="pending live">' in row(first)
    assert '<span data-slot-when="pending">' in row(second)
    assert '<span data-slot-when="pending" hidden>' in row(third)
    assert '<span data-slot-when="pending live done" hidden>' in row(third)
    assert '<div data-slot-when="pending live" hidden>' in row(third)
    assert "<td data-slot-status>locked</td>" in row(third)
    assert "data-agenda-changed hidden" in page
    assert 'data-session="open"' in page
    assert '<div class="actions" data-session-when="open">' in page


async def test_control_room_of_a_scheduled_session_follows_it_with_the_live_buttons_hidden(db, make_client):
    world = await _world(open_session=False)
    client = await _as(make_client, "orga@example.org")

    page = (await client.get(_control(world))).text

    assert f'data-live-stream="{_control(world, "/events")}"' in page
    assert '<div class="actions" data-session-when="open" hidden>' in page
    assert 'data-session-when="scheduled">The session is not open yet' in page


async def test_stream_sends_heartbeats_and_ends_after_its_lifetime(db, make_client, monkeypatch):
    from events.routes import live as live_routes

    monkeypatch.setattr(live_routes, "HEARTBEAT", 0.05)
    monkeypatch.setattr(live_routes, "STREAM_LIFETIME", 0.3)
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await asyncio.wait_for(client.get(_control(world, "/events")), STREAM_TIMEOUT)

    assert response.status_code == 200
    assert response.text.count(": heartbeat\n\n") >= 2
    assert "event: end" not in response.text
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


@pytest.mark.parametrize("accept_encoding", [None, b"gzip, deflate, br"])
async def test_stream_is_not_buffered_and_a_client_that_leaves_unsubscribes(
    db, app, make_client, accept_encoding
):
    """Straight through the ASGI app and its whole middleware stack: each event leaves as it is
    written, while the stream is open, and a disconnect ends the stream and its subscription. A
    browser asks for gzip: the stream is never compressed (compression would hold events back)."""
    world = await _world()
    organiser = await _as(make_client, "orga@example.org")
    juror = await _as(make_client, world.jurors[0].email)
    cookie = "; ".join(f"{name}={value}" for name, value in organiser.cookies.items())
    path = _control(world, "/events")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())]
        + ([(b"accept-encoding", accept_encoding)] if accept_encoding else []),
        "client": ("203.0.113.9", 50002),
        "server": ("testserver", 80),
    }
    sent: asyncio.Queue = asyncio.Queue()
    gone = asyncio.Event()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        await sent.put(message)

    async def body_until(text: str) -> str:
        seen = ""
        while text not in seen:
            message = await asyncio.wait_for(sent.get(), STREAM_TIMEOUT)
            if message["type"] == "http.response.body":
                assert message.get("more_body"), "the stream ended early"
                seen += message["body"].decode()
        return seen

    running = asyncio.create_task(app(scope, receive, send))
    start = await asyncio.wait_for(sent.get(), STREAM_TIMEOUT)
    assert (start["type"], start["status"]) == ("http.response.start", 200)
    assert b"content-encoding" not in dict(start["headers"])
    assert "event: progress" in await body_until("event: progress")  # the first state, stream open
    entry_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    await post_form(
        juror, entry_url, {f"criterion_{world.criteria[0].id}": "4", "action": "submit"}, page=entry_url
    )
    update = await body_until('"submitted":1')
    gone.set()
    await asyncio.wait_for(running, STREAM_TIMEOUT)

    assert update.startswith("event: progress\n")
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


async def test_head_of_a_stream_answers_the_headers_without_holding_the_stream(db, make_client):
    world = await _world()
    client = await _as(make_client, "orga@example.org")

    response = await asyncio.wait_for(client.head(_control(world, "/events")), STREAM_TIMEOUT)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text == ""
    assert broker.subscriber_count(session_channel(world.session.id)) == 0


@pytest.fixture
def sigterm_recorder():
    """A Python SIGTERM handler standing for the server's (uvicorn's): the broker chains it."""
    received: list[int] = []
    original = signal.signal(signal.SIGTERM, lambda number, _frame: received.append(number))
    yield received
    signal.signal(signal.SIGTERM, original)


async def test_a_stopping_process_ends_its_streams_at_once_and_chains_the_servers_handler(
    db, make_client, sigterm_recorder
):
    """uvicorn waits for open connections before stopping: streams must not hold it."""
    world = await _world()
    client = await _as(make_client, "orga@example.org")
    await broker.start("sqlite://:memory:")  # what the lifespan does: here, only the hook
    try:
        stream = asyncio.create_task(client.get(_control(world, "/events")))
        await _subscribed(world.session.id)

        os.kill(os.getpid(), signal.SIGTERM)
        response = await asyncio.wait_for(stream, STREAM_TIMEOUT)
    finally:
        await broker.stop()

    assert sigterm_recorder == [signal.SIGTERM]
    assert [name for name, _data in _events(response.text)] == ["slot", "progress"]  # no "end": reconnect
    assert broker.subscriber_count(session_channel(world.session.id)) == 0
    os.kill(os.getpid(), signal.SIGTERM)  # stopped: the server's handler is back in place, alone
    await asyncio.sleep(0.01)
    assert sigterm_recorder == [signal.SIGTERM, signal.SIGTERM]


async def test_a_slot_of_another_session_cannot_be_locked_or_moved_from_this_control_room(db, make_client):
    world = await _world()
    other = await JurySession.create(event=world.event, round=world.stage, name="Other jury", status="open")
    foreign = await PitchSlot.create(session=other, entry=world.entries[0], position=1)
    client = await _as(make_client, "orga@example.org")

    locked = await post_form(
        client, _control(world, "/lock-slot"), {"slot": str(foreign.id)}, page=_control(world)
    )
    removed = await post_form(
        client, _control(world, "/agenda/remove"), {"slot": str(foreign.id)}, page=_control(world)
    )

    assert (locked.status_code, removed.status_code) == (422, 422)
    assert "This pitch is not on the agenda." in locked.text
    stored = await PitchSlot.get(id=foreign.id)
    assert stored.status == SlotStatus.PENDING
