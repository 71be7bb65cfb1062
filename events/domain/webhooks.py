"""Webhooks: an event's news POSTed as signed JSON to addresses its organisers registered.

Rules kept here:
- An organiser registers an address (http or https; an address that is obviously private or local
  is refused at once) and the kinds of news it receives (all by default). The app makes the secret
  (`whsec_` and 43 random URL-safe characters, 256 bits) and shows it once, when the webhook is made
  and each time it is rotated. It stays readable by the app, which signs with it (docs/SECURITY.md).
- `emit(event, kind, data, base_url=...)` is called by the domain function where the news happens,
  inside its transaction: entry submitted (`entries.set_entry_status`), selection decided
  (`selection.set_selection`), session locked and results published (`sessions.set_session_status`),
  announcement posted (`announcements.post_announcement`). It writes one delivery per active webhook
  of the event that takes that kind, with its JSON body, written once: the news and the delivery
  commit or roll back together.
- A worker in every app process (`deliver_pending`, started by the app's lifespan) sends what is due.
  Each delivery is claimed before it is sent, as the mail outbox does (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL, then a lease), so two processes never send one twice.
- Every try goes through the address guard of `events.domain.fetching` (resolved by the app, every
  address public, the connection pinned to the checked address, no redirect followed, time bounded,
  the answer's body read within a bound and dropped). A 2xx answer delivers; anything else is
  retried after 1 minute, 5 minutes, 30 minutes, 2 hours and 6 hours, then given up (6 tries).
- Each request carries `Hackcity-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
  which `verify_signature` checks exactly as docs/WEBHOOKS.md tells receivers to.
- Turning a webhook off gives up its deliveries still waiting; nothing is sent to it while it is
  off, but for a test that an organiser asks for.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from events.domain import fetching
from events.domain.deliberation import final_rows
from events.domain.errors import FormErrors
from events.i18n import _, lazy, ngettext
from events.models import (
    Announcement,
    Challenge,
    DeliveryStatus,
    Entry,
    Event,
    JurySession,
    Round,
    Team,
    User,
    Webhook,
    WebhookDelivery,
)

log = logging.getLogger("hackcity.webhooks")

ENTRY_SUBMITTED = "entry.submitted"
SELECTION_DECIDED = "selection.decided"
SESSION_LOCKED = "session.locked"
RESULTS_PUBLISHED = "results.published"
ANNOUNCEMENT_POSTED = "announcement.posted"
PING = "ping"  # a test an organiser asked for: sent to that webhook only, whatever its kinds
KINDS = (ENTRY_SUBMITTED, SELECTION_DECIDED, SESSION_LOCKED, RESULTS_PUBLISHED, ANNOUNCEMENT_POSTED)
KIND_LABELS = {
    ENTRY_SUBMITTED: lazy("An entry is submitted"),
    SELECTION_DECIDED: lazy("A selection decision is made"),
    SESSION_LOCKED: lazy("A jury session is locked"),
    RESULTS_PUBLISHED: lazy("A jury session's results are published"),
    ANNOUNCEMENT_POSTED: lazy("An announcement is posted"),
    PING: lazy("Test"),
}

SECRET_PREFIX = "whsec_"  # noqa: S105 (what every secret starts with, not a secret)
SHOWN_PREFIX = 10  # "whsec_" and four characters: enough to tell a rotated secret from the old one
SIGNATURE_HEADER = "Hackcity-Signature"
USER_AGENT = "hackcity-webhooks/1"
TOLERANCE = 300  # seconds a receiver should accept between the signature's time and its clock
MAX_URL = 500
MAX_WEBHOOKS = 10  # per event
LOG_SIZE = 50  # deliveries the webhook's page lists
MAX_ATTEMPTS = 6
# The wait after the 1st, 2nd... failed try; after the last try, the delivery is given up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
CLAIM_BATCH = 10
# Longer than a batch takes: its deliveries are sent together, each within TOTAL_TIMEOUT.
CLAIM_LEASE = timedelta(minutes=5)
TOTAL_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
TEST_TIMEOUT = 5.0  # a test or a redelivery asked for in a page is tried at once, within this
MAX_ANSWER_BYTES = 64 * 1024
# Host names that can only be local: refused when the webhook is registered (the guard at every
# delivery refuses whatever resolves to a private address anyway).
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")
ERROR_LABELS = {
    "forbidden_address": lazy(
        "Refused: the address leads to a private or local network, where webhooks are never sent."
    ),
    "unresolved": lazy("The server name of the address cannot be found."),
    "invalid_url": lazy("The address is not valid."),
    "bad_scheme": lazy("Only http:// and https:// addresses can be used."),
    "timeout": lazy("The receiver took too long to answer."),
    "unreachable": lazy("The receiver could not be reached."),
    "redirect": lazy("The receiver answered with a redirect, which webhooks do not follow."),
    "http_error": lazy("The receiver answered with an error."),
    "disabled": lazy("Not sent: the webhook was turned off."),
}

# One event per running worker, set when a delivery is queued: the worker need not wait for its interval.
_wakers: set[asyncio.Event] = set()


# --- signatures -----------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the Hackcity-Signature header for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE) -> bool:
    """Whether `header` (the Hackcity-Signature header) signs `body` (the raw bytes received) with
    `secret`, at a time within `tolerance` seconds of this machine's clock: the receivers' check,
    line for line the one docs/WEBHOOKS.md and the webhook's page show."""
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = parts.get("t", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 20):
        return False
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), parts.get("v1", "").encode())


