"""Background work started by the app: deadline reminders, the purge and webhook deliveries run without
cron, and two processes on one PostgreSQL database never do one job twice (the outbox, the reminders,
the webhooks)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from events import app as app_module
from events.domain import entries, webhooks
from events.models import (
    DeadlineReminder,
    DeliveryStatus,
    Entry,
    Event,
    MailStatus,
    OutboxMessage,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from tests.conftest import ON_POSTGRES
from tests.entry_world import make_entry_world, make_user
from tests.webhook_receiver import webhook_receiver, webhook_receiver_server

__all__ = ["webhook_receiver", "webhook_receiver_server"]  # the fixtures, imported to be used here


async def test_reminder_worker_reminds_draft_entries_once(db):
    world = await make_entry_world(deadline=datetime.now(UTC) + timedelta(hours=5))
    draft = await entries.create_entry(
        event=world.event,
        team=world.team_a,
        stage=world.stage,
        challenge=world.challenge,
        user=world.alice,
        values={"title": "Bus à l'heure"},
        dataset_notes={},
    )
    worker = asyncio.create_task(app_module.run_reminder_worker(base_url="http://testserver", interval=0.01))
    try:
        for _ in range(500):
            if await DeadlineReminder.filter(entry_id=draft.id).exists():
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a few more passes of the worker: still one reminder
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert await DeadlineReminder.filter(entry_id=draft.id).count() == 1
    link = f"http://testserver/events/datacity/entries/{draft.id}/edit"
    # one reminder to each member of the team (Alice in English, Arthur in French), with the link
    assert sorted((m.to, link in m.body) for m in await OutboxMessage.all()) == [
        ("alice@example.org", True),
        ("arthur@example.org", True),
    ]


# --- two processes on one PostgreSQL database -----------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
on_postgres_only = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="two processes sharing the database need PostgreSQL (SQLite runs one app process): "
    "set TEST_DATABASE_URL=postgres://... to run",
)


def _race(*commands: list[str]) -> list[int]:
    """Start the processes, wait until each is connected, release them together, return their counts."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.worker_process", *command],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    try:
        for process in processes:
            ready = process.stdout.readline().strip()
            assert ready == "ready", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    return [int(out.strip()) for out, _err in results]


@on_postgres_only
async def test_two_processes_deliver_each_of_200_queued_messages_exactly_once(
    db, postgres_run_database, smtp
):
    smtp.messages.clear()
    await OutboxMessage.bulk_create(
        [OutboxMessage(to=f"p{n}@example.org", subject=f"Message {n}", body="B") for n in range(200)]
    )
    smtp_url = f"smtp://127.0.0.1:{smtp.port}"

    counts = await asyncio.to_thread(
        _race, ["outbox", postgres_run_database, smtp_url], ["outbox", postgres_run_database, smtp_url]
    )

    assert sum(counts) == 200
    assert min(counts) > 0  # both processes took part
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 200
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(200))
    assert await OutboxMessage.filter(status=MailStatus.SENT, attempts=1).count() == 200


@on_postgres_only
async def test_two_processes_send_each_deadline_reminder_once(db, postgres_run_database):
    world = await make_entry_world(deadline=datetime.now(UTC) + timedelta(hours=5))
    drafts = []
    for n in range(20):
        team = await Team.create(
            event=world.event, name=f"Team {n}", name_key=f"team {n}", invite_token_hash=f"{n:064x}"
        )
        for m in range(2):
            user = await make_user(f"t{n}m{m}@example.org", name=f"Member {n}.{m}")
            await TeamMember.create(team=team, event=world.event, user=user, is_captain=m == 0)
        drafts.append(
            await Entry.create(
                event=world.event, team=team, round=world.stage, challenge=world.challenge, title=f"Entry {n}"
            )
        )

    counts = await asyncio.to_thread(
        _race, ["remind", postgres_run_database], ["remind", postgres_run_database]
    )

    assert sum(counts) == 20
    assert await DeadlineReminder.all().count() == 20
    assert sorted(await DeadlineReminder.all().values_list("entry_id", flat=True)) == sorted(
        d.id for d in drafts
    )
    recipients = await OutboxMessage.all().values_list("to", flat=True)
    assert len(recipients) == 40
    assert sorted(recipients) == sorted(f"t{n}m{m}@example.org" for n in range(20) for m in range(2))


async def test_purge_worker_purges_an_event_past_its_retention(db):
    from events.models import Event, Registration, User

    event = await Event.create(slug="old", title="Old", ends_at=datetime.now(UTC) - timedelta(days=400))
    user = await User.create(email="p@example.org", name="P", password_hash="!")
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC), answers={"a": "b"})
    worker = asyncio.create_task(app_module.run_purge_worker(language="en", interval=0.01))
    try:
        for _ in range(500):
            if (await Event.get(id=event.id)).purged_at is not None:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a few more passes of the worker: nothing more to do
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert (await Event.get(id=event.id)).purged_at is not None
    assert await Registration.filter(event_id=event.id).count() == 0
    assert await User.filter(id=user.id).count() == 1


async def test_webhook_worker_delivers_news_as_soon_as_it_is_queued(db, webhook_receiver):
    event = await Event.create(slug="datacity", title="DataCity")
    webhook = await Webhook.create(
        event=event, url=webhook_receiver.url(), secret=webhooks.new_secret(), kinds=list(webhooks.KINDS)
    )
    # a long interval: only the wake-up of a queued delivery can make the worker send it in time
    worker = asyncio.create_task(webhooks.run_worker(allow_private=True, interval=3600))
    try:
        await asyncio.sleep(0.05)  # the worker's first pass finds nothing and waits
        (queued,) = await webhooks.emit(
            event, webhooks.ANNOUNCEMENT_POSTED, {"announcement": {"id": 1}}, base_url="http://testserver"
        )
        await asyncio.to_thread(webhook_receiver.wait_for, 1)
        for _ in range(500):
            if (await WebhookDelivery.get(id=queued.id)).status == DeliveryStatus.DELIVERED:
                break
            await asyncio.sleep(0.01)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert (await WebhookDelivery.get(id=queued.id)).status == DeliveryStatus.DELIVERED
    (received,) = webhook_receiver.requests
    assert received.verifies(webhook.secret)


@on_postgres_only
async def test_two_processes_send_each_of_100_webhook_deliveries_once(
    db, postgres_run_database, webhook_receiver
):
    event = await Event.create(slug="datacity", title="DataCity")
    webhook = await Webhook.create(
        event=event, url=webhook_receiver.url(), secret=webhooks.new_secret(), kinds=list(webhooks.KINDS)
    )
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(webhook=webhook, kind="announcement.posted", payload=f'{{"n": {n}}}')
            for n in range(100)
        ]
    )

    counts = await asyncio.to_thread(
        _race, ["webhooks", postgres_run_database], ["webhooks", postgres_run_database]
    )

    assert sum(counts) == 100
    assert min(counts) > 0  # both processes took part
    received = sorted(r.json["n"] for r in webhook_receiver.requests)
    assert received == list(range(100))
    assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED, attempts=1).count() == 100
