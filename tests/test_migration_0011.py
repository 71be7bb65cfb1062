"""Migration 0011 on a database that already holds dataset declarations: each one gets the dataset's
current version (its last update at the source, else its last fetch) as the version it declared,
the best estimate there is for declarations made before the field existed, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.context import TortoiseContext

from events.db import tortoise_config
from tests.entry_world import make_entry_world
from tests.test_migration_0008 import _migrate, database_url  # noqa: F401 (fixture)

UPDATED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
FETCHED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


async def test_existing_declarations_get_the_dataset_version_of_today(database_url):  # noqa: F811
    await _migrate(database_url, target="models.0010_reliab_claims_and_throttle")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Dataset, Entry

        world = await make_entry_world()
        await Dataset.filter(id=world.dataset.id).update(last_modified=UPDATED, fetched_at=FETCHED)
        await Dataset.filter(id=world.restricted.id).update(fetched_at=FETCHED)
        bare = await Dataset.create(event=world.event, title="Never fetched")
        entry = await Entry.create(
            event=world.event, team=world.team_a, round=world.stage, challenge=world.challenge, title="Bus"
        )
        # the table as 0010 left it: no declared_version column, so plain SQL
        conn = ctx.connections.get("default")
        for dataset in (world.dataset, world.restricted, bare):
            insert = "INSERT INTO entry_dataset (entry_id, dataset_id, note) VALUES "
            await conn.execute_query(insert + f"({int(entry.id)}, {int(dataset.id)}, '')")

    await _migrate(database_url)

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import EntryDataset

        versions = dict(
            await EntryDataset.filter(entry_id=entry.id).values_list("dataset_id", "declared_version")
        )
        assert versions == {world.dataset.id: UPDATED, world.restricted.id: FETCHED, bare.id: None}