# --- words ----------------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def error_label(delivery: WebhookDelivery) -> str:
    """What went wrong with the last try, in the reader's language ("" when nothing did)."""
    if not delivery.last_error:
        return ""
    if delivery.last_error in ("http_error", "redirect") and delivery.last_status_code:
        return _(ERROR_LABELS[delivery.last_error]) + f" (HTTP {delivery.last_status_code})"
    return _(ERROR_LABELS.get(delivery.last_error, delivery.last_error))


def shown_secret(webhook: Webhook) -> str:
    """The start of the secret, for the organiser to tell which one is in use."""
    return webhook.secret[:SHOWN_PREFIX]


# --- registering ----------------------------------------------------------------------------------


def check_url(url: str, *, allow_private: bool) -> str:
    """The address, trimmed, or FormErrors on the `url` field. Refuses what is obviously private:
    an IP address outside the public internet, `localhost`, names that can only be local (with
    `allow_private`, the tests' setting, loopback is accepted). Names are not resolved here: the
    guard checks what they resolve to at every delivery."""
    text = url.strip()
    if not text:
        raise FormErrors({"url": _("Enter the address that receives the webhook.")})
    if len(text) > MAX_URL:
        raise FormErrors({"url": _("Use at most %(n)s characters.", n=MAX_URL)})
    try:
        parsed = fetching.parse_url(text)
    except fetching.FetchError as error:
        raise FormErrors({"url": error.message}) from None
    host = parsed.raw_host.decode("ascii").strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES)
        allowed = not local or (allow_private and (host == "localhost" or host.endswith(".localhost")))
    else:
        allowed = fetching.address_is_allowed(address, allow_private=allow_private)
    if not allowed:
        raise FormErrors(
            {
                "url": _(
                    "This address leads to a private or local network: webhooks are sent to public "
                    "addresses only."
                )
            }
        )
    written = str(parsed)  # what is stored and requested: non-ASCII characters percent-encoded
    if len(written) > MAX_URL:
        raise FormErrors({"url": _("Use at most %(n)s characters.", n=MAX_URL)})
    return written


def read_kinds(chosen: list[str]) -> list[str]:
    """The kinds ticked, in their order, or FormErrors when none is."""
    kinds = [kind for kind in KINDS if kind in chosen]
    if not kinds:
        raise FormErrors({"kinds": _("Choose at least one kind of news.")})
    return kinds


@dataclass(frozen=True)
class NewSecret:
    webhook: Webhook
    secret: str  # shown once, in the answer to the form


def _read_form(url: str, kinds: list[str], *, allow_private: bool) -> tuple[str, list[str]]:
    """The address and kinds of a webhook's form, checked together: FormErrors names every mistake."""
    errors: dict[str | None, str] = {}
    try:
        url = check_url(url, allow_private=allow_private)
    except FormErrors as error:
        errors.update(error.errors)
    try:
        kinds = read_kinds(kinds)
    except FormErrors as error:
        errors.update(error.errors)
    if errors:
        raise FormErrors(errors)
    return url, kinds


async def create_webhook(
    *, event: Event, user: User, url: str, kinds: list[str], allow_private: bool
) -> NewSecret:
    url, kinds = _read_form(url, kinds, allow_private=allow_private)
    async with in_transaction():
        # The event's row is locked (PostgreSQL; SQLite writes in turn): parallel forms cannot
        # get past the limit.
        await Event.select_for_update().get(id=event.id)
        if await Webhook.filter(event_id=event.id).count() >= MAX_WEBHOOKS:
            raise FormErrors(
                {
                    None: ngettext(
                        "An event has at most %(num)s webhook: delete one first.",
                        "An event has at most %(num)s webhooks: delete one first.",
                        MAX_WEBHOOKS,
                    )
                }
            )
        secret = new_secret()
        webhook = await Webhook.create(event=event, url=url, secret=secret, kinds=kinds, created_by=user)
    log.info("webhook %s of event %s made by user %s", webhook.id, event.id, user.id)
    return NewSecret(webhook, secret)


