"""Live updates across processes on PostgreSQL (LISTEN/NOTIFY).

- Two brokers with their own listener connections hear each other's messages, and a broker whose
  connection is killed reconnects and tells its subscribers to read everything again.
- Two uvicorn processes of the app on the same database: the control room's stream is read on
  process A while a juror saves a score, and an organiser presses "Next slot", on process B; the
  stage screen's stream, opened with its sharing link on process A, follows the next slots, their
  timer and the reveal of an award pressed on process B.

Skipped on SQLite (one process by design): CI runs the suite on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from events.broker import APPLICATION_NAME, RESYNC, Broker
from events.domain import live as live_rules
from events.domain.awards import give_award
from events.models import Award, JurySession, SlotStatus
from tests.conftest import ON_POSTGRES, free_port
from tests.helpers import DEFAULT_PASSWORD, TOKEN_RE
from tests.routes.test_live import _control, _world

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="live updates between processes need PostgreSQL: set TEST_DATABASE_URL=postgres://... to run",
)

ROOT = Path(__file__).resolve().parents[1]
ARRIVAL_TIMEOUT = 5.0  # seconds for a message to reach the other process
STARTUP_TIMEOUT = 30.0


# --- two brokers, two listener connections ----------------------------------------------------------


async def test_two_brokers_hear_each_other_through_postgres(db, postgres_run_database):
    one, two = Broker(), Broker()
    await one.start(postgres_run_database)
    await two.start(postgres_run_database)
    try:
        assert (one.postgres, one.listening, two.postgres, two.listening) == (True, True, True, True)
        with one.subscribe("jury-session:1") as first, two.subscribe("jury-session:1") as second:
            with two.subscribe("jury-session:2") as elsewhere:
                await one.publish("jury-session:1", {"type": "progress", "juror": 7})

                assert await first.get(wait=ARRIVAL_TIMEOUT) == {"type": "progress", "juror": 7}
                assert await second.get(wait=ARRIVAL_TIMEOUT) == {"type": "progress", "juror": 7}
                assert await elsewhere.get(wait=0.2) is None
    finally:
        await one.stop()
        await two.stop()
    assert not one.listening


async def test_a_killed_listener_connection_reconnects_and_asks_for_a_resync(db, postgres_run_database):
    broker = Broker()
    await broker.start(postgres_run_database)
    try:
        with broker.subscribe("jury-session:3") as subscription:
            await connections.get("default").execute_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = current_database()",
                [APPLICATION_NAME],
            )

            assert await subscription.get(wait=15) == RESYNC
            assert broker.listening
            await broker.publish("jury-session:3", {"type": "slot"})
            assert await subscription.get(wait=ARRIVAL_TIMEOUT) == {"type": "slot"}
    finally:
        await broker.stop()


# --- two processes of the app ---------------------------------------------------------------------


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen, log_path: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _start(database_url: str, secret_key: str, workdir: Path, name: str) -> Server:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "BASE_URL": base_url,
        "SMTP_URL": "",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "DEFAULT_LANGUAGE": "en",
        "DEBUG": "0",
    }
    log_path = workdir / f"{name}.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "events.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return Server(base_url, process, log_path)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.base_url} exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.base_url} did not start within {STARTUP_TIMEOUT} s:\n{server.log()}")


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def two_servers(postgres_run_database, tmp_path) -> Iterator[tuple[Server, Server]]:
    secret_key = secrets.token_urlsafe(36)  # both processes sign the same cookies
    servers = [_start(postgres_run_database, secret_key, tmp_path, name) for name in ("a", "b")]
    try:
        for server in servers:
            _wait_until_healthy(server)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            _stop(server)


async def _signed_in(base_url: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    page = await client.get("/login")
    token = TOKEN_RE.search(page.text).group(1)
    response = await client.post(
        "/login", data={"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 303, response.text
    return client


async def _post(client: httpx.AsyncClient, url: str, data: dict, page: str) -> httpx.Response:
    token = TOKEN_RE.search((await client.get(page)).text).group(1)
    return await client.post(url, data={"csrf_token": token, **data})


async def _read_events(response: httpx.Response, into: asyncio.Queue) -> None:
    name = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name:
            await into.put((name, json.loads(line.removeprefix("data: "))))
            name = None


async def _next_event(queue: asyncio.Queue, wanted: str, check=lambda data: True) -> dict:
    """The first `wanted` event that passes `check`, within ARRIVAL_TIMEOUT seconds."""
    deadline = asyncio.get_running_loop().time() + ARRIVAL_TIMEOUT
    while True:
        left = deadline - asyncio.get_running_loop().time()
        try:
            name, data = await asyncio.wait_for(queue.get(), max(left, 0.01))
        except TimeoutError:
            raise AssertionError(f"no {wanted} event within {ARRIVAL_TIMEOUT} s") from None
        if name == wanted and check(data):
            return data


async def test_a_score_saved_on_one_process_reaches_the_stream_of_another(db, two_servers):
    server_a, server_b = two_servers
    world = await _world()
    juror = world.jurors[0]
    entry_url = f"/events/{world.event.slug}/jury/{world.session.id}/entries/{world.entries[0].id}"
    watcher = await _signed_in(server_a.base_url, "orga@example.org")
    scorer = await _signed_in(server_b.base_url, juror.email)
    organiser_b = await _signed_in(server_b.base_url, "orga@example.org")
    events: asyncio.Queue = asyncio.Queue()
    try:
        async with watcher.stream("GET", _control(world, "/events"), timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            reader = asyncio.create_task(_read_events(stream, events))
            try:
                await _next_event(events, "progress")  # the first state: process A is listening

                saved = await _post(
                    scorer,
                    entry_url,
                    {f"criterion_{world.criteria[0].id}": "8", "action": "submit"},
                    page=entry_url,
                )
                assert saved.status_code == 303, (saved.status_code, server_b.log())
                progress = await _next_event(
                    events,
                    "progress",
                    lambda data: {"id": juror.id, "submitted": 1, "assigned": 3} in data["jurors"],
                )
                assert len(progress["jurors"]) == 2

                await _post(
                    organiser_b, _control(world, "/agenda/build"), {"duration": "5"}, page=_control(world)
                )
                pressed = await _post(organiser_b, _control(world, "/next"), {}, page=_control(world))
                assert pressed.status_code == 303
                slot = await _next_event(events, "slot", lambda data: data["current"] is not None)
                assert (slot["current"]["title"], slot["current"]["duration_minutes"]) == ("Entry 0", 5)
                assert slot["slots"][0]["status"] == SlotStatus.LIVE
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
    finally:
        for client in (watcher, scorer, organiser_b):
            await client.aclose()
    assert re.search(r"hackcity\.live.*listener connection failed", server_a.log()) is None


async def test_the_stage_screen_on_one_process_follows_the_control_room_on_another(db, two_servers):
    """The projector opens the sharing link on process A; the organiser, on process B, starts the
    pitches, locks the session and reveals an award: the stage's stream follows each step, and the
    award not revealed yet never reaches it."""
    server_a, server_b = two_servers
    world = await _world()
    organiser_b = await _signed_in(server_b.base_url, "orga@example.org")
    control = (await organiser_b.get(_control(world))).text
    link = re.search(r'id="stage-link" class="stage-link" type="text" readonly value="([^"]+)"', control)
    assert link is not None, control[-2000:]
    stage_url = link.group(1).replace(server_b.base_url, "", 1).replace("&amp;", "&")
    path, query = stage_url.split("?", 1)
    projector = httpx.AsyncClient(base_url=server_a.base_url, timeout=10)
    assert (await projector.get(path)).status_code == 404  # not public: the link is needed
    events: asyncio.Queue = asyncio.Queue()
    try:
        async with projector.stream("GET", f"{path}/events?{query}", timeout=30) as stream:
            assert stream.status_code == 200
            reader = asyncio.create_task(_read_events(stream, events))
            try:
                first = await _next_event(events, "stage")
                assert first["phase"] == "before"

                await _post(organiser_b, _control(world, "/agenda/build"), {"duration": "7"}, _control(world))
                await _post(organiser_b, _control(world, "/next"), {}, _control(world))
                pitch = await _next_event(events, "stage", lambda data: data["phase"] == "pitch")
                assert '<p class="stage__team">Team 0</p>' in pitch["html"]
                assert "Next: Team 1, Entry 0" not in pitch["html"]
                assert "Next: Team 1, Entry 1" in pitch["html"]
                started = await live_rules.current_slot(world.session)
                assert pitch["timer_end"] == (started.started_at + timedelta(minutes=7)).isoformat()

                await _post(organiser_b, _control(world, "/next"), {}, _control(world))
                following = await _next_event(
                    events, "stage", lambda data: '<p class="stage__team">Team 1</p>' in data["html"]
                )
                assert following["timer_end"] != pitch["timer_end"]

                await _post(organiser_b, _control(world, "/lock-session"), {}, _control(world))
                await _next_event(events, "stage", lambda data: data["phase"] == "awards")
                session = await JurySession.get(id=world.session.id)
                first_prize = await give_award(
                    session=session,
                    challenge_id=world.challenge.id,
                    entry_id=world.entries[2].id,
                    title="First prize",
                )
                second_prize = await give_award(
                    session=session,
                    challenge_id=world.challenge.id,
                    entry_id=world.entries[1].id,
                    title="Second prize",
                )
                revealed = await _post(
                    organiser_b, _control(world, "/stage/reveal"), {"step": "next"}, _control(world)
                )
                assert revealed.status_code == 303
                shown = await _next_event(events, "stage", lambda data: "data-award" in data["html"])
                assert f'data-award="{second_prize.id}"' in shown["html"]
                assert f'data-award="{first_prize.id}"' not in shown["html"]
                assert "Team 2" not in shown["html"]
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
    finally:
        for client in (projector, organiser_b):
            await client.aclose()
    assert (await Award.get(id=second_prize.id)).revealed_at is not None
    assert (await Award.get(id=first_prize.id)).revealed_at is None
