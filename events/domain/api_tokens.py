"""Personal API tokens: made on the account page, for one event the person organises, read-only or
read-write, shown once, kept hashed, revocable, with their last use.

Rules kept here:
- A token acts for its owner on one event, and only while the owner still organises that event
  (an organiser removed from the event loses what their tokens could do, at the next request) and
  while the account is active (a disabled or deleted account's tokens stop at once).
- The secret is `hc_` and 43 random URL-safe characters (256 bits). Only its SHA-256 is stored, with
  its first characters (`prefix`) for the owner to recognise it; nobody can read it again, the owner
  included.
- A revoked token stays in the table, marked, as the record of what could act; it never works again.
- Every request with a token is counted (`throttle`, rule `api`, per token): past the hourly
  allowance the API answers 429 until the wait is over.

The API (`events/api/`) reads the token from the `Authorization: Bearer` header of `/api/v1`
requests only: pages never read it, so a token never opens a page.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from events.domain import throttle
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.i18n import _, ngettext
from events.models import ApiToken, Event, EventRole, Role, TokenScope, User

log = logging.getLogger("hackcity.api_tokens")
SECRET_PREFIX = "hc_"  # noqa: S105 (what every token starts with, not a secret)
PREFIX_LENGTH = 12  # "hc_" and nine characters of the secret: shown, enough to tell tokens apart
MAX_NAME = 80
MAX_ACTIVE = 20  # tokens not revoked, per person
TOUCH_INTERVAL = timedelta(minutes=1)  # `last_used_at` is written at most this often


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scope_label(scope: TokenScope | str) -> str:
    return _("read and write") if scope == TokenScope.WRITE else _("read only")


async def organised_events(user: User) -> list[Event]:
    """The events a token may be made for: those the person organises."""
    return (
        await Event.filter(roles__user_id=user.id, roles__role=Role.ORGANISER)
        .distinct()
        .order_by("title", "id")
    )


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


async def create_token(*, user: User, name: str, event_id: str, scope: str) -> NewToken:
    """A new token for one event the person organises. FormErrors says what to fix."""
    name = " ".join(name.split())
    errors: dict[str | None, str] = {}
    if not name or len(name) > MAX_NAME:
        errors["token_name"] = _("Enter a name of at most %(n)s characters.", n=MAX_NAME)
    if scope not in {s.value for s in TokenScope}:
        errors["scope"] = _("Choose what the token may do.")
    chosen = parse_id(event_id)
    event = None
    if chosen is not None:
        event = await Event.get_or_none(id=chosen, roles__user_id=user.id, roles__role=Role.ORGANISER)
    if event is None:
        errors["event"] = _("Choose an event you organise.")
    if not errors and await ApiToken.filter(user_id=user.id, revoked_at__isnull=True).count() >= MAX_ACTIVE:
        errors[None] = ngettext(
            "You have %(num)s token already: revoke one before you make another.",
            "You have %(num)s tokens already: revoke one before you make another.",
            MAX_ACTIVE,
        )
    if errors:
        raise FormErrors(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        user=user,
        event=event,
        name=name,
        scope=TokenScope(scope),
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_hash(secret),
    )
    log.info("API token %s made by user %s for event %s (%s)", token.id, user.id, event.id, scope)
    return NewToken(token=token, secret=secret)


async def tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, the revoked ones included, newest first."""
    return await ApiToken.filter(user_id=user.id).select_related("event").order_by("-created_at", "-id")


async def revoke_token(*, user: User, token_id: int, now: datetime | None = None) -> bool:
    """Revoke one of the person's own tokens; False when it is not theirs or already revoked."""
    revoked = await ApiToken.filter(id=token_id, user_id=user.id, revoked_at__isnull=True).update(
        revoked_at=now or datetime.now(UTC)
    )
    if revoked:
        log.info("API token %s revoked by user %s", token_id, user.id)
    return bool(revoked)


# --- a request with a token -----------------------------------------------------------------------


class Refusal(StrEnum):
    MISSING = "missing"  # no token, or not a token of ours
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    INACTIVE = "inactive"  # the owner's account is disabled or deleted
    NOT_ORGANISER = "not_organiser"  # the owner no longer organises the token's event


class TokenRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = {
            Refusal.MISSING: _("Send a personal API token in the Authorization header: Bearer hc_…"),
            Refusal.UNKNOWN: _("This API token is not valid."),
            Refusal.REVOKED: _("This API token was revoked."),
            Refusal.INACTIVE: _("The account of this API token is disabled or deleted."),
            Refusal.NOT_ORGANISER: _("The owner of this API token no longer organises its event."),
        }[reason]


async def authenticate(secret: str | None, *, now: datetime | None = None) -> ApiToken:
    """The token behind a secret, with its user and event, if it may act now; TokenRefused says why
    not. Its last use is recorded (at most once a minute)."""
    now = now or datetime.now(UTC)
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise TokenRefused(Refusal.MISSING if not secret else Refusal.UNKNOWN)
    token = await ApiToken.get_or_none(token_hash=token_hash(secret)).select_related("user", "event")
    if token is None:
        raise TokenRefused(Refusal.UNKNOWN)
    if token.revoked_at is not None:
        raise TokenRefused(Refusal.REVOKED)
    if not token.user.is_active or token.user.anonymised_at is not None:
        raise TokenRefused(Refusal.INACTIVE)
    if not await EventRole.exists(event_id=token.event_id, user_id=token.user_id, role=Role.ORGANISER):
        raise TokenRefused(Refusal.NOT_ORGANISER)
    if token.last_used_at is None or token.last_used_at < now - TOUCH_INTERVAL:
        await ApiToken.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
    return token


def rate_rule(per_hour: int) -> throttle.Rule:
    """The API's allowance per token: `per_hour` requests in an hour, then a wait of a minute that
    doubles with each request let through after it, up to an hour."""
    return throttle.Rule("api", free=per_hour, delay=throttle.MINUTE, cap=throttle.HOUR, window=throttle.HOUR)


async def count_request(token: ApiToken, *, per_hour: int, now: datetime | None = None) -> None:
    """Count one request of the token; RateLimited when it has had too many."""
    await throttle.hit(
        rate_rule(per_hour),
        "token",
        str(token.id),
        now=now,
        refusal=lambda minutes: ngettext(
            "This token sent too many requests. Try again in %(num)s minute.",
            "This token sent too many requests. Try again in %(num)s minutes.",
            minutes,
        ),
    )