async def update_webhook(
    *, webhook: Webhook, url: str, kinds: list[str], active: bool, allow_private: bool
) -> Webhook:
    """Change the address, the kinds and whether it is on. Turning it off gives up what waits."""
    url, kinds = _read_form(url, kinds, allow_private=allow_private)
    async with in_transaction():
        webhook.url, webhook.kinds, webhook.active = url, kinds, active
        await webhook.save(update_fields=["url", "kinds", "active"])
        if not active:
            await WebhookDelivery.filter(
                webhook_id=webhook.id, status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)
            ).update(status=DeliveryStatus.GAVE_UP, last_error="disabled", next_attempt_at=None)
    log.info("webhook %s edited (active: %s)", webhook.id, active)
    return webhook


async def rotate_secret(*, webhook: Webhook) -> NewSecret:
    """A new secret, at once: the next try of every delivery is signed with it."""
    webhook.secret = new_secret()
    webhook.secret_rotated_at = datetime.now(UTC)
    await webhook.save(update_fields=["secret", "secret_rotated_at"])
    log.info("webhook %s: secret rotated", webhook.id)
    return NewSecret(webhook, webhook.secret)


async def delete_webhook(*, webhook: Webhook) -> None:
    await webhook.delete()
    log.info("webhook %s of event %s deleted", webhook.id, webhook.event_id)


async def of_event(event: Event) -> list[Webhook]:
    return await Webhook.filter(event_id=event.id).order_by("id")


async def find(event: Event, webhook_id: int) -> Webhook | None:
    """The event's webhook of that id; None for another event's, or none."""
    return await Webhook.get_or_none(id=webhook_id, event_id=event.id)


async def latest_deliveries(webhook: Webhook, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    return await WebhookDelivery.filter(webhook_id=webhook.id).order_by("-id").limit(limit)


# --- news -----------------------------------------------------------------------------------------

Data = dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]]


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def event_url(event: Event, base_url: str, path: str = "") -> str:
    return f"{base_url}/events/{event.slug}{path}"


