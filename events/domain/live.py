"""The live session of a jury (demo day): the agenda of pitch slots, the one slot transition, the
current slot with its timer, and a progress snapshot for the control room.

- The agenda is built from the session's entries in scope in one go (`build_agenda`), then edited
  slot by slot: add, remove (a pitch that has not started), move up or down, planned start and
  duration. It can be edited while the session is scheduled or open.
- `set_slot_status` is the only way a slot changes state: pending → live → done, and any state but
  locked → locked. At most one slot is live (the current slot), and only while the session is open.
  `next_slot` ends the live slot and starts the first pending one, through it. A locked slot
  refuses every score write for its entry in this session (`events.domain.jury._writable_sheet`).
- Transitions take the session row FOR UPDATE (PostgreSQL): two organisers pressing "Next slot" at
  once are serialised, and score saves in flight (which hold the row FOR SHARE) finish first; the
  transition reads the clock only once it holds the row, so a slot's `locked_at` comes after every
  save it let through.
- Every change is published on the session's live channel after commit (`events.broker`); the
  streams read the state again from the database.
- `progress_snapshot` costs a constant number of queries: aggregates grouped by juror and by entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.functions import Count, Max
from tortoise.transactions import in_transaction

from events import broker
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id, parse_int
from events.domain.scoring import scope_query
from events.i18n import _
from events.models import (
    Assignment,
    JurySession,
    JurySessionJuror,
    PitchSlot,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    SlotStatus,
)

log = logging.getLogger("hackcity.live")

SLOT_TRANSITIONS: dict[SlotStatus, set[SlotStatus]] = {
    SlotStatus.PENDING: {SlotStatus.LIVE, SlotStatus.LOCKED},
    SlotStatus.LIVE: {SlotStatus.DONE, SlotStatus.LOCKED},
    SlotStatus.DONE: {SlotStatus.LOCKED},
    SlotStatus.LOCKED: set(),
}
MIN_DURATION, MAX_DURATION = 1, 240
DEFAULT_DURATION = 5
EDITABLE = (SessionStatus.SCHEDULED, SessionStatus.OPEN)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def clean_duration(value: Any) -> int:
    """Minutes of a pitch, a whole number from 1 to 240."""
    minutes = parse_int(value) or 0
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise FormErrors(
            {
                "duration": _(
                    "Enter a duration between %(min)s and %(max)s minutes.",
                    min=MIN_DURATION,
                    max=MAX_DURATION,
                )
            }
        )
    return minutes


def _refuse_unless_editable(session: JurySession) -> None:
    if session.status not in EDITABLE:
        raise FormErrors({None: _("This jury session is closed.")})


async def _publish(session_id: int, kind: str, **data: Any) -> None:
    await broker.publish(broker.session_channel(session_id), {"type": kind, **data})


# --- the agenda -----------------------------------------------------------------------------------


async def agenda(session: JurySession) -> list[PitchSlot]:
    """The session's slots in order, with their entry and its team."""
    return (
        await PitchSlot.filter(session_id=session.id)
        .select_related("entry", "entry__team")
        .order_by("position", "id")
    )


async def _next_position(session: JurySession) -> int:
    found = await PitchSlot.filter(session_id=session.id).annotate(top=Max("position")).values_list("top")
    top = found[0][0] if found else None
    return (top or 0) + 1


