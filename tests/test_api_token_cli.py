"""`hackcity api-token`: a personal API token made from the command line (scripts, CI), on a migrated
SQLite file, as an operator runs it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys

from tortoise import Tortoise

from events.cli import apply_migrations
from events.db import tortoise_config


async def _prepare(url: str) -> None:
    from events.models import Event, EventRole, Role, User

    await apply_migrations(url, quiet=True)
    await Tortoise.init(config=tortoise_config(url))
    try:
        event = await Event.create(slug="city-hack", title="City hack")
        organiser = await User.create(email="org@example.org", name="Org", password_hash="!")
        await User.create(email="other@example.org", name="Other", password_hash="!")
        await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    finally:
        await Tortoise.close_connections()


async def _tokens(url: str) -> list[tuple]:
    from events.models import ApiToken

    await Tortoise.init(config=tortoise_config(url))
    try:
        return list(
            await ApiToken.all().values_list("user__email", "event__slug", "scope", "name", "token_hash")
        )
    finally:
        await Tortoise.close_connections()


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "events.cli", "api-token", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_api_token_command_prints_a_token_for_an_organiser_only(tmp_path):
    url = f"sqlite://{tmp_path}/tokens.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40, "DEFAULT_LANGUAGE": "en"}
    env.pop("TEST_DATABASE_URL", None)
    asyncio.run(_prepare(url))

    made = _run(env, "--email", "ORG@example.org", "--event", "city-hack", "--scope", "write", "--name", "ci")
    not_organiser = _run(env, "--email", "other@example.org", "--event", "city-hack")
    unknown = _run(env, "--email", "nobody@example.org", "--event", "city-hack")

    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("hc_") and len(secret) == 46
    assert asyncio.run(_tokens(url)) == [
        ("org@example.org", "city-hack", "write", "ci", hashlib.sha256(secret.encode()).hexdigest())
    ]
    assert not_organiser.returncode == 2
    assert not_organiser.stdout == ""
    assert "event: " in not_organiser.stderr
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "No active account with this email address, or no event with this slug."
