"""Mail through the outbox: `queue_mail` stores a message, `deliver_pending` sends what is due.

With SMTP_URL unset, a message is written to the log and stays readable in the outbox
(status `logged`). Failed sends are retried with a growing delay, then marked failed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from events.middleware import safe_log
from events.models import MailStatus, OutboxMessage

NOT_NBSP_SPACE_RE = re.compile(r"[^\S\u00a0\u202f]+")  # any whitespace but the non-breaking ones

log = logging.getLogger("hackcity.mail")
MAX_ATTEMPTS = 5
_wake = asyncio.Event()


async def queue_mail(*, to: str, subject: str, body: str) -> OutboxMessage:
    # No header injection through a title: every line break and run of spaces becomes one space,
    # but French non-breaking spaces ("Lyon : la décision") stay.
    subject = NOT_NBSP_SPACE_RE.sub(" ", subject).strip()
    message = await OutboxMessage.create(to=to, subject=subject[:300], body=body)
    _wake.set()
    return message


def _smtp_options(smtp_url: str) -> dict:
    parts = urlsplit(smtp_url)
    query = parse_qs(parts.query)
    implicit_tls = parts.scheme == "smtps"
    options = {
        "hostname": parts.hostname or "localhost",
        "port": parts.port or (465 if implicit_tls else 25),
        "use_tls": implicit_tls,
        "start_tls": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "timeout": 20,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return options


def _build(message: OutboxMessage, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="hackcity")
    email.set_content(message.body)
    return email


async def deliver_pending(*, smtp_url: str, mail_from: str, now: datetime | None = None) -> int:
    """Send every due message once; returns how many left the outbox."""
    now = now or datetime.now(UTC)
    due = await OutboxMessage.filter(status=MailStatus.PENDING).order_by("id").limit(50)
    done = 0
    for message in due:
        if message.next_attempt_at and message.next_attempt_at > now:
            continue
        if not smtp_url:
            log.info(
                "mail (no SMTP_URL) to=%s subject=%s\n%s",
                safe_log(message.to),
                safe_log(message.subject),
                message.body,
            )
            message.status = MailStatus.LOGGED
            message.sent_at = now
            await message.save(update_fields=["status", "sent_at"])
            done += 1
            continue
        message.attempts += 1
        try:
            await aiosmtplib.send(_build(message, mail_from), **_smtp_options(smtp_url))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            message.last_error = safe_log(error, 500)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MailStatus.FAILED
            else:
                message.next_attempt_at = now + timedelta(seconds=30 * 2**message.attempts)
            log.warning(
                "mail %s to %s failed (attempt %s): %s",
                message.id,
                safe_log(message.to),
                message.attempts,
                message.last_error,
            )
        else:
            message.status = MailStatus.SENT
            message.sent_at = now
            done += 1
        await message.save(update_fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"])
    return done


async def run_outbox_worker(*, smtp_url: str, mail_from: str, interval: float = 15.0) -> None:
    """Background task started by the app's lifespan."""
    while True:
        # Cleared before delivering, so a message queued during a delivery wakes the next round
        # instead of waiting for the interval.
        _wake.clear()
        try:
            await deliver_pending(smtp_url=smtp_url, mail_from=mail_from)
        except Exception:
            log.exception("outbox worker error")
        try:
            await asyncio.wait_for(_wake.wait(), timeout=interval)
        except TimeoutError:
            pass
