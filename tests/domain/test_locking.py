"""Locking is a point in time: whatever a jury session (or a pitch slot) accepted was saved before its
`locked_at`, the frozen results hold every logged change, and nothing is accepted after.

The race is made deterministic rather than hoped for: a juror's save is in flight (its transaction
holds the session: FOR SHARE on PostgreSQL, the one connection on SQLite) when the organiser closes
the session or locks the slot; the close starts and waits; the save then writes a second value, in
the same transaction, and commits. The close must take its instant only once it holds the lock,
after that commit. On SQLite and PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import contextvars
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from events.domain import jury, sessions
from events.domain import live as live_rules
from events.domain.errors import FormErrors
from events.models import JurySession, ScoreLogEntry, ScoreSheet, SessionStatus, SlotStatus
from tests.jury_world import make_jury_world

WAIT = 0.2  # long enough for the closing task to start and block on the lock the save holds


pytestmark = pytest.mark.usefixtures("english")


async def live_world():
    now = datetime.now(UTC)
    world = await make_jury_world(
        teams=2,
        jurors=1,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        open_session=False,
    )
    await sessions.set_session_status(session=world.session, status="open")
    return world


async def save(world, value: float, entry_index: int = 0):
    return await jury.save_score(
        session=world.session,
        juror=world.jurors[0],
        entry=world.entries[entry_index],
        criterion=world.criteria[0],
        value=value,
    )


async def while_a_save_is_in_flight(world, locking, *, first: float, second: float):
    """Run `locking` (a coroutine function) while a save transaction holds the session: it starts
    after the first value is written and has to wait; the second value is written after it started.
    Returns what `locking` returned."""
    outside = contextvars.copy_context()  # the locking task must not run inside the save's transaction
    async with in_transaction():
        await save(world, first)
        task = asyncio.create_task(locking(), context=outside)
        await asyncio.sleep(WAIT)
        assert not task.done(), "the lock was taken while a save held the session"
        await save(world, second)
    return await task


async def logged(world) -> list[ScoreLogEntry]:
    sheet = await ScoreSheet.get(
        session_id=world.session.id, juror_id=world.jurors[0].id, entry_id=world.entries[0].id
    )
    return await ScoreLogEntry.filter(sheet_id=sheet.id).order_by("id")


async def test_closing_takes_its_instant_after_the_saves_in_flight(db):
    world = await live_world()
    await save(world, 5)
    await jury.submit_sheet(session=world.session, juror=world.jurors[0], entry=world.entries[0])

    session = await JurySession.get(id=world.session.id)  # read now: a read would wait for the lock too

    async def close():
        return await sessions.set_session_status(session=session, status=SessionStatus.CLOSED)

    closed = await while_a_save_is_in_flight(world, close, first=7, second=8)

    log = await logged(world)
    values = [(entry.field, entry.new_value) for entry in log]
    assert values == [("value", "5.0"), ("status", "submitted"), ("value", "7.0"), ("value", "8.0")]
    assert [entry.created_at < closed.locked_at for entry in log] == [True] * 4
    stored = await JurySession.get(id=world.session.id)
    assert stored.locked_at == closed.locked_at
    frozen = {row["entry_id"]: row for row in stored.results_snapshot["entries"]}
    criterion = str(world.criteria[0].id)
    assert frozen[world.entries[0].id]["criteria"] == {criterion: 8.0}  # the last logged change is in


async def test_no_save_is_accepted_once_the_session_is_closed(db):
    world = await live_world()
    await save(world, 5)
    await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED)

    with pytest.raises(FormErrors) as refused:
        await save(world, 9)

    assert refused.value.errors == {None: "This jury session is not open for scoring."}
    assert [entry.new_value for entry in await logged(world)] == ["5.0"]


async def test_locking_a_slot_takes_its_instant_after_the_saves_in_flight(db):
    world = await live_world()
    slots = await live_rules.build_agenda(session=world.session)
    slot = next(s for s in slots if s.entry_id == world.entries[0].id)

    async def lock():
        return await live_rules.lock_slot(slot=slot)

    locked = await while_a_save_is_in_flight(world, lock, first=3, second=4)

    log = await logged(world)
    assert [entry.new_value for entry in log] == ["3.0", "4.0"]
    assert locked.status == SlotStatus.LOCKED
    assert [entry.created_at < locked.locked_at for entry in log] == [True, True]
    with pytest.raises(FormErrors) as refused:
        await save(world, 9)
    assert refused.value.errors == {None: "Scoring of this pitch is locked."}
    assert len(await logged(world)) == 2
