"""`hackcity purge [--dry-run]` on a migrated SQLite file, as an operator runs it from cron."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from events.cli import apply_migrations
from events.db import tortoise_config


async def _prepare(url: str) -> None:
    from events.models import Event, Registration, Team, TeamMember, User, UserSession

    await apply_migrations(url, quiet=True)
    await Tortoise.init(config=tortoise_config(url))
    try:
        old = await Event.create(
            slug="old-hack", title="Old", ends_at=datetime.now(UTC) - timedelta(days=800)
        )
        recent = await Event.create(slug="recent-hack", title="Recent", ends_at=datetime.now(UTC))
        user = await User.create(email="p@example.org", name="P", password_hash="!")
        for event in (old, recent):
            await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
            team = await Team.create(event=event, name="T", name_key="t", invite_token_hash=f"h{event.id}")
            await TeamMember.create(team=team, event=event, user=user, is_captain=True)
        session = await UserSession.create(key_hash="k" * 64, user=user)
        await UserSession.filter(id=session.id).update(created_at=datetime.now(UTC) - timedelta(days=15))
    finally:
        await Tortoise.close_connections()


async def _state(url: str) -> tuple:
    from events.models import Event, Registration, Team, TeamMember, UserSession

    await Tortoise.init(config=tortoise_config(url))
    try:
        return (
            await Event.all().order_by("id").values_list("slug", "purged_at"),
            await Registration.all().order_by("id").values_list("event__slug", flat=True),
            await TeamMember.all().count(),
            await Team.all().count(),
            await UserSession.all().count(),
        )
    finally:
        await Tortoise.close_connections()


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "events.cli", "purge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_purge_command_dry_run_then_real_run_then_nothing_left(tmp_path):
    url = f"sqlite://{tmp_path}/purge.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40}
    env.pop("TEST_DATABASE_URL", None)
    asyncio.run(_prepare(url))
    before = asyncio.run(_state(url))

    dry = _run(env, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "Dry run: nothing is changed."
    assert lines[1].startswith("Event old-hack (id 1), retention over since ")
    assert "  registrations: 1 would be deleted" in lines
    assert "  team_members: 1 would be deleted" in lines
    assert "  teams_without_entries: 1 would be deleted" in lines
    assert "  jurors: 0 would be anonymised" in lines
    assert "Expired sessions: 1 would be deleted" in lines
    assert "recent-hack" not in dry.stdout
    assert asyncio.run(_state(url)) == before

    real = _run(env)

    assert real.returncode == 0, real.stderr
    assert "Dry run" not in real.stdout
    assert "  registrations: 1 deleted" in real.stdout.splitlines()
    assert "Expired sessions: 1 deleted" in real.stdout.splitlines()
    events, registrations, members, teams, sessions = asyncio.run(_state(url))
    assert [slug for slug, purged_at in events if purged_at is not None] == ["old-hack"]
    assert (registrations, members, teams, sessions) == (["recent-hack"], 1, 1, 0)

    again = _run(env)

    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "No event is past its retention period.",
        "Expired sessions: 0 deleted",
        "Old rate-limit counters: 0 deleted",
        "Old mail: 0 deleted",
        "Old webhook deliveries: 0 deleted",
    ]
    assert asyncio.run(_state(url)) == (events, registrations, members, teams, sessions)
