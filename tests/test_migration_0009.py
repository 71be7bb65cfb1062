"""Migration 0009 (retention, voters made nullable): one vote per account and session still holds
after the public_vote table is rebuilt (SQLite's AlterField drops the UNIQUE constraint otherwise),
and anonymised votes (no voter) may be many."""

from __future__ import annotations

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError

from events.db import tortoise_config
from tests.test_migration_0008 import _migrate, database_url

__all__ = ["database_url"]


async def test_one_vote_per_account_and_session_survives_the_migration(database_url):
    await _migrate(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Challenge, Entry, Event, JurySession, PublicVote, Round, Team, User

        event = await Event.create(slug="e", title="E")
        assert event.retention_months == 12 and event.purged_at is None
        stage = await Round.create(event=event, name="R", position=1)
        challenge = await Challenge.create(event=event, slug="c", title="C")
        team = await Team.create(event=event, name="T", name_key="t", invite_token_hash="h")
        entry = await Entry.create(event=event, team=team, round=stage, challenge=challenge, title="X")
        session = await JurySession.create(event=event, round=stage, name="J")
        voter = await User.create(email="v@example.org", name="V", password_hash="!")
        await PublicVote.create(session=session, user=voter, entry=entry)
        with pytest.raises(IntegrityError):
            await PublicVote.create(session=session, user=voter, entry=entry)
        await PublicVote.create(session=session, user=None, entry=entry)
        await PublicVote.create(session=session, user=None, entry=entry)
        assert await PublicVote.filter(session_id=session.id).count() == 3
        await voter.delete()  # the vote stays, without its voter
        assert await PublicVote.filter(session_id=session.id, user_id__isnull=True).count() == 3


async def test_events_already_there_get_the_default_retention(database_url):
    await _migrate(database_url, target="models.0008_dataset_unique_import")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        await ctx.connections.get("default").execute_script(
            "INSERT INTO event (slug, title, kind, summary, description, location, timezone, status, "
            "created_at, allow_challenge_proposals, challenges_per_team, eligible_domains, gallery, "
            "registration_questions, rules) VALUES ('old', 'Old', 'hackathon', '', '', '', 'Europe/Paris', "
            "'published', CURRENT_TIMESTAMP, FALSE, 1, '', 'auto', '[]', '')"
        )

    await _migrate(database_url)

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        from events.models import Event

        assert await Event.all().values_list("slug", "retention_months", "purged_at") == [("old", 12, None)]
