"""A webhook receiver for tests: a real HTTP server on 127.0.0.1, in a thread, that keeps every
request it gets (path, headers, raw body) and answers what the test planned: 200 by default, or a
list of statuses to give in turn (500 then 200...), a redirect, a slow answer.

Import the fixtures into a conftest or a test module:
`from tests.webhook_receiver import webhook_receiver, webhook_receiver_server`. The `webhook_receiver`
fixture is reset before and after each test. Browser tests can use it too: the app under uvicorn
reaches it when FETCH_ALLOW_PRIVATE=1 (loopback only).

    receiver.url("/hook")            # the address to register
    receiver.plan(500, 500, 200)     # the next answers, in order; then 200 again
    receiver.redirect_to(location)   # answer every request with a 302 to `location`
    receiver.slow(seconds)           # wait before answering
    receiver.requests                # what arrived: Received(path, headers, body)
    receiver.wait_for(n)             # block (in a thread) until n requests arrived
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from events.domain.webhooks import SIGNATURE_HEADER, verify_signature


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def signature(self) -> str:
        return self.headers.get(SIGNATURE_HEADER.lower(), "")

    def verifies(self, secret: str) -> bool:
        """Checked as docs/WEBHOOKS.md tells a receiver to."""
        return verify_signature(secret, self.signature, self.body)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[Received] = []
            self.planned: list[int] = []
            self.location = ""
            self.delay = 0.0


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args) -> None:  # quiet in the test output
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        state = self.server.state
        # Kept as it arrives, with the answer planned for it: a slow answer never lands in the next test.
        with state.arrived:
            status = state.planned.pop(0) if state.planned else 200
            location, delay = state.location, state.delay
            state.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            state.arrived.notify_all()
        if delay:
            time.sleep(delay)
        try:
            if location:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = b'{"ok": true}' if 200 <= status < 300 else b'{"error": "planned"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (timeout): expected in the slow tests

    def do_GET(self) -> None:  # a webhook is only ever POSTed: anything else is a mistake to see
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # workers send a batch at once: the default backlog (5) refuses some
    state: _State


class Receiver:
    """What tests see of the server."""

    def __init__(self, server: _Server) -> None:
        self.state = server.state
        host, port = server.server_address[:2]
        self.port = port
        self.base = f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def plan(self, *statuses: int) -> None:
        with self.state.lock:
            self.state.planned = list(statuses)

    def redirect_to(self, location: str) -> None:
        with self.state.lock:
            self.state.location = location

    def slow(self, seconds: float) -> None:
        with self.state.lock:
            self.state.delay = seconds

    @property
    def requests(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.requests)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The requests, once at least `count` arrived (AssertionError after `timeout` seconds)."""
        with self.state.arrived:
            if not self.state.arrived.wait_for(lambda: len(self.state.requests) >= count, timeout):
                raise AssertionError(f"{len(self.state.requests)} webhook request(s), expected {count}")
            return list(self.state.requests)


@pytest.fixture(scope="session")
def webhook_receiver_server():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = _State()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def webhook_receiver(webhook_receiver_server) -> Receiver:
    webhook_receiver_server.state.reset()
    yield Receiver(webhook_receiver_server)
    webhook_receiver_server.state.reset()
