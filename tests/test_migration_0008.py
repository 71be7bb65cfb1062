"""Migration 0008 on a database that already holds datasets: the ones entered by hand lose their empty
remote id (NULL now), imported ones keep theirs, and the new unique constraint holds on both databases."""

from __future__ import annotations

import uuid

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate as migrate_api

from events.db import tortoise_config
from tests.conftest import TEST_DATABASE_URL


async def _migrate(url: str, target: str | None = None) -> None:
    config = tortoise_config(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await migrate_api(config=config, target=target)


@pytest.fixture
async def database_url(tmp_path):
    if not TEST_DATABASE_URL.startswith("postgres"):
        yield f"sqlite://{tmp_path}/migrated.sqlite3"
        return
    import asyncpg

    url = TEST_DATABASE_URL.replace("{}", "mig8_" + uuid.uuid4().hex[:12])
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    await admin.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    await admin.close()
    try:
        yield url
    finally:
        admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await admin.close()


async def test_manual_datasets_get_a_null_remote_id_and_imports_become_unique(database_url):
    await _migrate(database_url, target="models.0007_live_votes_awards")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Dataset, Event, PortalKind

        # The event table as it was at 0007 (the model has grown since): a row written by hand.
        conn = ctx.connections.get("default")
        await conn.execute_script(
            "INSERT INTO event (slug, title, kind, summary, description, location, timezone, status, "
            "created_at, allow_challenge_proposals, challenges_per_team, eligible_domains, gallery, "
            "registration_questions, rules) VALUES ('e', 'E', 'hackathon', '', '', '', 'Europe/Paris', "
            "'draft', CURRENT_TIMESTAMP, FALSE, 1, '', 'auto', '[]', '')"
        )
        event = await Event.filter(slug="e").only("id").get()
        first = await Dataset.create(
            event=event, title="By hand 1", portal_kind=PortalKind.MANUAL, remote_id=""
        )
        second = await Dataset.create(
            event=event, title="By hand 2", portal_kind=PortalKind.MANUAL, remote_id=""
        )
        imported = await Dataset.create(
            event=event, title="Imported", portal_kind=PortalKind.UDATA, remote_id="x1"
        )

    await _migrate(database_url)

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Dataset, PortalKind

        assert (await Dataset.get(id=first.id)).remote_id is None
        assert (await Dataset.get(id=second.id)).remote_id is None
        assert (await Dataset.get(id=imported.id)).remote_id == "x1"
        await Dataset.create(event_id=event.id, title="By hand 3", portal_kind=PortalKind.MANUAL)
        with pytest.raises(IntegrityError):
            await Dataset.create(
                event_id=event.id, title="Twice", portal_kind=PortalKind.UDATA, remote_id="x1"
            )
        assert await Dataset.filter(event_id=event.id).count() == 4
