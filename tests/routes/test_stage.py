"""The demo-day stage screen over HTTP: what it shows in each state (before the first pitch, a pitch
with its countdown, between two pitches, the awards revealed one by one), that an award not
revealed is in neither the page nor the stream, who may watch (public, organisers, the sharing
link and its rotation), the reveal's buttons and their refusals, the QR codes and printed cards."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta

import httpx
import pytest

from events.domain import live as live_rules
from events.domain import sessions
from events.domain import stage as stage_rules
from events.domain.awards import give_award
from events.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Dataset,
    EntryDataset,
    EventStatus,
    JurySession,
    SlotStatus,
)
from tests.conftest import BASE_URL
from tests.helpers import post_form, sign_in
from tests.jury_world import JuryWorld
from tests.routes.test_live import STREAM_TIMEOUT, _control, _events, _subscribed, _world

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"  # the settings fixture's


def _stage(world: JuryWorld, page: str = "") -> str:
    return f"/events/{world.event.slug}/live/{world.session.id}/stage{page}"


def _token(session: JurySession) -> str:
    return stage_rules.stage_token(session, secret_key=SECRET_KEY)


def _anonymous(make_client, language: str = "en") -> httpx.AsyncClient:
    client = make_client()
    client.cookies.set("lang", language)
    return client


async def _organiser(make_client) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, "orga@example.org")
    return client


def _body(page: str) -> str:
    """The changing part of the screen."""
    start = page.index('<div class="stage__body"')
    return page[start : page.index("</div>\n    <aside", start)]


async def _public(world: JuryWorld) -> None:
    await JurySession.filter(id=world.session.id).update(public_vote=True)
    world.session.public_vote = True


async def _with_awards(world: JuryWorld) -> list[Award]:
    """The session closed and three awards (entries need no score to be in the results): the
    challenge's first and second prizes, and the public's. In the reveal order: second, first,
    public."""
    await sessions.set_session_status(session=world.session, status="closed")
    first = await give_award(
        session=world.session,
        challenge_id=world.challenge.id,
        entry_id=world.entries[1].id,
        title="First prize",
    )
    second = await give_award(
        session=world.session,
        challenge_id=world.challenge.id,
        entry_id=world.entries[2].id,
        title="Second prize",
    )
    public = await give_award(
        session=world.session, challenge_id=None, entry_id=world.entries[0].id, title="Prix des Lumières"
    )
    return [second, first, public]


# --- what it shows -----------------------------------------------------------------------------------


async def test_before_the_first_pitch_the_stage_shows_the_agenda(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session, duration=5)
    client = await _organiser(make_client)

    page = await client.get(_stage(world))

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<h1 class="stage__title">Final jury</h1>' in page.text
    body = _body(page.text)
    assert 'data-phase="before"' in body
    assert '<h2 id="stage-phase" class="stage__label">Coming up</h2>' in body
    assert re.findall(r'<span class="stage__agenda-team">([^<]+)</span>', body) == [
        "Team 0",
        "Team 1",
        "Team 2",
    ]
    assert "stage-timer" not in body
    # Without JavaScript the page reloads itself; with it, it follows the stream.
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page.text
    assert f'data-stream="{_stage(world, "/events")}"' in page.text
    assert "/static/js/stage.js" in page.text
    assert "<script>" not in page.text


async def test_a_pitch_on_stage_shows_its_team_challenge_datasets_countdown_and_who_is_next(db, make_client):
    world = await _world()
    dataset = await Dataset.create(event=world.event, title="Arbres d'alignement")
    await EntryDataset.create(entry=world.entries[0], dataset=dataset)
    await live_rules.build_agenda(session=world.session, duration=5)
    slot = await live_rules.next_slot(session=world.session)
    client = await _organiser(make_client)

    page = await client.get(_stage(world))

    body = _body(page.text)
    assert 'data-phase="pitch"' in body
    assert '<p class="stage__team">Team 0</p>' in body
    assert '<p class="stage__entry">Entry 0</p>' in body
    assert "<dt>Challenge</dt><dd>Mobility</dd>" in body
    assert "<dt>Datasets</dt><dd>Arbres d&#39;alignement</dd>" in body
    planned_end = slot.started_at + timedelta(minutes=5)
    assert f'id="stage-timer" data-timer-end="{planned_end.isoformat()}">4:5' in body  # 4:59 or 4:58
    assert '<span class="stage__timer-label" data-timer-label>Time left</span>' in body
    assert '<p class="stage__next">Next: Team 1, Entry 1</p>' in body
    assert re.search(r'data-server-now="[^"]+"', page.text)


async def test_over_time_the_countdown_counts_up(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session, duration=1)
    slot = await live_rules.next_slot(session=world.session)
    from events.models import PitchSlot

    await PitchSlot.filter(id=slot.id).update(started_at=slot.started_at - timedelta(minutes=3))
    client = await _organiser(make_client)

    body = _body((await client.get(_stage(world))).text)

    assert re.search(r'id="stage-timer" data-timer-end="[^"]+">\+2:0\d</span>', body)
    assert "data-timer-label>Over time</span>" in body


async def test_between_two_pitches_the_stage_shows_what_is_left_of_the_agenda(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session, duration=5)
    slot = await live_rules.next_slot(session=world.session)
    await live_rules.set_slot_status(slot=slot, status=SlotStatus.DONE)
    client = await _organiser(make_client)

    body = _body((await client.get(_stage(world))).text)

    assert 'data-phase="between"' in body
    assert "Next pitches</h2>" in body
    assert re.findall(r'<span class="stage__agenda-team">([^<]+)</span>', body) == ["Team 1", "Team 2"]
    assert '<li class="stage__agenda-next">' in body


async def test_awards_are_revealed_one_by_one_and_never_before(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session)
    second, first, public = await _with_awards(world)
    organiser = await _organiser(make_client)
    shown: list[str] = []

    order = [second, first, public]
    teams = {second.id: "Team 2", first.id: "Team 1", public.id: "Team 0"}
    for revealed in range(4):
        if revealed:
            response = await post_form(
                organiser, _control(world, "/stage/reveal"), {"step": "next"}, page=_control(world)
            )
            assert response.status_code == 303
            assert (await Award.get(id=order[revealed - 1].id)).revealed_at is not None
        page = (await organiser.get(_stage(world))).text
        shown.append(_body(page))
        for secret in order[revealed:]:  # not revealed yet: nowhere in the page's source
            assert f'data-award="{secret.id}"' not in page
            assert teams[secret.id] not in page

    assert "Thank you to every team! The awards are coming." in shown[0]
    assert "Team" not in shown[0].split("</h2>", 1)[1]
    assert '<p class="stage__award-title">Second prize · Mobility</p>' in shown[1]
    assert '<p class="stage__team">Team 2</p>' in shown[1]
    assert '<p class="stage__award-title">First prize · Mobility</p>' in shown[2]
    assert f'<li data-award="{second.id}">Second prize · Mobility: <strong>Team 2</strong></li>' in shown[2]
    assert '<p class="stage__award-title">Prix des Lumières</p>' in shown[3]
    assert '<p class="stage__team">Team 0</p>' in shown[3]
    control = (await organiser.get(_control(world))).text
    assert "3 of 3 awards revealed" in control
    assert ">Reveal the next award</button>" not in control


async def test_hiding_the_last_award_takes_it_off_the_stage(db, make_client):
    world = await _world()
    second, first, _public_prize = await _with_awards(world)
    await stage_rules.move_reveal(session=world.session, step="next")
    await stage_rules.move_reveal(session=world.session, step="next")
    organiser = await _organiser(make_client)

    response = await post_form(
        organiser, _control(world, "/stage/reveal"), {"step": "back"}, page=_control(world)
    )

    assert response.status_code == 303
    assert (await Award.get(id=first.id)).revealed_at is None
    assert (await Award.get(id=second.id)).revealed_at is not None
    page = (await organiser.get(_control(world))).text
    assert "Hidden again from the stage screen: First prize." in page
    assert "1 of 3 awards revealed" in page
    stage = (await organiser.get(_stage(world))).text
    assert f'data-award="{first.id}"' not in stage
    assert f'data-award="{second.id}"' in stage


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Awards are revealed once the session is locked."),
        ("fr", "Les prix se dévoilent une fois la session verrouillée."),
    ],
)
async def test_revealing_before_the_session_is_locked_is_refused_in_the_page(
    db, make_client, language, message
):
    world = await _world()
    organiser = await _organiser(make_client)
    await organiser.post("/language", data={"language": language})  # no CSRF token: refused, harmless
    organiser.cookies.set("lang", language)
    from events.models import User

    await User.filter(email="orga@example.org").update(language=language)

    response = await post_form(
        organiser, _control(world, "/stage/reveal"), {"step": "next"}, page=_control(world)
    )

    assert response.status_code == 422
    assert html.escape(message, quote=False) in response.text
    assert f'<html lang="{language}">' in response.text


async def test_reveal_refuses_a_bad_step_and_when_nothing_is_left(db, make_client):
    world = await _world()
    await _with_awards(world)
    organiser = await _organiser(make_client)

    bad = await post_form(organiser, _control(world, "/stage/reveal"), {"step": "all"}, page=_control(world))
    back = await post_form(
        organiser, _control(world, "/stage/reveal"), {"step": "back"}, page=_control(world)
    )
    for _award in range(3):
        await stage_rules.move_reveal(session=world.session, step="next")
    done = await post_form(
        organiser, _control(world, "/stage/reveal"), {"step": "next"}, page=_control(world)
    )

    assert (bad.status_code, back.status_code, done.status_code) == (422, 422, 422)
    assert "Choose to reveal the next award or to hide the last one." in bad.text
    assert "No award is revealed yet." in back.text
    assert "Every award is revealed." in done.text
    assert await Award.filter(revealed_at__isnull=False).count() == 3


# --- the stream --------------------------------------------------------------------------------------


async def test_the_stream_follows_the_reveal_and_never_sends_an_award_before(db, make_client):
    world = await _world()
    second, first, public = await _with_awards(world)
    organiser = await _organiser(make_client)
    from events.routes import live as live_routes

    live_routes.STREAM_LIFETIME, lifetime = 1.0, live_routes.STREAM_LIFETIME
    try:
        stream = asyncio.create_task(organiser.get(_stage(world, "/events")))
        await _subscribed(world.session.id)
        await post_form(organiser, _control(world, "/stage/reveal"), {"step": "next"}, page=_control(world))
        response = await asyncio.wait_for(stream, STREAM_TIMEOUT)
    finally:
        live_routes.STREAM_LIFETIME = lifetime

    assert response.status_code == 200
    events = _events(response.text)
    stages = [data for name, data in events if name == "stage"]
    assert len(stages) == 2, [name for name, _data in events]
    assert stages[0]["phase"] == stages[1]["phase"] == "awards"
    assert "data-award" not in stages[0]["html"]
    assert f'data-award="{second.id}"' in stages[1]["html"]
    assert '<p class="stage__team">Team 2</p>' in stages[1]["html"]
    for secret in (first, public):
        assert f'data-award="{secret.id}"' not in response.text
    assert "Team 1" not in response.text and "Team 0" not in response.text
    assert "end" not in [name for name, _data in events]  # a closed session is still followed


async def test_the_stream_sends_the_slot_with_its_timer_end(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session, duration=5)
    organiser = await _organiser(make_client)
    from events.routes import live as live_routes

    live_routes.STREAM_LIFETIME, lifetime = 1.0, live_routes.STREAM_LIFETIME
    try:
        stream = asyncio.create_task(organiser.get(_stage(world, "/events")))
        await _subscribed(world.session.id)
        await post_form(organiser, _control(world, "/next"), page=_control(world))
        response = await asyncio.wait_for(stream, STREAM_TIMEOUT)
    finally:
        live_routes.STREAM_LIFETIME = lifetime

    stages = [data for name, data in _events(response.text) if name == "stage"]
    assert [data["phase"] for data in stages] == ["before", "pitch"]
    assert stages[0]["timer_end"] is None
    slot = await live_rules.current_slot(world.session)
    assert stages[1]["timer_end"] == (slot.started_at + timedelta(minutes=5)).isoformat()
    assert '<p class="stage__team">Team 0</p>' in stages[1]["html"]


# --- who may watch -----------------------------------------------------------------------------------


async def test_without_public_vote_the_stage_needs_the_link(db, make_client):
    world = await _world()
    anonymous = _anonymous(make_client)
    member = make_client()
    await sign_in(member, world.members[0].email)
    token = _token(world.session)

    assert (await anonymous.get(_stage(world))).status_code == 404
    assert (await anonymous.get(_stage(world, "?key=" + "0" * 40))).status_code == 404
    assert (await anonymous.get(_stage(world, "?key=" + token[:-1]))).status_code == 404
    assert (await anonymous.get(_stage(world, "?key=" + "é" * 40))).status_code == 404
    assert (await member.get(_stage(world))).status_code == 404
    assert (await anonymous.get(_stage(world, "/events"))).status_code == 404
    page = await anonymous.get(_stage(world, f"?key={token}"))
    assert page.status_code == 200
    assert f'data-stream="{_stage(world, "/events")}?key={token}"' in page.text


async def test_a_public_vote_in_a_published_event_opens_the_stage_to_anyone(db, make_client):
    world = await _world()
    await _public(world)
    anonymous = _anonymous(make_client, "fr")

    page = await anonymous.get(_stage(world))

    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    vote_url = f"{BASE_URL}/events/{world.event.slug}/vote/{world.session.id}"
    assert f'<p class="stage__qr-url">{vote_url}</p>' in page.text
    assert '<svg role="img" aria-label="QR code\u00a0: Votez pour votre équipe préférée"' in page.text
    assert f'data-stream="{_stage(world, "/events")}"' in page.text
    await world.event.__class__.filter(id=world.event.id).update(status=EventStatus.DRAFT)
    assert (await anonymous.get(_stage(world))).status_code == 404


async def test_a_new_link_turns_the_old_one_off(db, make_client):
    world = await _world()
    organiser = await _organiser(make_client)
    old = _token(world.session)
    control = (await organiser.get(_control(world))).text
    assert f'value="{BASE_URL}{_stage(world)}?key={old}"' in control
    assert "Only the organisers and whoever has this link can open it:" in control

    response = await post_form(organiser, _control(world, "/stage/link"), page=_control(world))

    assert response.status_code == 303
    session = await JurySession.get(id=world.session.id)
    new = _token(session)
    assert new != old and len(session.stage_secret) == 64
    anonymous = _anonymous(make_client)
    assert (await anonymous.get(_stage(world, f"?key={old}"))).status_code == 404
    assert (await anonymous.get(_stage(world, f"?key={new}"))).status_code == 200
    page = (await organiser.get(_control(world))).text
    assert "The stage screen has a new link: the old one no longer works." in page
    assert f'value="{BASE_URL}{_stage(world)}?key={new}"' in page


async def test_a_stream_opened_with_a_link_ends_when_the_link_is_replaced(db, make_client):
    world = await _world()
    anonymous = _anonymous(make_client)
    from events.routes import live as live_routes

    live_routes.STREAM_LIFETIME, lifetime = 0.5, live_routes.STREAM_LIFETIME
    try:
        stream = asyncio.create_task(anonymous.get(_stage(world, f"/events?key={_token(world.session)}")))
        await _subscribed(world.session.id)
        await stage_rules.rotate_stage_link(session=world.session)
        response = await asyncio.wait_for(stream, STREAM_TIMEOUT)
    finally:
        live_routes.STREAM_LIFETIME = lifetime

    events = _events(response.text)
    assert [name for name, _data in events][:2] == ["stage", "end"]


async def test_a_session_of_another_event_is_404_on_the_stage(db, make_client):
    world = await _world()
    from events.models import Event

    await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    anonymous = _anonymous(make_client)
    url = f"/events/other/live/{world.session.id}/stage?key={_token(world.session)}"

    assert (await anonymous.get(url)).status_code == 404


# --- QR codes and printed cards -------------------------------------------------------------------


async def test_the_stage_without_a_public_vote_points_the_audience_at_the_event(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    page = (await client.get(_stage(world))).text

    assert f'<p class="stage__qr-url">{BASE_URL}/events/{world.event.slug}</p>' in page
    assert '<svg role="img" aria-label="QR code: Follow the event" focusable="false" viewBox=' in page


async def test_the_jurors_card_has_a_qr_code_to_their_live_page(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    page = await client.get(_control(world, "/cards/jurors"))

    assert page.status_code == 200
    assert "<h1>Jurors&#39; card: Final jury</h1>" in page.text
    url = f"{BASE_URL}/events/{world.event.slug}/jury/{world.session.id}/live"
    assert f"Or type this address: <span>{url}</span>" in page.text
    assert '<svg role="img" aria-label="QR code to the jurors&#39; live page"' in page.text
    control = (await client.get(_control(world))).text
    assert f'href="{_control(world, "/cards/jurors")}"' in control


async def test_the_visitors_card_leads_to_the_public_vote(db, make_client):
    world = await _world()
    await _public(world)
    client = await _organiser(make_client)

    page = await client.get(_control(world, "/cards/visitors"))

    assert page.status_code == 200
    url = f"{BASE_URL}/events/{world.event.slug}/vote/{world.session.id}"
    assert f"<span>{url}</span>" in page.text
    assert "Scan to vote for your favourite team." in page.text


async def test_cards_are_for_organisers_only(db, make_client):
    world = await _world()
    juror = make_client()
    await sign_in(juror, world.jurors[0].email)

    assert (await juror.get(_control(world, "/cards/jurors"))).status_code == 403
    assert (await _anonymous(make_client).get(_control(world, "/cards/visitors"))).status_code == 303


async def test_titles_are_escaped_on_the_stage(db, make_client):
    world = await _world()
    from events.models import Entry, Team

    await Team.filter(id=world.teams[0].id).update(name="<script>alert(1)</script>")
    await Entry.filter(id=world.entries[0].id).update(title="<img src=x onerror=alert(2)>")
    await Challenge.filter(id=world.challenge.id).update(
        title="<b>bold</b>", status=ChallengeStatus.PUBLISHED
    )
    await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session)
    client = await _organiser(make_client)

    page = (await client.get(_stage(world))).text

    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<dd>&lt;b&gt;bold&lt;/b&gt;</dd>" in page


async def test_a_session_locked_during_a_pitch_shows_the_awards(db, make_client):
    world = await _world()
    await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session)
    await sessions.set_session_status(session=world.session, status="closed")
    client = await _organiser(make_client)

    body = _body((await client.get(_stage(world))).text)

    assert 'data-phase="awards"' in body
    assert "stage-timer" not in body
