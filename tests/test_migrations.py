"""The committed migrations match the models and build a working schema on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from events.cli import apply_migrations
from events.db import tortoise_config
from tests.conftest import TEST_DATABASE_URL


async def test_models_and_migrations_do_not_drift():
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        changes = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    pending = [op for writer in changes for op in writer.operations]
    assert pending == [], "models changed without a migration: run `.venv/bin/tortoise makemigrations`"


def _fresh_database_url(tmp_path) -> str:
    if TEST_DATABASE_URL.startswith("postgres"):
        return TEST_DATABASE_URL.replace("{}", "mig_" + uuid.uuid4().hex[:12])
    return f"sqlite://{tmp_path}/migrated.sqlite3"


async def test_migrations_build_the_schema_and_run_twice(tmp_path):
    url = _fresh_database_url(tmp_path)
    if url.startswith("postgres"):
        import asyncpg

        admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
        await admin.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        await admin.close()
    try:
        await apply_migrations(url, quiet=True)
        await apply_migrations(url, quiet=True)  # idempotent: nothing left to apply
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            from events.models import Event, User

            user = await User.create(email="m@example.org", name="M", password_hash="!")
            event = await Event.create(slug="e", title="E")
            assert (await User.get(id=user.id)).email == "m@example.org"
            assert await Event.filter(slug="e").count() == 1
            if url.startswith("sqlite"):
                conn = ctx.connections.get("default")
                _, rows = await conn.execute_query("PRAGMA journal_mode")
                assert rows[0][0].lower() == "wal"
                _, rows = await conn.execute_query("PRAGMA foreign_keys")
                assert rows[0][0] == 1
                _, rows = await conn.execute_query("PRAGMA busy_timeout")
                assert rows[0][0] >= 5000
            await event.delete()
    finally:
        if url.startswith("postgres"):
            import asyncpg

            admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
            await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            await admin.close()


def test_cli_migrate_seed_and_createadmin(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "SECRET_KEY": "x" * 40,
        "HACKCITY_ADMIN_PASSWORD": "a very long admin passphrase",
    }
    run = [sys.executable, "-m", "events.cli"]
    subprocess.run([*run, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    seeded = subprocess.run([*run, "seed"], env=env, check=True, capture_output=True, text=True, timeout=60)
    assert "Demo data loaded." in seeded.stdout
    again = subprocess.run([*run, "seed"], env=env, check=True, capture_output=True, text=True, timeout=60)
    assert "not loaded" in again.stdout
    admin = subprocess.run(
        [*run, "createadmin", "--email", "Boss@Example.org", "--name", "Boss"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "boss@example.org" in admin.stdout
    weak = subprocess.run(
        [*run, "createadmin", "--email", "weak@example.org"],
        env={**env, "HACKCITY_ADMIN_PASSWORD": "password"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert weak.returncode == 2
    assert "password" in weak.stderr


def test_cli_serve_refuses_default_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DATABASE_URL"] = f"sqlite://{tmp_path}/x.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "events.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