async def build_agenda(
    *, session: JurySession, start: datetime | None = None, duration: Any = DEFAULT_DURATION
) -> list[PitchSlot]:
    """Put every entry in scope that is not on the agenda yet at its end, in entry order, one after
    the other from `start` (or after the last planned slot). Returns the new slots."""
    _refuse_unless_editable(session)
    minutes = clean_duration(duration)
    async with in_transaction():
        await JurySession.select_for_update().get(id=session.id)
        on_agenda = set(await PitchSlot.filter(session_id=session.id).values_list("entry_id", flat=True))
        entry_ids = [
            entry_id
            for entry_id in await (await scope_query(session)).values_list("id", flat=True)
            if entry_id not in on_agenda
        ]
        if not entry_ids:
            raise FormErrors({None: _("Every submitted entry in scope is already on the agenda.")})
        if start is None:
            last = (
                await PitchSlot.filter(session_id=session.id, planned_start__isnull=False)
                .order_by("-position", "-id")
                .first()
            )
            if last is not None:
                start = last.planned_start + timedelta(minutes=last.duration_minutes)
        position = await _next_position(session)
        slots = [
            PitchSlot(
                session_id=session.id,
                entry_id=entry_id,
                position=position + index,
                planned_start=start + timedelta(minutes=minutes * index) if start else None,
                duration_minutes=minutes,
            )
            for index, entry_id in enumerate(entry_ids)
        ]
        await PitchSlot.bulk_create(slots, ignore_conflicts=True)
    await _publish(session.id, "agenda")
    log.info("jury session %s: %s slots added to the agenda", session.id, len(slots))
    return await PitchSlot.filter(session_id=session.id, entry_id__in=entry_ids).order_by("position")


async def add_slot(
    *,
    session: JurySession,
    entry_id: Any,
    planned_start: datetime | None = None,
    duration: Any = DEFAULT_DURATION,
) -> PitchSlot:
    """One entry in scope at the end of the agenda."""
    _refuse_unless_editable(session)
    errors: dict[str | None, str] = {}
    try:
        minutes = clean_duration(duration)
    except FormErrors as error:
        errors.update(error.errors)
    wanted = parse_id(entry_id) or 0
    if not await (await scope_query(session)).filter(id=wanted).exists():
        errors["entry"] = _("Choose a submitted entry of this session.")
    elif await PitchSlot.exists(session_id=session.id, entry_id=wanted):
        errors["entry"] = _("This entry is already on the agenda.")
    if errors:
        raise FormErrors(errors)
    async with in_transaction():
        await JurySession.select_for_update().get(id=session.id)
        slot = await PitchSlot.create(
            session_id=session.id,
            entry_id=wanted,
            position=await _next_position(session),
            planned_start=planned_start,
            duration_minutes=minutes,
        )
    await _publish(session.id, "agenda")
    return slot


async def remove_slot(*, session: JurySession, slot: PitchSlot) -> None:
    """Take a pitch that has not started off the agenda."""
    _refuse_unless_editable(session)
    if slot.status != SlotStatus.PENDING:
        raise FormErrors({None: _("Only a pitch that has not started can be taken off the agenda.")})
    await PitchSlot.filter(id=slot.id, status=SlotStatus.PENDING).delete()
    await _publish(session.id, "agenda")


