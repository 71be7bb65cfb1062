"""Migration 0016 on a database that already holds invitations: they keep their role, token and
challenge, get an empty name and team, and a participant's invitation can be stored next to them, on
both databases."""

from __future__ import annotations

from tortoise.context import TortoiseContext

from events.db import tortoise_config
from tests.test_migration_0008 import _migrate, database_url  # noqa: F401 (fixture)


async def test_existing_invitations_are_kept_and_participants_can_be_invited(database_url):  # noqa: F811
    await _migrate(database_url, target="models.0015_reuses")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Event

        event = await Event.create(slug="e", title="E")
        # the table as 0015 left it: no name, no team_name, so plain SQL
        conn = ctx.connections.get("default")
        insert = "INSERT INTO invitation (event_id, email, role, token_hash, created_at) VALUES "
        await conn.execute_query(
            insert + f"({int(event.id)}, 'juror@example.org', 'juror', '{'a' * 64}', CURRENT_TIMESTAMP)"
        )

    await _migrate(database_url)

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Invitation, InvitedRole

        kept = await Invitation.get(email="juror@example.org")
        assert (kept.role, kept.token_hash, kept.name, kept.team_name) == ("juror", "a" * 64, "", "")
        await Invitation.create(
            event_id=kept.event_id,
            email="ada@example.org",
            role=InvitedRole.PARTICIPANT,
            name="Ada",
            team_name="Les Écureuils",
            token_hash="b" * 64,
        )
        invited = await Invitation.get(email="ada@example.org")
        assert (invited.role, invited.name, invited.team_name) == ("participant", "Ada", "Les Écureuils")
