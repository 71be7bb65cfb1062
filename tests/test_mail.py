"""The outbox: stored first, then delivered through SMTP with retries, or logged without SMTP."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from events.mail import MAX_ATTEMPTS, deliver_pending, queue_mail
from events.models import MailStatus, OutboxMessage
from tests.conftest import free_port


async def test_a_subject_keeps_its_no_break_spaces_and_loses_its_line_breaks(db):
    queued = await queue_mail(
        to="ana@example.org",
        subject="Lyon\u00a0: «\u202fdéfi\u202f»\r\n\tBcc:\u2028x\u0085y  z",
        body="",
    )

    assert queued.subject == "Lyon\u00a0: «\u202fdéfi\u202f» Bcc: x y z"


async def test_queued_mail_is_delivered_through_smtp(db, settings, smtp):
    smtp.messages.clear()
    queued = await queue_mail(
        to="ana@example.org", subject="Bonjour\r\nBcc: evil@example.org", body="Corps é"
    )
    assert (await OutboxMessage.get(id=queued.id)).status == MailStatus.PENDING

    sent = await deliver_pending(smtp_url=settings.smtp_url, mail_from=settings.mail_from)

    assert sent == 1
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.status == MailStatus.SENT
    assert stored.sent_at is not None
    [message] = smtp.messages
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Bonjour Bcc: evil@example.org"  # folded, no header injection
    assert message["Bcc"] is None
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Corps é"


async def test_without_smtp_url_mail_is_logged_and_kept(db, caplog):
    queued = await queue_mail(to="ana@example.org", subject="Lien", body="https://example.org/x")
    with caplog.at_level(logging.INFO, logger="hackcity.mail"):
        sent = await deliver_pending(smtp_url="", mail_from="x@example.org")
    assert sent == 1
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.status == MailStatus.LOGGED
    assert stored.body == "https://example.org/x"
    assert "https://example.org/x" in caplog.text


async def test_failed_sends_are_retried_later_then_given_up(db):
    unreachable = f"smtp://127.0.0.1:{free_port()}"
    queued = await queue_mail(to="ana@example.org", subject="S", body="B")
    now = datetime.now(UTC)

    assert await deliver_pending(smtp_url=unreachable, mail_from="x@example.org", now=now) == 0
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.status == MailStatus.PENDING
    assert stored.attempts == 1
    assert stored.last_error
    assert stored.next_attempt_at > now

    # Not due yet: left alone.
    await deliver_pending(smtp_url=unreachable, mail_from="x@example.org", now=now)
    assert (await OutboxMessage.get(id=queued.id)).attempts == 1

    later = now
    for _ in range(MAX_ATTEMPTS - 1):
        later += timedelta(days=1)
        await deliver_pending(smtp_url=unreachable, mail_from="x@example.org", now=later)
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.attempts == MAX_ATTEMPTS
    assert stored.status == MailStatus.FAILED


async def test_retry_succeeds_once_the_server_answers(db, settings, smtp):
    smtp.messages.clear()
    unreachable = f"smtp://127.0.0.1:{free_port()}"
    queued = await queue_mail(to="bo@example.org", subject="S", body="B")
    now = datetime.now(UTC)
    await deliver_pending(smtp_url=unreachable, mail_from="x@example.org", now=now)
    await deliver_pending(smtp_url=settings.smtp_url, mail_from="x@example.org", now=now + timedelta(hours=1))
    stored = await OutboxMessage.get(id=queued.id)
    assert stored.status == MailStatus.SENT
    assert stored.attempts == 2
    assert [m["To"] for m in smtp.messages] == ["bo@example.org"]
