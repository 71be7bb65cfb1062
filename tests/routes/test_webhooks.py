"""Webhooks over HTTP (docs/WEBHOOKS.md): the organisers' pages, the five kinds of news made by the pages
that make them and delivered to a real receiver on 127.0.0.1, the test button and the delivery log,
the secret shown once, another event's webhooks out of reach."""

from __future__ import annotations

import html
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from events.domain import webhooks
from events.domain.webhooks import KINDS, deliver_pending
from events.models import (
    DeliveryStatus,
    Entry,
    Event,
    EventRole,
    EventStatus,
    Role,
    Selection,
    User,
    Webhook,
    WebhookDelivery,
)
from events.routes.webhooks import kind_field
from tests.entry_world import ENTRY_FORM, make_entry_world, signed_in
from tests.helpers import make_user, post_form
from tests.jury_world import open_jury_world
from tests.webhook_receiver import Receiver, webhook_receiver, webhook_receiver_server

__all__ = ["webhook_receiver", "webhook_receiver_server"]  # the fixtures, imported to be used here

ROOT = Path(__file__).resolve().parents[2]
ALL_KINDS = {kind_field(kind): "on" for kind in KINDS}
SECRET_RE = re.compile(r'id="new-secret" type="text" readonly value="(whsec_[A-Za-z0-9_-]{43})"')


def _manage(event: Event) -> str:
    return f"/events/{event.slug}/manage/webhooks"


async def _register(
    client, event: Event, url: str, kinds: dict[str, str] | None = None
) -> tuple[Webhook, str]:
    """Register a webhook through the page; the webhook and the secret the page showed."""
    response = await post_form(
        client, _manage(event), {"url": url, **(kinds or ALL_KINDS)}, page=_manage(event)
    )
    assert response.status_code == 200, response.text
    secret = SECRET_RE.search(response.text).group(1)
    return await Webhook.get(event_id=event.id, url=url), secret


async def _delivered(receiver: Receiver, count: int) -> list:
    """Run the worker once, then what the receiver got (exactly `count` requests)."""
    await deliver_pending(allow_private=True)
    received = receiver.requests
    assert len(received) == count, [r.headers.get("hackcity-event") for r in received]
    return received


# --- registering ----------------------------------------------------------------------------------


