"""Rate limits on what must not be repeated too fast: sign-in attempts, password-reset, sign-up and
confirmation-mail requests, invitations by email.

One counter per rule and key in the database (`Throttle`), shared by every app process. Within a
rule's window, `free` hits pass; the hit that spends the last of them starts a delay (`delay`), and
each hit let through after a delay starts one twice as long, up to `cap`. A hit during a delay is
refused and not counted. A window after its first hit, a counter starts again from zero.

Counting and refusing are one `INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING` statement:
PostgreSQL locks the counter row while the statement decides, SQLite runs one write at a time, so
parallel requests can never get past the count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections

from events.domain import sql
from events.domain.errors import RateLimited
from events.i18n import ngettext
from events.models import Throttle


@dataclass(frozen=True)
class Rule:
    name: str
    free: int  # hits that pass before the first delay
    delay: timedelta  # the first delay, doubled by each hit after it
    cap: timedelta  # the longest delay
    window: timedelta  # a counter starts again from zero this long after its first hit

    def delays(self) -> list[timedelta]:
        """The delay started by hit number `free`, `free` + 1, …; the last one holds from there."""
        steps: list[timedelta] = []
        delay = self.delay
        while delay < self.cap:
            steps.append(delay)
            delay *= 2
        return [*steps, self.cap]


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Failed sign-ins on one account from one client. Not per account alone: an attacker elsewhere
# must not be able to lock the owner out.
LOGIN = Rule("login", free=5, delay=MINUTE, cap=HOUR, window=DAY)
# Failed sign-ins from one client, whatever the account (one address trying many accounts).
# Generous: a whole venue can share one public address.
LOGIN_CLIENT = Rule("login-client", free=30, delay=MINUTE, cap=HOUR, window=HOUR)
# Password-reset mails asked for one address, and by one client.
RESET = Rule("reset", free=3, delay=10 * MINUTE, cap=2 * HOUR, window=DAY)
RESET_CLIENT = Rule("reset-client", free=10, delay=MINUTE, cap=HOUR, window=HOUR)
# Confirmation mails asked for again by one account's address, and by one client.
VERIFY = Rule("verify", free=3, delay=10 * MINUTE, cap=2 * HOUR, window=DAY)
VERIFY_CLIENT = Rule("verify-client", free=10, delay=MINUTE, cap=HOUR, window=HOUR)
# Accounts created from one client.
SIGNUP_CLIENT = Rule("signup-client", free=20, delay=MINUTE, cap=HOUR, window=HOUR)
# Invitations mailed by one person (organisers' and teams' alike), and to one address.
INVITE = Rule("invite", free=30, delay=MINUTE, cap=HOUR, window=HOUR)
INVITE_EMAIL = Rule("invite-email", free=3, delay=10 * MINUTE, cap=2 * HOUR, window=DAY)
# Imports of people that mail invitations, by one organiser (each may mail up to 2,000 at once, so the
# import counts once here instead of once per invitation in INVITE and INVITE_EMAIL).
PEOPLE_IMPORT = Rule("people-import", free=10, delay=10 * MINUTE, cap=2 * HOUR, window=DAY)


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def email_digest(email: str) -> str:
    """What counters keep of an email address: its hash (the `subject` of a counter)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class _Statement:
    """SQL text and its values built together, so each `?` meets its value in order."""

    def __init__(self, dialect: str) -> None:
        self.text = ""
        self.values: list[Any] = []
        # PostgreSQL cannot infer the type of a parameter that only meets NULL in a CASE.
        self.time = "CAST(? AS TIMESTAMPTZ)" if dialect == "postgres" else "?"

    def add(self, text: str, *values: Any) -> None:
        self.text += text
        self.values += values


