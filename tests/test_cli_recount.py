"""`hackcity recount SESSION_ID`: the results recounted from the score log against the stored ones,
entry by entry, with exit code 0 when they are equal, 1 when they differ, 2 without such a session.

The command runs as a user runs it (a separate process on a database file); the jury is built
beforehand through the domain, in this process, on the same file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from tortoise.context import TortoiseContext

from events.db import tortoise_config
from events.domain import sessions
from events.models import ScoreLogEntry
from tests.jury_world import NOW, make_jury_world, score


async def _closed_jury(url: str) -> tuple[int, list[int]]:
    """A jury of three entries, two scored by both jurors, locked (its results frozen)."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()
        world = await make_jury_world()
        await score(world, world.jurors[0], world.entries[0], 8)
        await score(world, world.jurors[1], world.entries[0], 5)
        await score(world, world.jurors[0], world.entries[1], 3)
        await score(world, world.jurors[1], world.entries[1], 6)
        await sessions.set_session_status(
            session=world.session, status="closed", now=NOW + timedelta(minutes=5)
        )
        return world.session.id, [entry.id for entry in world.entries]


async def _rewrite_the_log(url: str, entry_id: int) -> None:
    """A score in the log changed after the results were frozen (what the recount must catch)."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        changed = await ScoreLogEntry.filter(sheet__entry_id=entry_id, field="value").order_by("id").first()
        await ScoreLogEntry.filter(id=changed.id).update(new_value="1.0")


def _recount(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40}
    return subprocess.run(
        [sys.executable, "-m", "events.cli", "recount", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_recount_prints_each_entry_and_exits_0_when_the_log_gives_the_stored_results(tmp_path):
    url = f"sqlite://{tmp_path}/recount.sqlite3"
    session_id, entry_ids = await _closed_jury(url)

    result = _recount(url, str(session_id))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f'Jury session {session_id} "Final jury": the score log recounted against the results frozen '
        "when the session was locked."
    )
    assert sorted(lines[1:4]) == sorted(
        [
            f'entry {entry_ids[0]} "Entry 0" (Team 0): stored 65, recounted 65, counted sheets 2/2: equal',
            f'entry {entry_ids[1]} "Entry 1" (Team 1): stored 45, recounted 45, counted sheets 2/2: equal',
            f'entry {entry_ids[2]} "Entry 2" (Team 2): stored –, recounted –, counted sheets 0/0: equal',
        ]
    )
    assert lines[4:] == ["Equal: the recount gives the stored results for all 3 entries."]


async def test_recount_exits_1_and_names_the_entry_when_the_log_was_rewritten(tmp_path):
    url = f"sqlite://{tmp_path}/recount.sqlite3"
    session_id, entry_ids = await _closed_jury(url)
    await _rewrite_the_log(url, entry_ids[0])

    result = _recount(url, str(session_id))

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert (
        f'entry {entry_ids[0]} "Entry 0" (Team 0): stored 65, recounted 30, counted sheets 2/2: '
        "DIFFERENT (rank, raw_mean, score)"
    ) in lines
    assert lines[-1] == "Different: the recount differs from the stored results for 2 of 3 entries."


async def test_recount_of_an_unknown_session_exits_2(tmp_path):
    url = f"sqlite://{tmp_path}/recount.sqlite3"
    session_id, _entry_ids = await _closed_jury(url)

    unknown = _recount(url, str(session_id + 1))
    garbage = _recount(url, "abc")

    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr == f"hackcity: no jury session '{session_id + 1}'\n"
    assert (garbage.returncode, garbage.stderr) == (2, "hackcity: no jury session 'abc'\n")
