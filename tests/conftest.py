"""Shared fixtures: a fresh database per test (SQLite in memory, or PostgreSQL when
TEST_DATABASE_URL says so), the app over httpx's ASGI transport, and a real SMTP server."""

from __future__ import annotations

import os
import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from tortoise.context import tortoise_test_context

from events.app import create_app
from events.db import MODEL_MODULES, normalise_url
from events.mail import deliver_pending
from events.settings import Settings

TEST_DATABASE_URL = normalise_url(os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:"))
BASE_URL = "http://testserver"
PASSWORD = "correct horse battery staple"


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


@pytest.fixture
async def db():
    async with tortoise_test_context(MODEL_MODULES, db_url=TEST_DATABASE_URL) as ctx:
        database = getattr(ctx.connections.get("default"), "database", None)
        yield ctx
    if TEST_DATABASE_URL.startswith("postgres") and database:
        # tortoise_test_context creates a database per test but leaves it behind on PostgreSQL
        await drop_postgres_database(TEST_DATABASE_URL, database)


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
    return create_app(settings, manage_database=False)


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


@pytest.fixture
def outbox(settings, smtp):
    """Deliver what the app queued, through the real SMTP server; returns the server."""
    smtp.messages.clear()

    async def flush() -> SMTPServer:
        await deliver_pending(smtp_url=settings.smtp_url, mail_from=settings.mail_from)
        return smtp

    return flush