def _body(delivery_id: uuid.UUID, kind: str, event: Event, data: dict[str, Any], base_url: str) -> str:
    payload = {
        "id": str(delivery_id),
        "type": kind,
        "created": _iso(datetime.now(UTC)),
        "event": {
            "id": event.id,
            "slug": event.slug,
            "title": event.title,
            "url": event_url(event, base_url),
        },
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


async def emit(
    event: Event | int, kind: str, data: Data, *, base_url: str, only: Webhook | None = None
) -> list[WebhookDelivery]:
    """Queue `kind` with `data` for every active webhook of the event (or its id) that takes it, or
    for `only`.

    `data` may be a function that builds it, called only when some webhook takes the news, so a
    domain change without webhooks costs one query. Call it inside the change's transaction."""
    event_id = event if isinstance(event, int) else event.id
    if only is not None:
        targets = [only]
    else:
        targets = [
            webhook
            for webhook in await Webhook.filter(event_id=event_id, active=True).order_by("id")
            if kind in webhook.kinds
        ]
    if not targets:
        return []
    if isinstance(event, int):
        event = await Event.get(id=event)
    content = data if isinstance(data, dict) else await data()
    deliveries = []
    for webhook in targets:
        delivery_id = uuid.uuid4()
        deliveries.append(
            await WebhookDelivery.create(
                webhook=webhook,
                delivery_id=delivery_id,
                kind=kind,
                payload=_body(delivery_id, kind, event, content, base_url),
            )
        )
    for waker in _wakers:
        waker.set()
    log.info("webhook news %s of event %s queued for %s webhook(s)", kind, event.id, len(deliveries))
    return deliveries


# What each kind of news tells: ids, titles and addresses, what the event's organisers read; never a
# person's name or email, nor a juror's note or a decision's message to a team.


async def entry_data(entry: Entry, event: Event, base_url: str) -> dict[str, Any]:
    team = await Team.get(id=entry.team_id)
    stage = await Round.get(id=entry.round_id)
    challenge = await Challenge.get(id=entry.challenge_id)
    return {
        "entry": {
            "id": entry.id,
            "title": entry.title,
            "summary": entry.summary,
            "url": event_url(event, base_url, f"/entries/{entry.id}"),
            "status": str(entry.status),
            "selection": str(entry.selection),
            "submitted_at": _iso(entry.submitted_at),
            "round": {"id": stage.id, "name": stage.name},
            "challenge": {"id": challenge.id, "slug": challenge.slug, "title": challenge.title},
            "team": {"id": team.id, "name": team.name},
        }
    }


async def session_data(session: JurySession, base_url: str) -> dict[str, Any]:
    """A jury session; once published, with its ranking per challenge (what the results page shows)."""
    event = await Event.get(id=session.event_id)
    stage = await Round.get(id=session.round_id)
    data: dict[str, Any] = {
        "session": {
            "id": session.id,
            "name": session.name,
            "status": str(session.status),
            "round": {"id": stage.id, "name": stage.name},
            "locked_at": _iso(session.locked_at),
            "published_at": _iso(session.published_at),
            "url": event_url(event, base_url, f"/manage/juries/{session.id}"),
        }
    }
    if session.published_at is None:
        return data
    rows = final_rows(session.results_snapshot)  # the jury's final ranking
    entries = {
        entry.id: entry
        for entry in await Entry.filter(id__in=[row["entry_id"] for row in rows]).select_related("team")
    }
    challenges = {c.id: c for c in await Challenge.filter(event_id=event.id)}
    rankings: dict[int, dict[str, Any]] = {}
    for row in rows:  # ordered by challenge, then rank
        entry, challenge = entries.get(row["entry_id"]), challenges.get(row["challenge_id"])
        if entry is None or challenge is None:
            continue
        ranking = rankings.setdefault(
            challenge.id,
            {
                "challenge": {"id": challenge.id, "slug": challenge.slug, "title": challenge.title},
                "entries": [],
            },
        )
        ranking["entries"].append(
            {
                "rank": row["rank"],
                "score": row["score"],
                "deliberated": row["deliberated"],  # place decided in deliberation
                "entry": {
                    "id": entry.id,
                    "title": entry.title,
                    "url": event_url(event, base_url, f"/entries/{entry.id}"),
                },
                "team": {"id": entry.team.id, "name": entry.team.name},
            }
        )
    data["results_url"] = event_url(event, base_url, "/results")
    data["rankings"] = list(rankings.values())
    return data


def announcement_data(announcement: Announcement, event: Event, base_url: str) -> dict[str, Any]:
    return {
        "announcement": {
            "id": announcement.id,
            "uuid": str(announcement.uuid),
            "title": announcement.title,
            "body": announcement.body,
            "url": event_url(event, base_url, f"/announcements/{announcement.id}"),
            "created_at": _iso(announcement.created_at),
        }
    }


# --- sending --------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return (
        Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    )


async def _claim(worker: str, now: datetime, ids: list[int] | None = None) -> list[WebhookDelivery] | None:
    """Take up to CLAIM_BATCH due deliveries of active webhooks for this worker, oldest first (or the
    deliveries `ids`, whatever their webhook); None when none is due.

    As the mail outbox's claim: FOR UPDATE SKIP LOCKED on PostgreSQL lets parallel workers take
    different deliveries; the update checks again that each is still due, so a delivery another
    worker claimed in the meantime is not taken."""
    async with in_transaction():
        query = WebhookDelivery.filter(_due(now))
        if ids is not None:
            query = query.filter(id__in=ids)
        else:
            query = query.filter(webhook_id__in=Subquery(Webhook.filter(active=True).values("id")))
        # only("id"), not values_list(): Tortoise leaves FOR UPDATE out of a values_list() query.
        found = await query.order_by("id").limit(CLAIM_BATCH).select_for_update(skip_locked=True).only("id")
        if not found:
            return None
        claimed = [delivery.id for delivery in found]
        await WebhookDelivery.filter(_due(now), id__in=claimed).update(
            claimed_by=worker, claimed_until=now + CLAIM_LEASE
        )
    return (
        await WebhookDelivery.filter(id__in=claimed, claimed_by=worker)
        .select_related("webhook")
        .order_by("id")
    )


def _outcome(status: int | None, reason: str) -> str:
    if reason:
        return reason
    if status is not None and 300 <= status < 400:
        return "redirect"
    if status is None or not 200 <= status < 300:
        return "http_error"
    return ""