async def move_slot(*, session: JurySession, slot: PitchSlot, offset: int) -> None:
    """Move a slot one place up (-1) or down (+1); positions are renumbered 1..n."""
    _refuse_unless_editable(session)
    if offset not in (-1, 1):
        raise FormErrors({None: _("Choose up or down.")})
    async with in_transaction():
        await JurySession.select_for_update().get(id=session.id)
        ids = list(
            await PitchSlot.filter(session_id=session.id)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
        if slot.id not in ids:
            raise FormErrors({None: _("This pitch is not on the agenda.")})
        index = ids.index(slot.id)
        other = index + offset
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        positions = dict(await PitchSlot.filter(id__in=ids).values_list("id", "position"))
        for position, slot_id in enumerate(ids, start=1):
            if positions[slot_id] != position:
                await PitchSlot.filter(id=slot_id).update(position=position)
    await _publish(session.id, "agenda")


async def update_slot(
    *, session: JurySession, slot: PitchSlot, planned_start: datetime | None, duration: Any
) -> PitchSlot:
    """The planned start and duration of a pitch to come or pitching now (a live pitch can be given
    more time)."""
    _refuse_unless_editable(session)
    minutes = clean_duration(duration)
    if slot.status not in (SlotStatus.PENDING, SlotStatus.LIVE):
        raise FormErrors({None: _("This pitch is over: its timing can no longer change.")})
    await PitchSlot.filter(id=slot.id).update(planned_start=planned_start, duration_minutes=minutes)
    slot.planned_start, slot.duration_minutes = planned_start, minutes
    await _publish(session.id, "agenda")
    return slot


# --- the one slot transition ----------------------------------------------------------------------


async def _transition(session_id: int, slot_id: int, target: SlotStatus, now: datetime) -> PitchSlot:
    """Inside a transaction that holds the session row: check and apply one slot change."""
    session = await JurySession.get(id=session_id)
    slot = await PitchSlot.get_or_none(id=slot_id, session_id=session_id)
    if slot is None:
        raise FormErrors({None: _("This pitch is not on the agenda.")})
    if session.status not in EDITABLE:
        raise FormErrors({None: _("This jury session is closed.")})
    if target not in SLOT_TRANSITIONS[slot.status]:
        raise FormErrors(
            {
                "status": _(
                    'A pitch cannot go from "%(current)s" to "%(target)s".',
                    current=slot.status.label,
                    target=target.label,
                )
            }
        )
    updates: dict[str, Any] = {"status": target}
    if target == SlotStatus.LIVE:
        if session.status != SessionStatus.OPEN:
            raise FormErrors({None: _("Open the session before the first pitch.")})
        if await PitchSlot.filter(session_id=session_id, status=SlotStatus.LIVE).exclude(id=slot.id).exists():
            raise FormErrors({None: _("Another pitch is live: end it first, or move to the next slot.")})
        updates["started_at"] = now
    elif target == SlotStatus.DONE:
        updates["ended_at"] = now
    elif target == SlotStatus.LOCKED:
        updates["locked_at"] = now
        if slot.status == SlotStatus.LIVE:
            updates["ended_at"] = now
    await PitchSlot.filter(id=slot.id).update(**updates)
    for name, value in updates.items():
        setattr(slot, name, value)
    log.info("pitch slot %s of jury session %s is now %s", slot.id, session_id, target)
    return slot


async def set_slot_status(
    *, slot: PitchSlot, status: SlotStatus | str, now: datetime | None = None
) -> PitchSlot:
    """The one transition of a slot: pending → live → done, any → locked (locked is final)."""
    try:
        target = SlotStatus(status)
    except ValueError:
        raise FormErrors({"status": _("Choose a status.")}) from None
    async with in_transaction():
        await JurySession.select_for_update().get(id=slot.session_id)
        # The clock is read under the lock: the saves in flight committed before `locked_at`.
        changed = await _transition(slot.session_id, slot.id, target, _now(now))
    for name in ("status", "started_at", "ended_at", "locked_at"):
        setattr(slot, name, getattr(changed, name))
    await _publish(slot.session_id, "slot", slot=slot.id, status=str(target))
    return slot


async def lock_slot(*, slot: PitchSlot, now: datetime | None = None) -> PitchSlot:
    """No more score changes for this entry in this session."""
    return await set_slot_status(slot=slot, status=SlotStatus.LOCKED, now=now)


async def next_slot(*, session: JurySession, now: datetime | None = None) -> PitchSlot | None:
    """The live slot is done and the first pending one goes live, in one transaction. Returns the
    new current slot (None when the last pitch just ended)."""
    async with in_transaction():
        await JurySession.select_for_update().get(id=session.id)
        now = _now(now)  # under the lock, like every transition
        current = await PitchSlot.get_or_none(session_id=session.id, status=SlotStatus.LIVE)
        upcoming = (
            await PitchSlot.filter(session_id=session.id, status=SlotStatus.PENDING)
            .order_by("position", "id")
            .first()
        )
        if current is None and upcoming is None:
            raise FormErrors({None: _("No pitch is left on the agenda.")})
        if current is not None:
            await _transition(session.id, current.id, SlotStatus.DONE, now)
        started = await _transition(session.id, upcoming.id, SlotStatus.LIVE, now) if upcoming else None
    await _publish(session.id, "slot", slot=started.id if started else None, status="live")
    return started


# --- what the control room and the jurors see -----------------------------------------------------


async def current_slot(session: JurySession) -> PitchSlot | None:
    """The live slot, with its entry and team."""
    return (
        await PitchSlot.filter(session_id=session.id, status=SlotStatus.LIVE)
        .select_related("entry", "entry__team")
        .first()
    )


@dataclass(frozen=True)
class SlotTimer:
    started_at: datetime | None
    duration_minutes: int
    planned_end: datetime | None
    remaining_seconds: int | None  # negative once over time

    def as_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "duration_minutes": self.duration_minutes,
            "planned_end": self.planned_end.isoformat() if self.planned_end else None,
            "remaining_seconds": self.remaining_seconds,
        }


