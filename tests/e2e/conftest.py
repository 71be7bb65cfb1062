"""Browser tests: the real app under uvicorn in a subprocess, a real SMTP server, Chromium and axe-core.

Skipped unless HACKCITY_E2E=1 (`.ci/run` sets it), so `make test` stays fast. The server gets a fresh
SQLite file, the committed migrations and the demo seeds; its outbox worker delivers mail to an
aiosmtpd server running in this process.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

# The local open-data portal (a real HTTP server on 127.0.0.1) that the import form fetches from.
from tests.portal_server import portal, portal_server  # noqa: F401 (fixtures)

E2E_ENABLED = os.environ.get("HACKCITY_E2E") == "1"
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 30.0
MAIL_TIMEOUT = 10.0
# Generous, for a busy CI machine: a passing run never waits for them.
ACTION_TIMEOUT = 15_000
expect.set_options(timeout=ACTION_TIMEOUT)
PASSWORD = "a long and memorable passphrase"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if E2E_ENABLED:
        return
    skip = pytest.mark.skip(reason="browser tests: set HACKCITY_E2E=1 to run them")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a failure, show the end of the server's log next to the traceback (a 500's cause is there)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("server")
    if report.failed and isinstance(server, Server) and server.log_path.exists():
        tail = server.log_path.read_text(errors="replace").splitlines()[-80:]
        report.sections.append(("server log (last 80 lines)", "\n".join(tail)))
    return report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- mail -------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it receives; the tests wait on it from another thread."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, to: str, subject: str, timeout: float = MAIL_TIMEOUT) -> EmailMessage:
        """The latest message to `to` whose subject is `subject`, waiting for the outbox worker."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in reversed(self.messages):
                    if message["To"] == to and message["Subject"] == subject:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m["To"], m["Subject"]) for m in self.messages]
                    raise AssertionError(f"no mail {subject!r} to {to} within {timeout} s; got {seen}")
                self._arrived.wait(left)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


# --- the app ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path

    def link_in(self, message: EmailMessage, path_prefix: str) -> str:
        """The first link in a mail's text that starts with base_url + path_prefix."""
        body = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(re.escape(self.base_url + path_prefix) + r"\S+", body)
        assert match, body
        return match.group(0)


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "events.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"hackcity {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer {url} within {STARTUP_TIMEOUT} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("e2e")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite://{workdir / 'e2e.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "BASE_URL": base_url,
        "SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "MAIL_FROM": "hackcity <noreply@e2e.test>",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "DEFAULT_LANGUAGE": "en",
        "DEBUG": "0",
        # Lets the app fetch datasets from the local portal server, on 127.0.0.1 (loopback only).
        "FETCH_ALLOW_PRIVATE": "1",
    }
    # The working directory is the temporary one, so a developer's .env and data/ stay out of it.
    _run_cli(["migrate"], env, workdir)
    _run_cli(["seed"], env, workdir)
    log_path = workdir / "server.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "events.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(f"{base_url}/healthz", process, log_path)
        yield Server(base_url=base_url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def open_context(browser: Browser, server: Server, locale: str = "en-GB") -> BrowserContext:
    """A fresh browser context (its own cookies) whose Accept-Language follows `locale`."""
    context = browser.new_context(base_url=server.base_url, locale=locale)
    context.set_default_timeout(ACTION_TIMEOUT)
    return context


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context, by default in English."""
    contexts: list[BrowserContext] = []

    def factory(locale: str = "en-GB") -> Page:
        context = open_context(browser, server, locale)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe) -> Callable[[Page], None]:
    """Run axe-core on the page as it is now; fail with axe's report if it finds anything."""

    def check(page: Page) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


# --- shared steps -----------------------------------------------------------------------------


def unique_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.org"


@pytest.fixture
def sign_up() -> Callable[..., str]:
    """Create an account through the sign-up form (which signs the new person in); returns the email."""

    def step(page: Page, *, name: str = "Ada Lovelace", email: str | None = None) -> str:
        email = email or unique_email("ada")
        page.goto("/signup")
        page.get_by_label(re.compile(r"^Name")).fill(name)
        page.get_by_label(re.compile(r"^Email address")).fill(email)
        page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
        page.get_by_label(re.compile(r"^I accept the terms")).check()
        page.get_by_role("button", name="Create my account").click()
        page.wait_for_url("**/account")
        return email

    return step