async def _send(
    delivery: WebhookDelivery, *, worker: str, allow_private: bool, now: datetime, seconds: float
) -> bool:
    """One try of a claimed delivery, then its record; True when it was delivered."""
    webhook: Webhook = delivery.webhook
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Hackcity-Event": delivery.kind,
        "Hackcity-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: sign(webhook.secret, body, int(time.time())),
    }
    status: int | None = None
    reason = ""
    started = time.monotonic()
    try:
        posted = await fetching.post(
            webhook.url,
            body=body,
            headers=headers,
            allow_private=allow_private,
            total_timeout=seconds,
            connect_timeout=min(seconds, CONNECT_TIMEOUT),
            max_bytes=MAX_ANSWER_BYTES,
        )
    except fetching.FetchError as error:
        reason = error.reason if error.reason in ERROR_LABELS else "unreachable"
    else:
        status = posted.status
    duration = round((time.monotonic() - started) * 1000)
    error = _outcome(status, reason)
    attempts = delivery.attempts + 1
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": status,
        "last_error": error,
        "last_duration_ms": duration,
        "claimed_by": "",
        "claimed_until": None,
    }
    if not error:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif attempts >= MAX_ATTEMPTS or delivery.kind == PING:  # a test is not retried: press it again
        changes.update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None)
    else:
        changes.update(status=DeliveryStatus.FAILED, next_attempt_at=now + RETRY_DELAYS[attempts - 1])
    # Written only while the claim is this worker's: after an expired lease, another took it.
    await WebhookDelivery.filter(id=delivery.id, claimed_by=worker).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    if error:
        log.warning(
            "webhook %s delivery %s (%s) failed, try %s: %s %s",
            webhook.id,
            delivery.delivery_id,
            delivery.kind,
            attempts,
            error,
            status or "",
        )
    else:
        log.info(
            "webhook %s delivery %s (%s) delivered: %s",
            webhook.id,
            delivery.delivery_id,
            delivery.kind,
            status,
        )
    return not error


async def deliver_pending(*, allow_private: bool, now: datetime | None = None) -> int:
    """Send every due delivery once; returns how many were delivered.

    Several workers (app processes) may run this at once: each delivery is claimed by one of them
    before it is sent. A batch is sent together, so one slow receiver holds back only its batch."""
    worker = uuid.uuid4().hex
    done = 0
    while True:
        moment = now or datetime.now(UTC)
        batch = await _claim(worker, moment)
        if batch is None:
            return done
        sent = await asyncio.gather(
            *(
                _send(delivery, worker=worker, allow_private=allow_private, now=moment, seconds=TOTAL_TIMEOUT)
                for delivery in batch
            )
        )
        done += sum(sent)


async def _deliver_now(delivery: WebhookDelivery, *, allow_private: bool) -> WebhookDelivery:
    """Try one delivery at once (a page is waiting), within TEST_TIMEOUT. When a worker holds it
    already, it is left to the worker."""
    worker = uuid.uuid4().hex
    claimed = await _claim(worker, datetime.now(UTC), ids=[delivery.id])
    if claimed:
        await _send(
            claimed[0],
            worker=worker,
            allow_private=allow_private,
            now=datetime.now(UTC),
            seconds=TEST_TIMEOUT,
        )
    return await WebhookDelivery.get(id=delivery.id)


async def send_test(*, webhook: Webhook, base_url: str, allow_private: bool) -> WebhookDelivery:
    """Queue a `ping` for this webhook (on or off) and try it at once; the answer says how it went."""
    event = await Event.get(id=webhook.event_id)
    data = {
        "webhook": {"id": webhook.id, "kinds": list(webhook.kinds)},
        "message": "A test from hackcity: this webhook is reached.",
    }
    (delivery,) = await emit(event, PING, data, base_url=base_url, only=webhook)
    return await _deliver_now(delivery, allow_private=allow_private)


async def redeliver(*, webhook: Webhook, delivery_id: int, allow_private: bool) -> WebhookDelivery | None:
    """Send a failed or given-up delivery again, at once, with the same body and id, and a fresh
    count of tries. None when the webhook has no such delivery."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id, webhook_id=webhook.id)
    if delivery is None:
        return None
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP):
        raise FormErrors({None: _("Only a delivery that failed can be sent again.")})
    await WebhookDelivery.filter(id=delivery.id).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
    )
    log.info("webhook %s delivery %s sent again", webhook.id, delivery.delivery_id)
    return await _deliver_now(delivery, allow_private=allow_private)


async def run_worker(*, allow_private: bool, interval: float = 15.0) -> None:
    """Background task started by the app's lifespan."""
    waker = asyncio.Event()  # made here, in the worker's own event loop
    _wakers.add(waker)
    try:
        while True:
            waker.clear()  # before delivering: news queued meanwhile wakes the next round
            try:
                await deliver_pending(allow_private=allow_private)
            except Exception:
                log.exception("webhook worker error")
            try:
                await asyncio.wait_for(waker.wait(), timeout=interval)
            except TimeoutError:
                pass
    finally:
        _wakers.discard(waker)
