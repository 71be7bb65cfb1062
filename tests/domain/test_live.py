"""The live session: the agenda and its validation, the one slot transition and `next_slot`, a
locked slot refusing score writes, the timer, the progress snapshot (constant queries) and what
the rules publish on the session's channel (the broker itself: tests/test_broker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events import i18n
from events.broker import broker, session_channel
from events.domain import jury, sessions
from events.domain import live as live_rules
from events.domain.errors import FormErrors
from events.models import PitchSlot, ScoreSheet, SessionStatus, SheetStatus, SlotStatus
from tests.jury_world import NOW, make_jury_world, score
from tests.querycount import count_queries


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


async def _statuses(session) -> list[tuple[int, str]]:
    return list(
        await PitchSlot.filter(session_id=session.id)
        .order_by("position", "id")
        .values_list("entry_id", "status")
    )


# --- the agenda -----------------------------------------------------------------------------------


async def test_build_agenda_puts_every_entry_in_scope_in_order_with_planned_starts(db):
    world = await make_jury_world(teams=3)

    slots = await live_rules.build_agenda(session=world.session, start=NOW, duration="7")

    assert [(slot.entry_id, slot.position) for slot in slots] == [
        (e.id, i) for i, e in enumerate(world.entries, 1)
    ]
    assert [slot.planned_start for slot in slots] == [NOW + timedelta(minutes=7 * i) for i in range(3)]
    assert {slot.duration_minutes for slot in slots} == {7}
    assert {slot.status for slot in slots} == {SlotStatus.PENDING}


async def test_build_agenda_twice_adds_nothing_and_says_so(db):
    world = await make_jury_world(teams=2)
    await live_rules.build_agenda(session=world.session)

    with pytest.raises(FormErrors) as refused:
        await live_rules.build_agenda(session=world.session)

    assert refused.value.errors == {None: "Every submitted entry in scope is already on the agenda."}
    assert await PitchSlot.filter(session_id=world.session.id).count() == 2


async def test_build_agenda_continues_after_the_last_planned_slot(db):
    world = await make_jury_world(teams=2)
    await live_rules.add_slot(
        session=world.session, entry_id=world.entries[1].id, planned_start=NOW, duration=10
    )

    added = await live_rules.build_agenda(session=world.session, duration=5)

    assert [(slot.entry_id, slot.position, slot.planned_start) for slot in added] == [
        (world.entries[0].id, 2, NOW + timedelta(minutes=10))
    ]


@pytest.mark.parametrize("duration", ["0", "241", "abc", "", "2.5", None, -3])
async def test_duration_outside_1_to_240_minutes_is_refused(db, duration):
    world = await make_jury_world(teams=1)

    with pytest.raises(FormErrors) as refused:
        await live_rules.build_agenda(session=world.session, duration=duration)

    assert refused.value.errors == {"duration": "Enter a duration between 1 and 240 minutes."}
    assert not await PitchSlot.exists(session_id=world.session.id)


async def test_add_slot_refuses_an_entry_outside_the_scope_or_already_on_the_agenda(db):
    world = await make_jury_world(teams=2)
    await live_rules.add_slot(session=world.session, entry_id=str(world.entries[0].id))

    with pytest.raises(FormErrors) as twice:
        await live_rules.add_slot(session=world.session, entry_id=world.entries[0].id)
    with pytest.raises(FormErrors) as unknown:
        await live_rules.add_slot(session=world.session, entry_id="999", duration="0")

    assert twice.value.errors == {"entry": "This entry is already on the agenda."}
    assert unknown.value.errors == {
        "entry": "Choose a submitted entry of this session.",
        "duration": "Enter a duration between 1 and 240 minutes.",
    }
    assert await _statuses(world.session) == [(world.entries[0].id, "pending")]


async def test_move_slot_swaps_with_its_neighbour_and_stays_at_the_edges(db):
    world = await make_jury_world(teams=3)
    first, second, third = await live_rules.build_agenda(session=world.session)

    await live_rules.move_slot(session=world.session, slot=third, offset=-1)
    await live_rules.move_slot(session=world.session, slot=first, offset=-1)  # already first: no change

    assert [entry_id for entry_id, _status in await _statuses(world.session)] == [
        first.entry_id,
        third.entry_id,
        second.entry_id,
    ]


async def test_remove_slot_takes_a_pending_pitch_off_but_refuses_one_that_started(db):
    world = await make_jury_world(teams=2)
    first, second = await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session, now=NOW)

    with pytest.raises(FormErrors) as refused:
        await live_rules.remove_slot(session=world.session, slot=await PitchSlot.get(id=first.id))
    await live_rules.remove_slot(session=world.session, slot=second)

    assert refused.value.errors == {None: "Only a pitch that has not started can be taken off the agenda."}
    assert await _statuses(world.session) == [(first.entry_id, "live")]


async def test_update_slot_changes_the_timing_of_a_live_pitch_but_not_of_a_finished_one(db):
    world = await make_jury_world(teams=2)
    first, _second = await live_rules.build_agenda(session=world.session)
    await live_rules.next_slot(session=world.session, now=NOW)

    await live_rules.update_slot(
        session=world.session, slot=await PitchSlot.get(id=first.id), planned_start=None, duration="8"
    )
    await live_rules.next_slot(session=world.session, now=NOW)
    with pytest.raises(FormErrors) as refused:
        await live_rules.update_slot(
            session=world.session, slot=await PitchSlot.get(id=first.id), planned_start=NOW, duration=3
        )

    stored = await PitchSlot.get(id=first.id)
    assert (stored.duration_minutes, stored.planned_start) == (8, None)
    assert refused.value.errors == {None: "This pitch is over: its timing can no longer change."}


async def test_agenda_cannot_change_once_the_session_is_locked(db):
    world = await make_jury_world(teams=1)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    with pytest.raises(FormErrors) as refused:
        await live_rules.build_agenda(session=world.session)

    assert refused.value.errors == {None: "This jury session is closed."}


# --- the slot transition ----------------------------------------------------------------------------


async def test_going_live_records_the_start_and_ending_records_the_end(db):
    world = await make_jury_world(teams=1)
    (slot,) = await live_rules.build_agenda(session=world.session)

    await live_rules.set_slot_status(slot=slot, status="live", now=NOW)
    await live_rules.set_slot_status(slot=slot, status="done", now=NOW + timedelta(minutes=6))

    stored = await PitchSlot.get(id=slot.id)
    assert (stored.status, stored.started_at, stored.ended_at) == ("done", NOW, NOW + timedelta(minutes=6))


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        (["live", "done"], "live", 'A pitch cannot go from "pitched" to "pitching now".'),
        (["live"], "pending", 'A pitch cannot go from "pitching now" to "to come".'),
        ([], "done", 'A pitch cannot go from "to come" to "pitched".'),
        (["locked"], "live", 'A pitch cannot go from "locked" to "pitching now".'),
        (["locked"], "locked", 'A pitch cannot go from "locked" to "locked".'),
    ],
)
async def test_refused_slot_transitions(db, path, target, message):
    world = await make_jury_world(teams=1)
    (slot,) = await live_rules.build_agenda(session=world.session)
    for status in path:
        await live_rules.set_slot_status(slot=slot, status=status, now=NOW)

    with pytest.raises(FormErrors) as refused:
        await live_rules.set_slot_status(slot=slot, status=target, now=NOW)

    assert refused.value.errors == {"status": message}
    assert (await PitchSlot.get(id=slot.id)).status == (path[-1] if path else "pending")


async def test_unknown_status_is_refused(db):
    world = await make_jury_world(teams=1)
    (slot,) = await live_rules.build_agenda(session=world.session)

    with pytest.raises(FormErrors) as refused:
        await live_rules.set_slot_status(slot=slot, status="paused")

    assert refused.value.errors == {"status": "Choose a status."}


async def test_only_one_slot_is_live_at_a_time(db):
    world = await make_jury_world(teams=2)
    first, second = await live_rules.build_agenda(session=world.session)
    await live_rules.set_slot_status(slot=first, status="live", now=NOW)

    with pytest.raises(FormErrors) as refused:
        await live_rules.set_slot_status(slot=second, status="live", now=NOW)

    assert refused.value.errors == {None: "Another pitch is live: end it first, or move to the next slot."}
    assert await _statuses(world.session) == [(first.entry_id, "live"), (second.entry_id, "pending")]


async def test_no_pitch_goes_live_before_the_session_opens(db):
    world = await make_jury_world(teams=1, open_session=False)
    (slot,) = await live_rules.build_agenda(session=world.session)

    with pytest.raises(FormErrors) as refused:
        await live_rules.next_slot(session=world.session, now=NOW)

    assert refused.value.errors == {None: "Open the session before the first pitch."}
    assert (await PitchSlot.get(id=slot.id)).status == SlotStatus.PENDING


async def test_next_slot_walks_the_agenda_then_says_nothing_is_left(db):
    world = await make_jury_world(teams=2)
    first, second = await live_rules.build_agenda(session=world.session)

    started = await live_rules.next_slot(session=world.session, now=NOW)
    assert started is not None and started.id == first.id
    started = await live_rules.next_slot(session=world.session, now=NOW + timedelta(minutes=5))
    assert started is not None and started.id == second.id
    assert await live_rules.next_slot(session=world.session, now=NOW + timedelta(minutes=10)) is None
    with pytest.raises(FormErrors) as refused:
        await live_rules.next_slot(session=world.session, now=NOW)

    assert refused.value.errors == {None: "No pitch is left on the agenda."}
    stored = {slot.id: slot for slot in await PitchSlot.filter(session_id=world.session.id)}
    assert (stored[first.id].status, stored[first.id].ended_at) == ("done", NOW + timedelta(minutes=5))
    assert (stored[second.id].status, stored[second.id].started_at) == ("done", NOW + timedelta(minutes=5))


async def test_next_slot_skips_locked_slots(db):
    world = await make_jury_world(teams=3)
    first, second, third = await live_rules.build_agenda(session=world.session)
    await live_rules.lock_slot(slot=second, now=NOW)

    await live_rules.next_slot(session=world.session, now=NOW)
    started = await live_rules.next_slot(session=world.session, now=NOW)

    assert started is not None and started.id == third.id
    assert await _statuses(world.session) == [
        (first.entry_id, "done"),
        (second.entry_id, "locked"),
        (third.entry_id, "live"),
    ]


async def test_slot_transitions_are_refused_once_the_session_is_locked(db):
    world = await make_jury_world(teams=1)
    (slot,) = await live_rules.build_agenda(session=world.session)
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    with pytest.raises(FormErrors) as refused:
        await live_rules.lock_slot(slot=slot, now=NOW)

    assert refused.value.errors == {None: "This jury session is closed."}


# --- a locked slot and score writes --------------------------------------------------------------------


async def test_a_locked_slot_refuses_every_score_write_for_its_entry(db):
    world = await make_jury_world(teams=2)
    locked_entry, other_entry = world.entries
    juror = world.jurors[0]
    await score(world, juror, locked_entry, 5, submit=False)
    slots = await live_rules.build_agenda(session=world.session)
    await live_rules.lock_slot(slot=slots[0], now=NOW)
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=locked_entry.id)

    writes = [
        jury.save_score(
            session=world.session,
            juror=juror,
            entry=locked_entry,
            criterion=world.criteria[0],
            value=7,
            now=NOW,
        ),
        jury.save_comment(session=world.session, juror=juror, entry=locked_entry, comment="late", now=NOW),
        jury.submit_sheet(session=world.session, juror=juror, entry=locked_entry, now=NOW),
        jury.undo_last_change(sheet=sheet, juror=juror, now=NOW),
    ]
    for write in writes:
        with pytest.raises(FormErrors) as refused:
            await write
        assert refused.value.errors == {None: "Scoring of this pitch is locked."}
    await score(world, juror, other_entry, 6)

    state = await jury.sheet_state(sheet)
    assert (state.values, state.comment, state.status) == ({world.criteria[0].id: 5.0}, "", SheetStatus.DRAFT)
    assert await ScoreSheet.filter(entry_id=other_entry.id, status=SheetStatus.SUBMITTED).count() == 1


# --- the timer and the progress -----------------------------------------------------------------------


async def test_timer_counts_from_the_start_once_live_and_from_the_plan_before(db):
    world = await make_jury_world(teams=1)
    (slot,) = await live_rules.build_agenda(session=world.session, start=NOW, duration=5)

    planned = live_rules.slot_timer(slot, NOW)
    await live_rules.set_slot_status(slot=slot, status="live", now=NOW + timedelta(minutes=2))
    running = live_rules.slot_timer(slot, NOW + timedelta(minutes=4))
    over = live_rules.slot_timer(slot, NOW + timedelta(minutes=8))

    assert (planned.started_at, planned.planned_end, planned.remaining_seconds) == (
        None,
        NOW + timedelta(minutes=5),
        None,
    )
    assert (running.started_at, running.planned_end, running.remaining_seconds) == (
        NOW + timedelta(minutes=2),
        NOW + timedelta(minutes=7),
        180,
    )
    assert over.remaining_seconds == -60


async def test_current_slot_is_the_live_one(db):
    world = await make_jury_world(teams=2)
    await live_rules.build_agenda(session=world.session)
    assert await live_rules.current_slot(world.session) is None

    started = await live_rules.next_slot(session=world.session, now=NOW)

    current = await live_rules.current_slot(world.session)
    assert current is not None and current.id == started.id
    assert current.entry.title == "Entry 0"


async def test_progress_snapshot_counts_submitted_sheets_per_juror_and_per_entry(db):
    world = await make_jury_world(teams=3, jurors=2)
    first, second = world.jurors
    await score(world, first, world.entries[0], 5)
    await score(world, first, world.entries[1], 6)
    await score(world, second, world.entries[0], 7)
    await score(world, second, world.entries[2], 4, submit=False)

    progress = await live_rules.progress_snapshot(world.session)

    assert [(row.juror_id, row.submitted, row.assigned) for row in progress.jurors] == [
        (first.id, 2, 3),
        (second.id, 1, 3),
    ]
    assert progress.entries == {
        world.entries[0].id: (2, 2),
        world.entries[1].id: (1, 2),
        world.entries[2].id: (0, 2),
    }
    assert [(row.submitted, row.assigned) for row in progress.jurors] == [
        await jury.juror_progress(session=world.session, juror=juror) for juror in world.jurors
    ]


async def test_progress_snapshot_costs_the_same_queries_for_2_or_6_jurors(db):
    small = await make_jury_world(teams=2, jurors=2)
    async with count_queries() as few:
        await live_rules.progress_snapshot(small.session)
    for index in range(4):
        juror = await jury.User.create(
            email=f"more{index}@example.org", name=f"More {index}", password_hash="!"
        )
        await jury.add_juror(session=small.session, user=juror)
    await jury.compute_assignments(session=small.session, now=NOW)
    await score(small, small.jurors[0], small.entries[0], 3)

    async with count_queries() as many:
        progress = await live_rules.progress_snapshot(small.session)

    assert len(progress.jurors) == 6
    assert len(many) == len(few) == 5, many.report()


# --- what the rules publish (the broker in memory, as on SQLite) ------------------------------------


async def test_a_score_save_publishes_progress_on_the_session_channel(db):
    world = await make_jury_world(teams=1)
    channel = session_channel(world.session.id)

    with broker.subscribe(channel) as subscription:
        assert broker.subscriber_count(channel) == 1
        await score(world, world.jurors[0], world.entries[0], 5)
        messages = [await subscription.get(wait=1), *subscription.drain()]

    assert broker.subscriber_count(channel) == 0
    assert {"type": "progress", "juror": world.jurors[0].id, "entry": world.entries[0].id} in messages
    assert [message["type"] for message in messages] == ["progress", "progress"]  # the save, the submit


async def test_slot_and_session_changes_are_published(db):
    world = await make_jury_world(teams=1)
    await live_rules.build_agenda(session=world.session)

    with broker.subscribe(session_channel(world.session.id)) as subscription:
        started = await live_rules.next_slot(session=world.session, now=NOW)
        await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED, now=NOW)
        messages = subscription.drain()

    assert messages == [
        {"type": "slot", "slot": started.id, "status": "live"},
        {"type": "session", "status": "closed"},
    ]
