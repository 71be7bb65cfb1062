"""The outbox: stored first, then delivered through SMTP with retries, or logged without SMTP."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from events.mail import MAX_ATTEMPTS, deliver_pending, queue_mail
from events.models import MailStatus, OutboxMessage
from tests.conftest import ON_POSTGRES, free_port


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


async def test_a_due_message_is_not_starved_behind_messages_waiting_for_a_retry(db, settings, smtp):
    smtp.messages.clear()
    retry_at = datetime.now(UTC) + timedelta(hours=1)
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                to=f"later{n}@example.org", subject="S", body="B", attempts=1, next_attempt_at=retry_at
            )
            for n in range(60)
        ]
    )
    due = await queue_mail(to="due@example.org", subject="Due", body="B")

    sent = await deliver_pending(smtp_url=settings.smtp_url, mail_from=settings.mail_from)

    assert sent == 1
    assert (await OutboxMessage.get(id=due.id)).status == MailStatus.SENT
    assert [m["To"] for m in smtp.messages] == ["due@example.org"]
    assert await OutboxMessage.filter(status=MailStatus.PENDING, attempts=1).count() == 60


async def test_a_long_queue_is_delivered_in_one_pass(db, settings, smtp):
    smtp.messages.clear()
    await OutboxMessage.bulk_create(
        [OutboxMessage(to=f"p{n}@example.org", subject=f"Message {n}", body="B") for n in range(60)]
    )

    sent = await deliver_pending(smtp_url=settings.smtp_url, mail_from=settings.mail_from)

    assert sent == 60
    assert await OutboxMessage.filter(status=MailStatus.SENT).count() == 60
    assert len(smtp.messages) == 60


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="workers racing for the outbox on separate connections need PostgreSQL (SQLite runs one app "
    "process): set TEST_DATABASE_URL=postgres://... to run",
)
async def test_two_workers_deliver_each_of_200_messages_exactly_once(db, settings, smtp):
    smtp.messages.clear()
    await OutboxMessage.bulk_create(
        [OutboxMessage(to=f"p{n}@example.org", subject=f"Message {n}", body="B") for n in range(200)]
    )

    # Two loops at once: on PostgreSQL each runs its claims on its own pooled connection.
    counts = await asyncio.gather(
        *(deliver_pending(smtp_url=settings.smtp_url, mail_from=settings.mail_from) for _ in range(2))
    )

    assert sum(counts) == 200
    assert min(counts) > 0  # both workers took part
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 200
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(200))
    assert await OutboxMessage.filter(status=MailStatus.SENT, attempts=1).count() == 200