async def test_organiser_registers_a_webhook_and_reads_its_secret_once(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    url = webhook_receiver.url("/hook")

    empty = await client.get(_manage(world.event))
    response = await post_form(
        client, _manage(world.event), {"url": url, **ALL_KINDS}, page=_manage(world.event)
    )

    assert empty.status_code == 200
    assert "No webhook is registered yet." in empty.text
    assert all(
        f'name="{kind_field(kind)}" value="on" id="f-{kind_field(kind)}" checked' in empty.text
        for kind in KINDS
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert (
        f"The webhook for {url} is registered. Copy its secret now: it will not be shown again."
        in response.text
    )
    shown = SECRET_RE.search(response.text).group(1)
    webhook = await Webhook.get(event_id=world.event.id)
    assert (webhook.url, webhook.secret, webhook.kinds, webhook.active, webhook.created_by_id) == (
        url,
        shown,
        list(KINDS),
        True,
        world.olga.id,
    )
    # never again: not on the list, not on the webhook's page (only its first characters)
    listed = await client.get(_manage(world.event))
    page = await client.get(f"{_manage(world.event)}/{webhook.id}")
    for later in (listed, page):
        assert later.status_code == 200
        assert shown not in later.text
    assert "All news" in listed.text
    assert f"<code>{shown[:10]}…</code>" in page.text


async def test_an_address_refused_at_registration_keeps_what_was_typed(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    chosen = {kind_field("entry.submitted"): "on"}

    private = await post_form(
        client,
        _manage(world.event),
        {"url": "http://169.254.169.254/latest/", **chosen},
        page=_manage(world.event),
    )
    nothing_ticked = await post_form(
        client, _manage(world.event), {"url": "https://hooks.example.org/in"}, page=_manage(world.event)
    )

    assert private.status_code == 422
    assert (
        '<p class="error" id="f-url-error">This address leads to a private or local network: webhooks are '
        "sent to public addresses only.</p>" in private.text
    )
    assert 'aria-describedby="f-url-hint f-url-error"' in private.text
    assert 'value="http://169.254.169.254/latest/"' in private.text
    assert 'id="f-kind_entry_submitted" checked' in private.text
    assert 'id="f-kind_session_locked" checked' not in private.text
    assert nothing_ticked.status_code == 422
    assert '<p class="error" id="f-kinds-error">Choose at least one kind of news.</p>' in nothing_ticked.text
    assert 'value="https://hooks.example.org/in"' in nothing_ticked.text
    assert await Webhook.all().count() == 0


# --- the five kinds of news, from the pages that make them -----------------------------------------


async def test_entries_selections_and_announcements_reach_the_receiver_signed(
    db, make_client, webhook_receiver
):
    world = await make_entry_world()
    organiser = await signed_in(make_client, world.olga)
    webhook, secret = await _register(organiser, world.event, webhook_receiver.url("/hook"))
    alice = await signed_in(make_client, world.alice)
    entries_page = f"/events/{world.event.slug}/team/entries"
    started = await post_form(
        alice,
        entries_page,
        {"round": world.stage.id, "challenge": world.challenge.id, "title": "Bus à l'heure"},
        page=entries_page,
    )
    assert started.status_code == 303
    entry = await Entry.get(team_id=world.team_a.id)
    edit = f"/events/{world.event.slug}/entries/{entry.id}/edit"
    assert await _delivered(webhook_receiver, 0) == []  # a draft is no news

    submitted = await post_form(alice, edit, {**ENTRY_FORM, "action": "submit"}, page=edit)

    assert submitted.status_code == 303
    (first,) = await _delivered(webhook_receiver, 1)
    assert first.verifies(secret)
    assert first.headers["hackcity-event"] == "entry.submitted"
    body = first.json
    assert body["type"] == "entry.submitted"
    assert body["event"]["url"] == "http://testserver/events/datacity"
    saved = await Entry.get(id=entry.id)
    assert body["data"] == {
        "entry": {
            "id": entry.id,
            "title": "Bus à l'heure",
            "summary": "Predicts bus delays.",
            "url": f"http://testserver/events/datacity/entries/{entry.id}",
            "status": "submitted",
            "selection": "pending",
            "submitted_at": saved.submitted_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "round": {"id": world.stage.id, "name": "Prototype"},
            "challenge": {"id": world.challenge.id, "slug": "mobility", "title": "Mobility"},
            "team": {"id": world.team_a.id, "name": "Les Bus"},
        }
    }
    assert "alice@example.org" not in first.body.decode() and "Alice" not in first.body.decode()

    decisions = f"/events/{world.event.slug}/manage/entries"
    decided = await post_form(
        organiser,
        f"{decisions}/{entry.id}/selection",
        {"selection": "selected", "message": "A private word for the team.", "notify": "on"},
        page=decisions,
    )
    same_again = await post_form(
        organiser, f"{decisions}/{entry.id}/selection", {"selection": "selected"}, page=decisions
    )

    assert (decided.status_code, same_again.status_code) == (303, 303)
    assert (await Entry.get(id=entry.id)).selection == Selection.SELECTED
    _first, second = await _delivered(webhook_receiver, 2)  # the same decision again is no news
    assert second.verifies(secret)
    assert second.json["type"] == "selection.decided"
    assert second.json["data"]["entry"]["selection"] == "selected"
    assert "A private word" not in second.body.decode()

    news = f"/events/{world.event.slug}/manage/announcements"
    posted = await post_form(
        organiser,
        news,
        {"title": "Demo day on Friday", "body": "Bring **slides**.", "audience": "nobody"},
        page=news,
    )

    assert posted.status_code == 303
    *_earlier, third = await _delivered(webhook_receiver, 3)
    assert third.verifies(secret)
    announcement = third.json["data"]["announcement"]
    assert (third.json["type"], announcement["title"], announcement["body"]) == (
        "announcement.posted",
        "Demo day on Friday",
        "Bring **slides**.",
    )
    assert announcement["url"] == f"http://testserver/events/datacity/announcements/{announcement['id']}"
    assert await WebhookDelivery.filter(webhook_id=webhook.id, status=DeliveryStatus.DELIVERED).count() == 3


async def test_locking_and_publishing_a_jury_session_reach_the_receiver(db, make_client, webhook_receiver):
    world = await open_jury_world(organiser=("olga@example.org", "Olga"))
    client = await signed_in(make_client, await User.get(email="olga@example.org"))
    _webhook, secret = await _register(
        client,
        world.event,
        webhook_receiver.url("/jury"),
        {kind_field("session.locked"): "on", kind_field("results.published"): "on"},
    )
    status = f"/events/{world.event.slug}/manage/juries/{world.session.id}/status"

    closed = await post_form(client, status, {"status": "closed"})
    published = await post_form(client, status, {"status": "published"})

    assert (closed.status_code, published.status_code) == (303, 303)
    # sent together, in no set order: told apart by their kind
    locked, results = sorted(
        await _delivered(webhook_receiver, 2), key=lambda r: r.json["type"] != "session.locked"
    )
    assert locked.verifies(secret) and results.verifies(secret)
    assert [locked.json["type"], results.json["type"]] == ["session.locked", "results.published"]
    assert [locked.headers["hackcity-event"], results.headers["hackcity-event"]] == [
        "session.locked",
        "results.published",
    ]
    session = locked.json["data"]["session"]
    assert (session["id"], session["name"], session["status"], session["published_at"]) == (
        world.session.id,
        "Final jury",
        "closed",
        None,
    )
    assert session["url"] == f"http://testserver/events/datacity/manage/juries/{world.session.id}"
    assert session["locked_at"] is not None
    data = results.json["data"]
    assert data["session"]["status"] == "published"
    assert data["results_url"] == "http://testserver/events/datacity/results"
    (ranking,) = data["rankings"]
    assert ranking["challenge"] == {"id": world.challenge.id, "slug": "mobility", "title": "Mobility"}
    assert sorted(row["entry"]["title"] for row in ranking["entries"]) == ["Entry 0", "Entry 1", "Entry 2"]
    assert sorted(row["team"]["name"] for row in ranking["entries"]) == ["Team 0", "Team 1", "Team 2"]
    assert "example.org" not in results.body.decode()  # no juror's or member's address


async def test_locking_from_the_control_room_is_news_too(db, make_client, webhook_receiver):
    world = await open_jury_world(organiser=("olga@example.org", "Olga"))
    client = await signed_in(make_client, await User.get(email="olga@example.org"))
    _webhook, secret = await _register(client, world.event, webhook_receiver.url())
    control = f"/events/{world.event.slug}/manage/juries/{world.session.id}/live"

    response = await post_form(client, control + "/lock-session", page=control)

    assert response.status_code == 303
    (locked,) = await _delivered(webhook_receiver, 1)
    assert locked.verifies(secret)
    assert locked.json["type"] == "session.locked"
    assert locked.json["data"]["session"]["url"].startswith("http://testserver/events/datacity/")


# --- the webhook's page: test, log, send again, settings, secret, delete ---------------------------


async def test_send_a_test_shows_the_answer_and_the_log(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook, secret = await _register(client, world.event, webhook_receiver.url())
    page = f"{_manage(world.event)}/{webhook.id}"

    sent = await post_form(client, f"{page}/test", page=page)
    shown = await client.get(sent.headers["location"])

    assert (sent.status_code, sent.headers["location"]) == (303, f"{page}#deliveries")
    (ping,) = webhook_receiver.requests  # sent in the request itself, not left to the worker
    assert ping.verifies(secret)
    assert ping.json["type"] == "ping"
    assert re.search(r"Delivered: the receiver answered HTTP 200 in \d+ ms\.", shown.text)
    delivery = await WebhookDelivery.get(webhook_id=webhook.id)
    row = _log_row(shown.text, delivery)
    assert row[1:3] == ["Test", "delivered"]
    assert re.fullmatch(r"HTTP 200 \d+ ms", row[3])
    assert row[4:7] == ["1", "–", str(delivery.delivery_id)[:8] + "…"]

    webhook_receiver.plan(500)
    failed = await post_form(client, f"{page}/test", page=page)
    shown = await client.get(failed.headers["location"])

    assert "Not delivered. The receiver answered with an error. (HTTP 500)" in shown.text
    latest = await WebhookDelivery.filter(webhook_id=webhook.id).order_by("-id").first()
    assert (latest.status, latest.last_status_code) == (DeliveryStatus.GAVE_UP, 500)
    row = _log_row(shown.text, latest)
    assert row[2].startswith("gave up")
    redeliver = f"{page}/deliveries/{latest.id}/redeliver"
    assert f'action="{redeliver}"' in shown.text

    again = await post_form(client, redeliver, page=page)
    shown = await client.get(again.headers["location"])

    assert again.status_code == 303
    assert re.search(r"Delivered: the receiver answered HTTP 200 in \d+ ms\.", shown.text)
    assert (await WebhookDelivery.get(id=latest.id)).status == DeliveryStatus.DELIVERED
    assert [r.headers["hackcity-delivery"] for r in webhook_receiver.requests][1:] == [
        str(latest.delivery_id)
    ] * 2
    assert f'action="{redeliver}"' not in shown.text
    once_more = await post_form(client, redeliver, page=page)
    refused = await client.get(once_more.headers["location"])
    assert "Only a delivery that failed can be sent again." in refused.text
    assert len(webhook_receiver.requests) == 3


def _log_row(page: str, delivery: WebhookDelivery) -> list[str]:
    """The cells of the delivery's row in the log, as text."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    (row,) = [r for r in rows if f"<code>{str(delivery.delivery_id)[:8]}…</code>" in r]
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


async def test_a_refused_address_shows_in_the_log_with_its_reason(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook = await Webhook.create(
        event=world.event, url="http://10.0.0.1/hook", secret=webhooks.new_secret(), kinds=list(KINDS)
    )
    page = f"{_manage(world.event)}/{webhook.id}"

    sent = await post_form(client, f"{page}/test", page=page)
    shown = await client.get(sent.headers["location"])

    reason = "Refused: the address leads to a private or local network, where webhooks are never sent."
    assert f"Not delivered. {reason}" in shown.text
    row = _log_row(shown.text, await WebhookDelivery.get(webhook_id=webhook.id))
    assert row[2] == f"gave up {reason}"
    assert row[3].startswith("–")


async def test_the_page_shows_the_documented_check_word_for_word(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook = await Webhook.create(
        event=world.event, url="https://hooks.example.org/in", secret=webhooks.new_secret(), kinds=list(KINDS)
    )
    text = (ROOT / "docs/WEBHOOKS.md").read_text(encoding="utf-8")
    (documented,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify_signature" in b]

    page = await client.get(f"{_manage(world.event)}/{webhook.id}")

    shown = re.search(r'<code id="verify-code">(.*?)</code>', page.text, re.S).group(1)
    assert html.unescape(shown) == documented


async def test_settings_turn_a_webhook_off_and_a_new_secret_is_shown_once(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook, secret = await _register(client, world.event, webhook_receiver.url())
    page = f"{_manage(world.event)}/{webhook.id}"
    new_url = webhook_receiver.url("/other")

    saved = await post_form(
        client, page, {"url": new_url, kind_field("announcement.posted"): "on"}, page=page
    )
    shown = await client.get(saved.headers["location"])

    assert saved.status_code == 303
    assert "The webhook is saved and off." in shown.text
    fresh = await Webhook.get(id=webhook.id)
    assert (fresh.url, fresh.kinds, fresh.active) == (new_url, ["announcement.posted"], False)
    refused = await post_form(client, page, {"url": "http://10.0.0.1/x", "active": "on"}, page=page)
    assert refused.status_code == 422
    assert "This address leads to a private or local network: webhooks are sent" in refused.text
    assert '<p class="error" id="f-kinds-error">Choose at least one kind of news.</p>' in refused.text
    assert 'value="http://10.0.0.1/x"' in refused.text
    assert (await Webhook.get(id=webhook.id)).active is False

    rotated = await post_form(client, f"{page}/rotate", page=page)

    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    new_secret = SECRET_RE.search(rotated.text).group(1)
    assert new_secret != secret
    assert (await Webhook.get(id=webhook.id)).secret == new_secret
    later = await client.get(page)
    assert new_secret not in later.text and secret not in later.text
    assert "(rotated " in later.text


async def test_deleting_a_webhook_deletes_its_log(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook, _secret = await _register(client, world.event, webhook_receiver.url())
    page = f"{_manage(world.event)}/{webhook.id}"
    await post_form(client, f"{page}/test", page=page)

    deleted = await post_form(client, f"{page}/delete", page=page)
    listed = await client.get(deleted.headers["location"])

    assert (deleted.status_code, deleted.headers["location"]) == (303, _manage(world.event))
    assert "The webhook is deleted: nothing more is sent to 127.0.0.1." in listed.text
    assert await Webhook.all().count() == 0
    assert await WebhookDelivery.all().count() == 0
    assert (await client.get(page)).status_code == 404


async def test_another_events_webhooks_are_out_of_reach(db, make_client, webhook_receiver):
    world = await make_entry_world()
    owner = await signed_in(make_client, world.olga)
    webhook, secret = await _register(owner, world.event, webhook_receiver.url("/theirs"))
    await post_form(owner, f"{_manage(world.event)}/{webhook.id}/test", page=_manage(world.event))
    delivery = await WebhookDelivery.get(webhook_id=webhook.id)
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stranger = await make_user("oscar@example.org", name="Oscar")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    client = await signed_in(make_client, stranger)
    own_list = _manage(other)
    through_mine = f"{own_list}/{webhook.id}"
    through_theirs = f"{_manage(world.event)}/{webhook.id}"

    listed = await client.get(own_list)
    answers = {
        "page": (await client.get(through_mine)).status_code,
        "edit": (
            await post_form(client, through_mine, {"url": "https://evil.example.org/"}, page=own_list)
        ).status_code,
        "test": (await post_form(client, f"{through_mine}/test", page=own_list)).status_code,
        "rotate": (await post_form(client, f"{through_mine}/rotate", page=own_list)).status_code,
        "delete": (await post_form(client, f"{through_mine}/delete", page=own_list)).status_code,
        "redeliver": (
            await post_form(client, f"{through_mine}/deliveries/{delivery.id}/redeliver", page=own_list)
        ).status_code,
        "their page": (await client.get(through_theirs)).status_code,
        "their test": (await post_form(client, f"{through_theirs}/test", page=own_list)).status_code,
    }

    assert "/theirs" not in listed.text
    assert answers == {
        "page": 404,
        "edit": 404,
        "test": 404,
        "rotate": 404,
        "delete": 404,
        "redeliver": 404,
        "their page": 403,
        "their test": 403,
    }
    assert (await Webhook.get(id=webhook.id)).secret == secret
    assert len(webhook_receiver.requests) == 1  # the owner's test, nothing more


async def test_a_delivery_of_another_webhook_is_404_through_this_one(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    first, _ = await _register(client, world.event, webhook_receiver.url("/one"))
    second, _ = await _register(client, world.event, webhook_receiver.url("/two"))
    webhook_receiver.plan(500)
    await post_form(client, f"{_manage(world.event)}/{first.id}/test", page=_manage(world.event))
    failed = await WebhookDelivery.get(webhook_id=first.id)

    response = await post_form(
        client,
        f"{_manage(world.event)}/{second.id}/deliveries/{failed.id}/redeliver",
        page=_manage(world.event),
    )

    assert response.status_code == 404
    assert (await WebhookDelivery.get(id=failed.id)).status == DeliveryStatus.GAVE_UP


async def test_no_secret_and_no_address_path_in_any_log_line(db, make_client, webhook_receiver, caplog):
    caplog.set_level(logging.INFO)  # what a production log holds
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    token = "path-token-" + uuid.uuid4().hex
    webhook, secret = await _register(client, world.event, webhook_receiver.url(f"/hook/{token}"))
    page = f"{_manage(world.event)}/{webhook.id}"
    webhook_receiver.plan(500)
    await post_form(client, f"{page}/test", page=page)
    await post_form(client, f"{page}/test", page=page)
    rotated = SECRET_RE.search((await post_form(client, f"{page}/rotate", page=page)).text).group(1)
    news = f"/events/{world.event.slug}/manage/announcements"
    await post_form(client, news, {"title": "News", "body": "Text", "audience": "nobody"}, page=news)
    await deliver_pending(allow_private=True, now=datetime.now(UTC) + timedelta(seconds=1))

    assert len(webhook_receiver.requests) == 3
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any(r.name == "hackcity.webhooks" for r in records)
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in records)
    assert secret not in text and rotated not in text
    assert token not in text


async def test_the_pages_speak_french(db, make_client, webhook_receiver):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    webhook, _secret = await _register(client, world.event, webhook_receiver.url())
    page = f"{_manage(world.event)}/{webhook.id}"
    await post_form(client, f"{page}/test", page=page)
    await post_form(client, "/language", {"language": "fr", "next": "/"})

    listed = await client.get(_manage(world.event))
    shown = await client.get(page)

    assert "Enregistrer un webhook" in listed.text
    assert "Envoyer un test" in shown.text
    row = _log_row(shown.text, await WebhookDelivery.get(webhook_id=webhook.id))
    assert row[1:3] == ["Test", "livrée"]