def _hit_statement(dialect: str, rule: Rule, key: str, subject: str, now: datetime) -> _Statement:
    until = [now + delay for delay in rule.delays()]
    window_start = now - rule.window
    stmt = _Statement(dialect)
    t = stmt.time

    def hits() -> None:  # the count after this hit: restarted once the window has passed
        stmt.add(f"(CASE WHEN throttle.created_at < {t} THEN 1 ELSE throttle.hits + 1 END)", window_start)

    # Only placeholders and the rule's own integers are written into the text.
    stmt.add(
        "INSERT INTO throttle (rule, key_hash, subject, hits, blocked_until, created_at) "  # noqa: S608
        f"VALUES (?, ?, ?, 1, {t}, {t}) ",
        rule.name,
        key,
        subject,
        until[0] if rule.free == 1 else None,
        now,
    )
    stmt.add("ON CONFLICT (rule, key_hash) DO UPDATE SET hits = ")
    hits()
    stmt.add(", blocked_until = CASE WHEN ")
    hits()
    stmt.add(f" < {rule.free} THEN NULL")
    for step, moment in enumerate(until[:-1]):
        stmt.add(" WHEN ")
        hits()
        stmt.add(f" = {rule.free + step} THEN {t}", moment)
    stmt.add(f" ELSE {t} END", until[-1])
    stmt.add(
        f", created_at = CASE WHEN throttle.created_at < {t} THEN {t} ELSE throttle.created_at END",
        window_start,
        now,
    )
    stmt.add(f" WHERE throttle.blocked_until IS NULL OR throttle.blocked_until <= {t} RETURNING hits", now)
    return stmt


async def hit(
    rule: Rule,
    *parts: str,
    subject: str = "",
    now: datetime | None = None,
    refusal: Callable[[int], str] | None = None,
) -> None:
    """Count one hit of `rule` by the key made of `parts`; RateLimited when the rule refuses it.

    `refusal(minutes)` writes the message the person reads; `subject` is the hash of the email
    address the counter is about (see `clear_subject`).
    """
    given = now
    now = now or datetime.now(UTC)
    key = digest(*parts)
    conn = connections.get("default")
    stmt = _hit_statement(conn.capabilities.dialect, rule, key, subject, now)
    if await conn.execute_query_dict(sql.placeholders(conn.capabilities.dialect, stmt.text), stmt.values):
        return
    # Refused: read how long is left, only to say it (the decision is already taken).
    counter = await Throttle.get_or_none(rule=rule.name, key_hash=key)
    # From the moment it is said: a parallel request that began earlier may have set the delay
    # after this one read the clock, and the wait would read a minute too long.
    said_at = given or datetime.now(UTC)
    wait = counter.blocked_until - said_at if counter and counter.blocked_until else rule.delay
    raise RateLimited(wait, refusal)


async def forgive(rule: Rule, *parts: str) -> None:
    """Take one hit back: the attempt it counted turned out fine (or was never made)."""
    await sql.execute(
        "UPDATE throttle SET hits = hits - 1, "  # noqa: S608 (the rule's own integer)
        f"blocked_until = CASE WHEN hits - 1 < {rule.free} THEN NULL ELSE blocked_until END "
        "WHERE rule = ? AND key_hash = ? AND hits > 0",
        [rule.name, digest(*parts)],
    )


async def clear(rule: Rule, *parts: str) -> None:
    await Throttle.filter(rule=rule.name, key_hash=digest(*parts)).delete()


async def clear_subject(subject: str, rule: Rule | None = None) -> None:
    """Forget the counters about one email address (of one rule, or all of them)."""
    query = Throttle.filter(subject=subject)
    if rule is not None:
        query = query.filter(rule=rule.name)
    await query.delete()


async def invitation(*, inviter_id: int, email: str) -> None:
    """Count an invitation about to be mailed, by whom and to whom (organisers' invitations and
    teams' alike); RateLimited when either has had too many."""
    await hit(
        INVITE,
        str(inviter_id),
        refusal=lambda minutes: ngettext(
            "You sent many invitations in a short time. Try again in %(num)s minute.",
            "You sent many invitations in a short time. Try again in %(num)s minutes.",
            minutes,
        ),
    )
    subject = email_digest(email)
    await hit(
        INVITE_EMAIL,
        subject,
        subject=subject,
        refusal=lambda minutes: ngettext(
            "This address received several invitations recently. Try again in %(num)s minute.",
            "This address received several invitations recently. Try again in %(num)s minutes.",
            minutes,
        ),
    )


async def people_import(*, inviter_id: int) -> None:
    """Count an import of people about to mail its invitations; RateLimited after too many."""
    await hit(
        PEOPLE_IMPORT,
        str(inviter_id),
        refusal=lambda minutes: ngettext(
            "You imported many files of people in a short time. Try again in %(num)s minute.",
            "You imported many files of people in a short time. Try again in %(num)s minutes.",
            minutes,
        ),
    )
