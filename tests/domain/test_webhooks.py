"""Webhooks against a real local receiver (docs/WEBHOOKS.md): signed deliveries, the receivers' check,
retries with backoff, giving up, the address guard at every delivery, no redirect followed, one
delivery per claim when workers race, and what registering refuses.

Every request goes to the receiver on 127.0.0.1 (tests/webhook_receiver.py) or to an address the guard
refuses before any connection; nothing reaches the internet.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from events.domain import webhooks
from events.domain.errors import FormErrors
from events.domain.webhooks import (
    ANNOUNCEMENT_POSTED,
    ENTRY_SUBMITTED,
    KINDS,
    RETRY_DELAYS,
    check_url,
    deliver_pending,
    emit,
    sign,
    verify_signature,
)
from events.models import DeliveryStatus, Event, EventStatus, User, Webhook, WebhookDelivery
from tests.webhook_receiver import webhook_receiver, webhook_receiver_server

__all__ = ["webhook_receiver", "webhook_receiver_server"]  # the fixtures, imported to be used here
pytestmark = pytest.mark.usefixtures("english")

BASE_URL = "http://testserver"
ROOT = Path(__file__).resolve().parents[2]
PRIVATE_REFUSAL = (
    "This address leads to a private or local network: webhooks are sent to public addresses only."
)
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def _event(slug: str = "datacity") -> Event:
    return await Event.create(slug=slug, title="DataCity Lyon", status=EventStatus.PUBLISHED)


async def _organiser() -> User:
    user, _created = await User.get_or_create(
        email="olga@example.org", defaults={"name": "Olga", "password_hash": "!"}
    )
    return user


async def _registered(event: Event, url: str, kinds=KINDS) -> webhooks.NewSecret:
    return await webhooks.create_webhook(
        event=event, user=await _organiser(), url=url, kinds=list(kinds), allow_private=True
    )


async def _news(event: Event, n: int = 1) -> dict:
    return {"announcement": {"id": n, "title": f"News {n}"}}


async def test_a_delivery_reaches_the_receiver_signed_as_documented(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url("/hook"))

    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    delivered = await deliver_pending(allow_private=True)

    assert delivered == 1
    (request,) = webhook_receiver.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "hackcity-webhooks/1"
    assert request.headers["hackcity-event"] == "announcement.posted"
    assert request.headers["hackcity-delivery"] == str(queued.delivery_id)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", request.signature)
    assert request.verifies(made.secret)
    body = request.json
    assert body["id"] == str(queued.delivery_id)
    assert body["type"] == "announcement.posted"
    assert body["event"] == {
        "id": event.id,
        "slug": "datacity",
        "title": "DataCity Lyon",
        "url": "http://testserver/events/datacity",
    }
    assert body["data"] == {"announcement": {"id": 1, "title": "News 1"}}
    assert datetime.fromisoformat(body["created"]).tzinfo is not None
    assert request.body.decode() == queued.payload  # the body written once, sent as it is
    saved = await WebhookDelivery.get(id=queued.id)
    assert (saved.status, saved.attempts, saved.last_status_code, saved.last_error) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        "",
    )
    assert saved.delivered_at is not None and saved.last_duration_ms is not None
    assert saved.claimed_by == "" and saved.claimed_until is None


async def test_a_tampered_body_an_old_time_or_another_secret_fail_the_check(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    await deliver_pending(allow_private=True)
    (request,) = webhook_receiver.requests
    secret, body, header = made.secret, request.body, request.signature
    now = int(time.time())

    assert verify_signature(secret, header, body) is True
    assert verify_signature(secret, header, body.replace(b"News 1", b"News 2")) is False
    assert verify_signature(secret, header, body + b" ") is False
    assert verify_signature(webhooks.new_secret(), header, body) is False
    assert verify_signature(secret, sign(secret, body, now - 301), body) is False  # replayed later
    assert verify_signature(secret, sign(secret, body, now + 301), body) is False
    assert verify_signature(secret, sign(secret, body, now - 290), body) is True
    assert verify_signature(secret, sign(secret, body, now - 1000), body, tolerance=2000) is True
    # the time is signed too: moving it breaks the signature
    sent_at = int(re.match(r"t=(\d+)", header).group(1))
    assert verify_signature(secret, header.replace(f"t={sent_at}", f"t={sent_at - 1}"), body) is False
    for hostile in ("", "t=", "v1=", "t=abc,v1=00", f"t={'9' * 5000},v1=00", "t=١٢,v1=00", "t=1,v1=é", "=,="):
        assert verify_signature(secret, hostile, body) is False


def _documented_check():
    """The verify_signature that docs/WEBHOOKS.md tells receivers to use, run as it is written."""
    text = (ROOT / "docs/WEBHOOKS.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify_signature" in b]
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], "docs/WEBHOOKS.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return blocks[0], namespace["verify_signature"]


async def test_the_documented_check_accepts_real_deliveries_and_refuses_what_the_app_refuses(
    db, webhook_receiver
):
    _code, documented = _documented_check()
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    for n in range(3):
        await emit(event, ANNOUNCEMENT_POSTED, await _news(event, n), base_url=BASE_URL)
    await deliver_pending(allow_private=True)
    received = webhook_receiver.requests
    assert len(received) == 3
    now = int(time.time())

    for request in received:
        body, header = request.body, request.signature
        cases = [
            (made.secret, header, body),
            (made.secret, header, body[:-1]),
            ("whsec_other", header, body),
            (made.secret, sign(made.secret, body, now - 400), body),
            (made.secret, "t=x,v1=y", body),
            (made.secret, "", body),
        ]
        assert [documented(*case) for case in cases] == [verify_signature(*case) for case in cases]
        assert documented(made.secret, header, body) is True


async def test_a_500_is_retried_with_a_growing_delay_then_delivered(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    webhook_receiver.plan(500, 503)
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    assert await deliver_pending(allow_private=True, now=T0) == 0
    first = await WebhookDelivery.get(id=queued.id)
    assert (first.status, first.attempts, first.last_status_code, first.last_error) == (
        DeliveryStatus.FAILED,
        1,
        500,
        "http_error",
    )
    assert first.next_attempt_at == T0 + timedelta(minutes=1)
    assert webhooks.error_label(first) == "The receiver answered with an error. (HTTP 500)"

    assert await deliver_pending(allow_private=True, now=T0 + timedelta(seconds=59)) == 0  # not due yet
    assert len(webhook_receiver.requests) == 1

    second_try = T0 + timedelta(minutes=1)
    assert await deliver_pending(allow_private=True, now=second_try) == 0
    second = await WebhookDelivery.get(id=queued.id)
    assert (second.attempts, second.last_status_code) == (2, 503)
    assert second.next_attempt_at == second_try + timedelta(minutes=5)

    assert await deliver_pending(allow_private=True, now=second_try + timedelta(minutes=5)) == 1
    third = await WebhookDelivery.get(id=queued.id)
    assert (third.status, third.attempts, third.last_status_code, third.last_error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )
    assert third.next_attempt_at is None
    received = webhook_receiver.requests
    assert len(received) == 3
    # the same delivery each time: one id and one body, freshly signed
    assert {r.headers["hackcity-delivery"] for r in received} == {str(queued.delivery_id)}
    assert {r.body for r in received} == {queued.payload.encode()}
    assert all(r.verifies(made.secret) for r in received)


async def test_a_delivery_is_given_up_after_six_tries(db, webhook_receiver):
    event = await _event()
    await _registered(event, webhook_receiver.url())
    webhook_receiver.plan(*[500] * 7)
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    moment = T0
    waits = []
    for _try in range(6):
        assert await deliver_pending(allow_private=True, now=moment) == 0
        delivery = await WebhookDelivery.get(id=queued.id)
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - moment)
            moment = delivery.next_attempt_at

    assert waits == list(RETRY_DELAYS)
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    given_up = await WebhookDelivery.get(id=queued.id)
    assert (given_up.status, given_up.attempts, given_up.next_attempt_at) == (DeliveryStatus.GAVE_UP, 6, None)
    assert await deliver_pending(allow_private=True, now=moment + timedelta(days=30)) == 0
    assert len(webhook_receiver.requests) == 6


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://192.168.1.20:8080/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_a_private_address_is_refused_at_delivery_even_once_registered(db, url):
    event = await _event()
    # Registered before the rules changed, or written straight into the table: the guard still holds.
    webhook = await Webhook.create(event=event, url=url, secret=webhooks.new_secret(), kinds=list(KINDS))
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    started = time.monotonic()
    assert await deliver_pending(allow_private=True) == 0  # even with the tests' loopback opening

    assert time.monotonic() - started < 2  # refused before any connection
    refused = await WebhookDelivery.get(id=queued.id)
    assert (refused.status, refused.attempts, refused.last_status_code, refused.last_error) == (
        DeliveryStatus.FAILED,
        1,
        None,
        "forbidden_address",
    )
    assert webhooks.error_label(refused) == (
        "Refused: the address leads to a private or local network, where webhooks are never sent."
    )
    assert webhook.id == refused.webhook_id


async def test_a_name_resolving_to_a_local_address_is_refused_at_delivery(db, webhook_receiver):
    event = await _event()
    await Webhook.create(
        event=event,
        url=f"http://localhost:{webhook_receiver.port}/hook",
        secret=webhooks.new_secret(),
        kinds=list(KINDS),
    )
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    assert await deliver_pending(allow_private=False, now=T0) == 0  # production: no loopback

    assert webhook_receiver.requests == []
    assert (await WebhookDelivery.get(id=queued.id)).last_error == "forbidden_address"
    # the same delivery, where loopback is open (the tests' setting), reaches the receiver
    assert await deliver_pending(allow_private=True, now=T0 + timedelta(minutes=1)) == 1
    assert len(webhook_receiver.requests) == 1


@pytest.mark.parametrize("target", ["/elsewhere", "http://169.254.169.254/latest/meta-data/"])
async def test_a_redirect_is_not_followed(db, webhook_receiver, target):
    event = await _event()
    await _registered(event, webhook_receiver.url("/hook"))
    location = webhook_receiver.url(target) if target.startswith("/") else target
    webhook_receiver.redirect_to(location)
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    assert await deliver_pending(allow_private=True) == 0

    assert [r.path for r in webhook_receiver.requests] == ["/hook"]
    failed = await WebhookDelivery.get(id=queued.id)
    assert (failed.status, failed.last_status_code, failed.last_error) == (
        DeliveryStatus.FAILED,
        302,
        "redirect",
    )
    assert webhooks.error_label(failed) == (
        "The receiver answered with a redirect, which webhooks do not follow. (HTTP 302)"
    )


async def test_a_slow_receiver_is_cut_off_and_retried(db, webhook_receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "TOTAL_TIMEOUT", 0.5)
    event = await _event()
    await _registered(event, webhook_receiver.url())
    webhook_receiver.slow(1.5)
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    started = time.monotonic()
    assert await deliver_pending(allow_private=True, now=T0) == 0

    assert time.monotonic() - started < 1.4
    slow = await WebhookDelivery.get(id=queued.id)
    assert (slow.status, slow.last_error, slow.next_attempt_at) == (
        DeliveryStatus.FAILED,
        "timeout",
        T0 + timedelta(minutes=1),
    )
    assert webhooks.error_label(slow) == "The receiver took too long to answer."


async def test_an_unreachable_receiver_is_retried(db):
    event = await _event()
    await _registered(event, "http://127.0.0.1:1/hook")  # nothing listens on port 1
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    assert await deliver_pending(allow_private=True, now=T0) == 0

    failed = await WebhookDelivery.get(id=queued.id)
    assert (failed.status, failed.last_error, failed.last_status_code) == (
        DeliveryStatus.FAILED,
        "unreachable",
        None,
    )


async def test_two_workers_at_once_send_each_delivery_once(db, webhook_receiver):
    event = await _event()
    await _registered(event, webhook_receiver.url())
    queued = []
    for n in range(25):  # more than a batch: both workers claim several times
        queued += await emit(event, ANNOUNCEMENT_POSTED, await _news(event, n), base_url=BASE_URL)

    counts = await asyncio.gather(deliver_pending(allow_private=True), deliver_pending(allow_private=True))

    assert sum(counts) == 25
    ids = [r.headers["hackcity-delivery"] for r in webhook_receiver.requests]
    assert len(ids) == 25
    assert sorted(ids) == sorted(str(d.delivery_id) for d in queued)
    assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED, attempts=1).count() == 25


async def test_a_claimed_delivery_is_not_taken_by_another_worker_until_its_lease_ends(db, webhook_receiver):
    event = await _event()
    await _registered(event, webhook_receiver.url())
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    # a worker claimed it, then died before sending
    assert [d.id for d in await webhooks._claim("dead-worker", T0)] == [queued.id]

    assert await deliver_pending(allow_private=True, now=T0 + timedelta(minutes=1)) == 0
    assert webhook_receiver.requests == []
    assert await deliver_pending(allow_private=True, now=T0 + webhooks.CLAIM_LEASE) == 1
    assert len(webhook_receiver.requests) == 1


async def test_news_is_queued_for_the_active_webhooks_that_take_it_only(db, webhook_receiver):
    event = await _event()
    other = await _event("other")
    every = await _registered(event, webhook_receiver.url("/every"))
    entries_only = await _registered(event, webhook_receiver.url("/entries"), kinds=[ENTRY_SUBMITTED])
    off = await _registered(event, webhook_receiver.url("/off"))
    await Webhook.filter(id=off.webhook.id).update(active=False)
    await _registered(other, webhook_receiver.url("/other"))

    news = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    entries = await emit(event, ENTRY_SUBMITTED, {"entry": {"id": 1}}, base_url=BASE_URL)

    assert [d.webhook_id for d in news] == [every.webhook.id]
    assert [d.webhook_id for d in entries] == [every.webhook.id, entries_only.webhook.id]
    assert len({d.delivery_id for d in news + entries}) == 3
    await deliver_pending(allow_private=True)
    assert sorted(r.path for r in webhook_receiver.requests) == ["/entries", "/every", "/every"]


async def test_news_without_a_webhook_costs_nothing_more(db):
    event = await _event()
    built = []

    async def data() -> dict:
        built.append(True)
        return {}

    assert await emit(event, ANNOUNCEMENT_POSTED, data, base_url=BASE_URL) == []
    assert built == []
    assert await WebhookDelivery.all().count() == 0


async def test_turning_a_webhook_off_gives_up_what_waits_and_sends_nothing(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)

    await webhooks.update_webhook(
        webhook=made.webhook, url=made.webhook.url, kinds=list(KINDS), active=False, allow_private=True
    )
    later = await emit(event, ANNOUNCEMENT_POSTED, await _news(event, 2), base_url=BASE_URL)

    assert later == []
    assert await deliver_pending(allow_private=True) == 0
    assert webhook_receiver.requests == []
    stopped = await WebhookDelivery.get(id=queued.id)
    assert (stopped.status, stopped.last_error) == (DeliveryStatus.GAVE_UP, "disabled")
    assert webhooks.error_label(stopped) == "Not sent: the webhook was turned off."


async def test_a_test_is_tried_at_once_once_and_says_how_it_went(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    webhook_receiver.plan(500)

    failed = await webhooks.send_test(webhook=made.webhook, base_url=BASE_URL, allow_private=True)
    passed = await webhooks.send_test(webhook=made.webhook, base_url=BASE_URL, allow_private=True)

    assert (failed.kind, failed.status, failed.attempts, failed.last_status_code) == (
        "ping",
        DeliveryStatus.GAVE_UP,  # a test is not retried: the organiser presses the button again
        1,
        500,
    )
    assert (passed.status, passed.last_status_code) == (DeliveryStatus.DELIVERED, 200)
    received = webhook_receiver.requests
    assert [r.headers["hackcity-event"] for r in received] == ["ping", "ping"]
    assert received[1].json["data"] == {
        "webhook": {"id": made.webhook.id, "kinds": list(KINDS)},
        "message": "A test from hackcity: this webhook is reached.",
    }
    assert all(r.verifies(made.secret) for r in received)
    assert await deliver_pending(allow_private=True) == 0  # nothing left for the worker


async def test_a_failed_delivery_is_sent_again_with_its_id_and_a_fresh_count(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    webhook_receiver.plan(500)
    (queued,) = await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    await deliver_pending(allow_private=True, now=T0)
    other = await _registered(await _event("other"), webhook_receiver.url())

    again = await webhooks.redeliver(webhook=made.webhook, delivery_id=queued.id, allow_private=True)

    assert (again.status, again.attempts, again.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert [r.headers["hackcity-delivery"] for r in webhook_receiver.requests] == [
        str(queued.delivery_id)
    ] * 2
    with pytest.raises(FormErrors) as refused:
        await webhooks.redeliver(webhook=made.webhook, delivery_id=queued.id, allow_private=True)
    assert refused.value.errors == {None: "Only a delivery that failed can be sent again."}
    assert await webhooks.redeliver(webhook=other.webhook, delivery_id=queued.id, allow_private=True) is None


async def test_a_new_secret_signs_the_next_tries_and_the_old_one_stops_working(db, webhook_receiver):
    event = await _event()
    made = await _registered(event, webhook_receiver.url())
    webhook_receiver.plan(500)
    await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    await deliver_pending(allow_private=True, now=T0)

    rotated = await webhooks.rotate_secret(webhook=made.webhook)
    await deliver_pending(allow_private=True, now=T0 + timedelta(minutes=1))

    assert rotated.secret != made.secret
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{43}", rotated.secret)
    first, second = webhook_receiver.requests
    assert first.verifies(made.secret) and not first.verifies(rotated.secret)
    assert second.verifies(rotated.secret) and not second.verifies(made.secret)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the address that receives the webhook."),
        ("   ", "Enter the address that receives the webhook."),
        ("ftp://example.org/hook", "Only http:// and https:// addresses can be used."),
        ("not a url", "This address is not valid."),
        ("https://user:pass@hooks.example.org/", "An address with a user name or password cannot be used."),
        ("https://hooks.example.org/" + "x" * 500, "Use at most 500 characters."),
        ("https://hooks.example.org/" + "é" * 400, "Use at most 500 characters."),  # 2,400 once encoded
        *[
            (
                url,
                PRIVATE_REFUSAL,
            )
            for url in (
                "http://10.0.0.1/hook",
                "http://169.254.169.254/latest/meta-data/",
                "http://[fd00::1]/hook",
                "http://[::ffff:10.0.0.1]/hook",
                "http://127.0.0.1:8000/hook",
                "http://localhost/hook",
                "http://api.localhost/hook",
                "http://printer.local/hook",
                "http://db.internal/hook",
                "http://nas.home.arpa./hook",
            )
        ],
    ],
)
def test_registering_refuses_what_is_obviously_not_a_public_address(url, message):
    with pytest.raises(FormErrors) as refused:
        check_url(url, allow_private=False)

    assert refused.value.errors == {"url": message}


def test_registering_accepts_public_addresses_and_loopback_only_where_allowed():
    assert (
        check_url(" https://hooks.example.org/in?x=1 ", allow_private=False)
        == "https://hooks.example.org/in?x=1"
    )
    assert check_url("http://127.0.0.1:8000/hook", allow_private=True) == "http://127.0.0.1:8000/hook"
    assert check_url("http://localhost:8000/hook", allow_private=True) == "http://localhost:8000/hook"
    for private in ("http://10.0.0.1/", "http://169.254.169.254/", "http://printer.local/"):
        with pytest.raises(FormErrors):
            check_url(private, allow_private=True)


async def test_an_event_has_at_most_ten_webhooks(db):
    event = await _event()
    user = await _organiser()
    for n in range(10):
        await webhooks.create_webhook(
            event=event,
            user=user,
            url=f"https://hooks.example.org/{n}",
            kinds=[ENTRY_SUBMITTED],
            allow_private=False,
        )

    with pytest.raises(FormErrors) as refused:
        await webhooks.create_webhook(
            event=event, user=user, url="https://hooks.example.org/11", kinds=list(KINDS), allow_private=False
        )

    assert refused.value.errors == {None: "An event has at most 10 webhooks: delete one first."}
    assert await Webhook.filter(event_id=event.id).count() == 10


async def test_no_secret_and_no_path_of_the_address_reach_the_log(db, webhook_receiver, caplog):
    caplog.set_level(logging.DEBUG)
    event = await _event()
    token = "path-token-" + uuid.uuid4().hex
    made = await _registered(event, webhook_receiver.url(f"/hook/{token}"))
    webhook_receiver.plan(500)
    await emit(event, ANNOUNCEMENT_POSTED, await _news(event), base_url=BASE_URL)
    await deliver_pending(allow_private=True, now=T0)
    await deliver_pending(allow_private=True, now=T0 + timedelta(minutes=1))
    rotated = await webhooks.rotate_secret(webhook=made.webhook)
    await webhooks.send_test(webhook=made.webhook, base_url=BASE_URL, allow_private=True)
    refused = await Webhook.create(
        event=event, url=f"http://10.0.0.1/{token}", secret=webhooks.new_secret(), kinds=list(KINDS)
    )
    unreachable = await Webhook.create(
        event=event, url=f"http://127.0.0.1:1/{token}", secret=webhooks.new_secret(), kinds=list(KINDS)
    )
    await emit(event, ANNOUNCEMENT_POSTED, await _news(event, 2), base_url=BASE_URL)
    await deliver_pending(allow_private=True, now=T0 + timedelta(hours=1))

    assert len(webhook_receiver.requests) == 4
    # What the app's own loggers write, at every level (the pages and a production log: test_webhooks.py
    # of the routes).
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("hackcity"))
    assert "webhook" in text  # the log says what happened...
    for secret in (made.secret, rotated.secret, refused.secret, unreachable.secret):
        assert secret not in text  # ...never with what signs it
    assert token not in text
