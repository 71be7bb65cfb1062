"""The publish/subscribe broker of live updates, in memory (as on SQLite): channels, waiting with
a timeout, a slow subscriber told to read everything again, a cancelled subscriber unsubscribed.
Across processes on PostgreSQL: tests/test_live_processes.py."""

from __future__ import annotations

import asyncio

import pytest

from events.broker import QUEUE_SIZE, RESYNC, broker, publish, subscribe


async def test_a_subscriber_only_hears_its_own_channel_and_waits_with_a_timeout(db):
    with subscribe("jury-session:1") as one, subscribe("jury-session:2") as two:
        await publish("jury-session:1", {"type": "progress"})

        assert await one.get(wait=1) == {"type": "progress"}
        assert await two.get(wait=0.05) is None


async def test_a_slow_subscriber_loses_old_messages_and_is_told_to_read_everything_again(db):
    with subscribe("jury-session:9") as subscription:
        for index in range(QUEUE_SIZE + 5):
            await publish("jury-session:9", {"type": "progress", "n": index})
        messages = subscription.drain()

    assert len(messages) == QUEUE_SIZE
    assert messages[-1] == RESYNC


async def test_a_waiting_subscriber_is_cancelled_cleanly(db):
    channel = "jury-session:77"

    async def listen() -> None:
        with subscribe(channel) as subscription:
            await subscription.get()

    task = asyncio.create_task(listen())
    await asyncio.sleep(0.01)
    assert broker.subscriber_count(channel) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert broker.subscriber_count(channel) == 0