def slot_timer(slot: PitchSlot, now: datetime | None = None) -> SlotTimer:
    """When the pitch started and should end: from its start once live, else from its planned start."""
    begin = slot.started_at or slot.planned_start
    end = begin + timedelta(minutes=slot.duration_minutes) if begin else None
    remaining = None
    if end is not None and slot.status == SlotStatus.LIVE:
        remaining = int((end - _now(now)).total_seconds())
    return SlotTimer(slot.started_at, slot.duration_minutes, end, remaining)


@dataclass
class JurorProgress:
    juror_id: int
    name: str
    submitted: int
    assigned: int


@dataclass
class Progress:
    jurors: list[JurorProgress] = field(default_factory=list)
    # per entry on the agenda: (sheets submitted, jurors assigned)
    entries: dict[int, tuple[int, int]] = field(default_factory=dict)

    def as_json(self, slots: dict[int, int]) -> dict[str, Any]:
        """`slots` maps slot id → entry id."""
        return {
            "jurors": [
                {"id": row.juror_id, "submitted": row.submitted, "assigned": row.assigned}
                for row in self.jurors
            ],
            "slots": [
                {"id": slot_id, "submitted": self.entries.get(entry_id, (0, 0))[0]}
                for slot_id, entry_id in sorted(slots.items())
            ],
        }


async def progress_snapshot(session: JurySession) -> Progress:
    """Per juror: sheets submitted of entries assigned; per entry: sheets submitted and jurors
    assigned. Five queries, whatever the number of jurors and entries."""
    seats = (
        await JurySessionJuror.filter(session_id=session.id)
        .order_by("user__name", "user_id")
        .values_list("user_id", "user__name")
    )
    assigned = dict(
        await Assignment.filter(session_id=session.id)
        .annotate(n=Count("id"))
        .group_by("juror_id")
        .values_list("juror_id", "n")
    )
    counted = ScoreSheet.filter(session_id=session.id, status=SheetStatus.SUBMITTED, assigned=True)
    submitted = dict(await counted.annotate(n=Count("id")).group_by("juror_id").values_list("juror_id", "n"))
    by_entry = dict(await counted.annotate(n=Count("id")).group_by("entry_id").values_list("entry_id", "n"))
    jurors_by_entry = dict(
        await Assignment.filter(session_id=session.id)
        .annotate(n=Count("id"))
        .group_by("entry_id")
        .values_list("entry_id", "n")
    )
    return Progress(
        jurors=[
            JurorProgress(user_id, name, submitted.get(user_id, 0), assigned.get(user_id, 0))
            for user_id, name in seats
        ],
        entries={
            entry_id: (by_entry.get(entry_id, 0), count)
            for entry_id, count in {**dict.fromkeys(by_entry, 0), **jurors_by_entry}.items()
        },
    )
