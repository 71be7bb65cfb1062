"""Shared fixtures: a fresh database per test (SQLite in memory, or PostgreSQL when
TEST_DATABASE_URL says so), the app over httpx's ASGI transport, and a real SMTP server.

On PostgreSQL the run creates one database (schema generated once) and every test starts from
empty tables (TRUNCATE ... RESTART IDENTITY): as fresh as a new database, without paying
CREATE DATABASE and the schema for each of two thousand tests.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from tortoise.backends.base.config_generator import generate_config
from tortoise.context import TortoiseContext, tortoise_test_context

from events import i18n
from events.app import create_app
from events.db import MODEL_MODULES, normalise_url
from events.domain import passwords
from events.domain.branding import DEFAULT as DEFAULT_BRANDING
from events.mail import deliver_pending
from events.settings import Settings

TEST_DATABASE_URL = normalise_url(os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:"))
BASE_URL = "http://testserver"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def no_rehash_on_login(monkeypatch):
    """Test users sign in with the cheap CHEAP_HASH (tests/helpers.py): replacing it by a hash at
    production cost at every sign-in would slow the whole suite. tests/domain/test_password_rehash.py
    turns it back on."""
    monkeypatch.setattr(passwords, "REHASH_ON_LOGIN", False)


@pytest.fixture
def language():
    """Set the current language for a test (`language("fr")`, as often as needed), and put the
    previous one back afterwards."""
    tokens = []

    def use(code: str) -> None:
        tokens.append(i18n.set_language(code))

    yield use
    for token in reversed(tokens):
        i18n._current.reset(token)


@pytest.fixture
def english():
    """Messages read in English, the source language (outside a request, the default is French).
    A module of domain tests takes it for each test with `pytestmark = pytest.mark.usefixtures("english")`."""
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


@pytest.fixture
def settings(smtp, tmp_path) -> Settings:
    return Settings(
        testing=True,
        upload_dir=tmp_path / "uploads",
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
        base_url=BASE_URL,
        database_url=TEST_DATABASE_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}",
        mail_from="hackcity <noreply@testserver>",
        default_language="en",
        fetch_allow_private=True,  # the local portal server listens on 127.0.0.1
    )


ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")


@pytest.fixture(scope="session")
def postgres_run_database():
    """One PostgreSQL database for the whole run, with the schema; dropped at the end."""
    if not ON_POSTGRES:
        yield None
        return
    url = TEST_DATABASE_URL.replace("{}", "run_" + uuid.uuid4().hex[:12])

    async def create() -> None:
        async with TortoiseContext() as ctx:
            await ctx.init(config=_config(url), _create_db=True)
            await ctx.generate_schemas(safe=False)
            # A test database needs no durability: commits return without waiting for the disk.
            await ctx.connections.get("default").execute_script(
                f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET synchronous_commit = off'
            )

    asyncio.run(create())
    yield url
    asyncio.run(drop_postgres_database(url, url.rsplit("/", 1)[1]))


def _config(url: str) -> dict:
    return generate_config(url, app_modules={"models": MODEL_MODULES}, testing=False)


async def _empty_tables(ctx: TortoiseContext) -> None:
    """Empty every table and restart its id sequence. DELETE with foreign-key triggers off is
    much faster than TRUNCATE on tables this small (TRUNCATE makes new files for each)."""
    tables = [model._meta.db_table for model in ctx.apps.get_models_iterable()]
    deletes = "".join(f'DELETE FROM "{table}";' for table in tables)  # noqa: S608 (our table names)
    restarts = ", ".join(f"setval(pg_get_serial_sequence('\"{table}\"', 'id'), 1, false)" for table in tables)
    await ctx.connections.get("default").execute_script(
        f"SET session_replication_role = replica;{deletes}"
        f"SET session_replication_role = DEFAULT;SELECT {restarts};"
    )


@pytest.fixture
async def db(postgres_run_database):
    if postgres_run_database is None:
        async with tortoise_test_context(MODEL_MODULES, db_url=TEST_DATABASE_URL) as ctx:
            yield ctx
        return
    async with TortoiseContext() as ctx:
        await ctx.init(config=_config(postgres_run_database))
        await _empty_tables(ctx)
        yield ctx


async def drop_postgres_database(url: str, database: str) -> None:
    import asyncpg

    server = url.rsplit("/", 1)[0]
    admin = await asyncpg.connect(server + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def app(settings, db):
    app = create_app(settings, manage_database=False)
    # Pages read the instance's settings from a per-process cache, filled by the first request: tests
    # start in the steady state (an empty database has the default settings), so that counting a
    # page's queries counts the page's own. tests/routes/test_branding.py reads them from the database.
    app.state.branding.prime(DEFAULT_BRANDING)
    return app


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 50000)), base_url=BASE_URL
    ) as http:
        yield http


@pytest.fixture
def make_client(app):
    """More browsers (each with its own cookies) against the same app."""
    opened: list[httpx.AsyncClient] = []

    def factory(client_host: str = "203.0.113.8") -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(client_host, 50001)), base_url=BASE_URL
        )
        opened.append(http)
        return http

    yield factory
    for http in opened:
        # closing an ASGITransport client does no I/O worth awaiting in teardown
        del http


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SMTPServer:
    def __init__(self, controller: Controller, mailbox: Mailbox) -> None:
        self.controller = controller
        self.mailbox = mailbox
        self.port = controller.port

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages

    def last_to(self, address: str) -> EmailMessage:
        for message in reversed(self.messages):
            if message["To"] == address:
                return message
        raise AssertionError(f"no mail to {address}")

    def link_in(self, message: EmailMessage, path_prefix: str) -> str:
        body = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(re.escape(BASE_URL + path_prefix) + r"\S+", body)
        assert match, body
        return match.group(0).removeprefix(BASE_URL)


@pytest.fixture(scope="session")
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SMTPServer(controller, mailbox)
    controller.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-compatible server (tests/s3.py), started once per test process when asked for."""
    from tests.s3 import S3Server

    server = S3Server(free_port())
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, monkeypatch):
    """A new empty bucket on the local server, and the credentials the app's S3 client reads from
    the environment (tests/s3.py)."""
    from tests.s3 import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_server.new_bucket()


@pytest.fixture
def outbox(settings, smtp):
    """Deliver what the app queued, through the real SMTP server; returns the server."""
    smtp.messages.clear()

    async def flush() -> SMTPServer:
        await deliver_pending(
            smtp_url=settings.smtp_url, mail_from=settings.mail_from, base_url=settings.base_url
        )
        return smtp

    return flush
