"""Live updates between the processes of the app: a small publish/subscribe broker.

`publish(channel, data)` sends a small message (ids and counts, never a page) to every subscriber of
`channel`, in every process; `subscribe(channel)` gives a `Subscription` whose `get()` waits for the
next one. Receivers re-read what they show from the database: a message only says "look again".

- SQLite (one process): the messages go from publisher to subscribers in memory.
- PostgreSQL (`start()` with a postgres URL, done in the app's lifespan): one dedicated asyncpg
  connection per process LISTENs on one PostgreSQL channel, and `publish` runs
  `SELECT pg_notify(...)` through the app's own database connection after the writing transaction
  committed (inside a transaction, PostgreSQL delivers it at commit). Every process, the publishing
  one included, receives the notification on its listener and fans it out to its subscribers.
- Robustness: a lost listener connection is retried with a growing delay; meanwhile messages are
  still delivered in this process, and when it is back every subscriber gets a `resync` message
  (something may have been missed: read everything again). A subscriber whose queue is full loses
  its oldest message and gets a `resync` in its place. Publishing never raises: the write it
  follows is already committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("hackcity.live")

PG_CHANNEL = "hackcity_live"  # the one PostgreSQL channel; logical channels travel in the payload
QUEUE_SIZE = 64
MAX_PAYLOAD = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
HEALTH_INTERVAL = 10.0  # seconds between two checks of an idle listener connection
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
RESYNC: dict[str, Any] = {"type": "resync"}
SHUTDOWN: dict[str, Any] = {"type": "shutdown"}  # this process is stopping: streams end now
APPLICATION_NAME = "hackcity-live"  # how the listener connections show in pg_stat_activity


def session_channel(session_id: int) -> str:
    """The channel of one jury session: score progress, slots and its status."""
    return f"jury-session:{session_id}"


class Subscription:
    """One listener's queue of messages for one channel (a stream of one browser tab)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_SIZE)

    def deliver(self, data: dict[str, Any]) -> None:
        if self._queue.full():  # a slow reader: drop the oldest, tell it to read everything again
            with contextlib.suppress(asyncio.QueueEmpty):
                self._queue.get_nowait()
            if data is not SHUTDOWN:
                data = RESYNC
        self._queue.put_nowait(data)

    async def get(self, wait: float | None = None) -> dict[str, Any] | None:
        """The next message, or None after `wait` seconds without one."""
        try:
            return await asyncio.wait_for(self._queue.get(), wait)
        except TimeoutError:
            return None

    def drain(self) -> list[dict[str, Any]]:
        """The messages already waiting, without waiting for more."""
        messages = []
        while not self._queue.empty():
            messages.append(self._queue.get_nowait())
        return messages


class Broker:
    """Subscribers of this process, and (on PostgreSQL) the listener connection shared by them."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}
        self._credentials: dict[str, Any] | None = None
        self._task: asyncio.Task | None = None
        self._listening = False
        self._ready: asyncio.Event | None = None
        self._signal_handlers: dict[int, tuple[Any, Any]] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def postgres(self) -> bool:
        return self._credentials is not None

    @property
    def listening(self) -> bool:
        return self._listening

    async def start(self, database_url: str, *, wait: float = 5.0) -> None:
        """On PostgreSQL, open the listener connection (waiting up to `wait` seconds for it; the
        app starts anyway and keeps trying). On SQLite, nothing to start but the shutdown hook."""
        from events.db import connection_config

        await self.stop()
        self._watch_shutdown()
        config = connection_config(database_url)
        if config["engine"] != "tortoise.backends.asyncpg":
            return
        credentials = config["credentials"]
        self._credentials = {
            "host": credentials.get("host"),
            "port": int(credentials.get("port") or 5432),
            "user": credentials.get("user"),
            "password": credentials.get("password") or None,
            "database": credentials.get("database"),
        }
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(), name="hackcity-live-listener")
        try:
            await asyncio.wait_for(self._ready.wait(), wait)
        except TimeoutError:
            log.warning("live updates: no listener connection yet, this process only until it is back")

    def _watch_shutdown(self) -> None:
        """End this process's streams as soon as it is asked to stop.

        uvicorn answers SIGTERM and SIGINT by waiting for open connections before the lifespan's
        shutdown: an open stream would hold it until its lifetime ends. The server's own handler is
        chained, after a `shutdown` message to every subscriber (the browsers reconnect, to
        another process or once this one is back)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)
            if not callable(previous):
                continue  # the default action or ignored: nothing to chain, nothing waits for us

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self._fan_out_all, SHUTDOWN)
                previous(signum, frame)

            signal.signal(number, handler)
            self._signal_handlers[number] = (handler, previous)

    def _unwatch_shutdown(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for number, (handler, previous) in self._signal_handlers.items():
            if signal.getsignal(number) is handler:
                signal.signal(number, previous)
        self._signal_handlers.clear()

    async def stop(self) -> None:
        self._unwatch_shutdown()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._credentials = None
        self._listening = False

    async def _listen(self) -> None:
        import asyncpg

        assert self._credentials is not None and self._ready is not None
        failures = 0
        first = True
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(
                    **self._credentials, timeout=10, server_settings={"application_name": APPLICATION_NAME}
                )
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(PG_CHANNEL, self._on_notification)
                self._listening = True
                self._ready.set()
                if not first:
                    log.info("live updates: listener connection is back")
                    self._fan_out_all(RESYNC)  # notifications sent meanwhile are lost: read again
                first, failures = False, 0
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), HEALTH_INTERVAL)
                    except TimeoutError:
                        await connection.execute("SELECT 1")  # raises when the server is gone
                raise ConnectionError("listener connection closed")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: retry, never crash the app
                failures += 1
                log.warning("live updates: listener connection failed (%s), retrying", type(error).__name__)
            finally:
                self._listening = False
                if self._ready is not None:
                    self._ready.clear()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), 2)
                    if not connection.is_closed():
                        connection.terminate()
            await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1])

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            channel, data = message["c"], message["d"]
        except (ValueError, KeyError, TypeError):
            log.warning("live updates: unreadable notification ignored")
            return
        self._fan_out(channel, data)

    # --- messages -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def subscribe(self, channel: str) -> Iterator[Subscription]:
        """Receive the messages of `channel` until the block ends (a closed stream unsubscribes)."""
        subscription = Subscription(channel)
        self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[channel]

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def _fan_out(self, channel: str, data: dict[str, Any]) -> None:
        for subscription in list(self._subscribers.get(channel, ())):
            subscription.deliver(data)

    def _fan_out_all(self, data: dict[str, Any]) -> None:
        for channel in list(self._subscribers):
            self._fan_out(channel, data)

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Send `data` to the channel's subscribers in every process. Never raises."""
        try:
            if not self.postgres:
                self._fan_out(channel, data)
                return
            payload = json.dumps({"c": channel, "d": data}, separators=(",", ":"))
            if len(payload.encode()) > MAX_PAYLOAD:
                payload = json.dumps({"c": channel, "d": RESYNC})
            try:
                from tortoise import connections

                await connections.get("default").execute_query(
                    "SELECT pg_notify($1, $2)", [PG_CHANNEL, payload]
                )
            except Exception:
                log.warning("live updates: could not notify the other processes", exc_info=True)
                self._fan_out(channel, data)
                return
            if not self._listening:  # our own notification will not come back: deliver it here
                self._fan_out(channel, data)
        except Exception:
            log.exception("live updates: publish failed")


broker = Broker()


async def publish(channel: str, data: dict[str, Any]) -> None:
    await broker.publish(channel, data)


def subscribe(channel: str):
    return broker.subscribe(channel)
