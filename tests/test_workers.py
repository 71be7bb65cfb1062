"""Background work started by the app: deadline reminders and the purge run without cron."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from events import app as app_module
from events.domain import entries
from events.models import DeadlineReminder, OutboxMessage
from tests.entry_world import make_entry_world


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
    bodies = [m.body for m in await OutboxMessage.all()]
    assert any(f"http://testserver/events/datacity/entries/{draft.id}/edit" in body for body in bodies)


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
