"""The live session (demo day): the organisers' control room and the jurors' live page, each with
its server-sent event stream.

Thin handlers over `events.domain.live`. The streams subscribe to the session's live channel
(`events.broker`): a message only says what changed, the stream reads the state again from the
database and sends it as a named event (`slot`, `progress`, `end`). They send a heartbeat comment
every `HEARTBEAT` seconds, end when the client goes away, when the session is closed (or
published), and after `STREAM_LIFETIME` seconds: the browser's EventSource reconnects by itself,
which checks the access again. A scheduled session is followed too: the pages notice it opening.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from events import broker, i18n
from events.auth import ORGANISER, SIGNED_IN, not_found, route
from events.domain import assignments as assignment_rules
from events.domain import awards as award_rules
from events.domain import live as live_rules
from events.domain import schedule, scoring
from events.domain import seats as seat_rules
from events.domain import sessions as session_rules
from events.domain import sheets as sheet_rules
from events.domain import stage as stage_rules
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.flash import flash
from events.forms import read_form
from events.i18n import _, ngettext
from events.models import (
    Assignment,
    Entry,
    Event,
    JurySession,
    PitchSlot,
    SessionStatus,
    SlotStatus,
    User,
)
from events.templating import render

HEARTBEAT = 15.0  # seconds between two heartbeat comments
STREAM_LIFETIME = 120.0  # seconds; then the browser reconnects (and its access is checked again)
RETRY_MS = 5000  # how long a browser waits before reconnecting
# The sessions whose pages follow the live state: a scheduled one (its agenda, its opening) and an
# open one. A closed or published session sends `end` (the page reloads to show it).
FOLLOWED = (SessionStatus.SCHEDULED, SessionStatus.OPEN)


def _form_id(value: Any) -> int:
    return parse_id(value) or 0


async def _seated_session(request: Request) -> JurySession:
    """The session named in the URL if the signed-in juror sits on it; else 404."""
    session = await seat_rules.seated_session(
        event_id=request.state.event.id,
        user_id=request.state.user.id,
        session_id=request.path_params["session_id"],
    )
    if session is None:
        raise not_found(request)
    return session


async def _session_or_404(request: Request) -> JurySession:
    event: Event = request.state.event
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
    if session is None:
        raise not_found(request)
    return session


def _control_url(event: Event, session: JurySession, page: str = "") -> str:
    return f"/events/{event.slug}/manage/juries/{session.id}/live{page}"


def _clock(value: datetime | None, event: Event) -> str:
    """Wall-clock time of a pitch in the event's time zone."""
    return i18n.format_time(value, event.timezone)


def _current_json(slot: PitchSlot | None, event: Event) -> dict[str, Any] | None:
    if slot is None:
        return None
    timer = live_rules.slot_timer(slot)
    return {
        "slot": slot.id,
        "entry": slot.entry_id,
        "title": slot.entry.title,
        "team": slot.entry.team.name,
        "start_label": _clock(timer.started_at, event),
        "end_label": _clock(timer.planned_end, event),
        **timer.as_json(),
    }


# --- the control room ---------------------------------------------------------------------------


async def _control_page(
    request: Request, session: JurySession, *, values: dict | None = None, errors: dict | None = None
):
    event: Event = request.state.event
    slots = await live_rules.agenda(session)
    current = next((slot for slot in slots if slot.status == SlotStatus.LIVE), None)
    progress = await live_rules.progress_snapshot(session)
    on_agenda = {slot.entry_id for slot in slots}
    candidates = [
        entry
        for entry in await (await scoring.scope_query(session)).select_related("team")
        if entry.id not in on_agenda
    ]
    return render(
        request,
        "live/control.html",
        {
            "event": event,
            "session": session,
            "base": _control_url(event, session),
            "slots": slots,
            "current": current,
            "timer": live_rules.slot_timer(current) if current else None,
            "progress": progress,
            "candidates": candidates,
            "editable": session.status in live_rules.EDITABLE,
            "is_open": session.status == SessionStatus.OPEN,
            "followed": session.status in FOLLOWED,
            "clock": lambda value: _clock(value, event),
            "local_input": lambda value: schedule.local_input(value, event.timezone),
            "server_now": datetime.now(UTC).isoformat(),
            "stage": await _stage_panel(request, session),
            "values": {"duration": str(live_rules.DEFAULT_DURATION), **(values or {})},
            "errors": errors or {},
        },
        status_code=422 if errors else 200,
    )


async def _stage_panel(request: Request, session: JurySession) -> dict[str, Any]:
    """The control room's stage section: the screen's address, its sharing link, the reveal."""
    event: Event = request.state.event
    settings = request.app.state.settings
    return {
        "url": stage_rules.stage_path(event, session),
        "public": stage_rules.is_public(event, session),
        "link": stage_rules.stage_link(
            event, session, secret_key=settings.secret_key, base_url=settings.base_url
        ),
        "reveal": await stage_rules.reveal_progress(session),
        "can_reveal": award_rules.can_award(session),
    }


async def control_room(request: Request):
    """The current slot with its timer, the jurors' progress, the agenda and the live buttons."""
    return await _control_page(request, await _session_or_404(request))


def _parse_start(values: dict[str, str], name: str, event: Event, errors: dict) -> datetime | None:
    try:
        return schedule.parse_local(values.get(name, ""), event.timezone)
    except ValueError as error:
        errors[name] = str(error)
        return None


async def _slot_from_form(request: Request, session: JurySession, values: dict[str, str]) -> PitchSlot:
    slot = await PitchSlot.get_or_none(id=_form_id(values.get("slot")), session_id=session.id)
    if slot is None:
        raise FormErrors({None: _("This pitch is not on the agenda.")})
    return slot


async def _act(request: Request, action):
    """Run one control-room action: flash and 303 back, or the page again with the errors (422)."""
    event: Event = request.state.event
    session = await _session_or_404(request)
    values = await read_form(request)
    try:
        message = await action(session, values)
    except FormErrors as error:
        # A refused transition names no field of the page: it is about the whole form.
        errors = {None if key == "status" else key: message for key, message in error.errors.items()}
        return await _control_page(request, session, values=values, errors=errors)
    flash(request, message, "success")
    return RedirectResponse(_control_url(event, session), status_code=303)


def _renamed(errors: dict, names: dict[str, str]) -> dict:
    return {names.get(key, key) if key else key: message for key, message in errors.items()}


def _refuse_unreadable_start(errors: dict, duration: str | None, duration_name: str) -> None:
    """A start that could not be read stops the action before any write; the duration is still
    checked so that the page shows every mistake at once."""
    if not errors:
        return
    try:
        live_rules.clean_duration(duration)
    except FormErrors as error:
        errors.update(_renamed(error.errors, {"duration": duration_name}))
    raise FormErrors(errors)


async def build_agenda(request: Request):
    event: Event = request.state.event

    async def action(session: JurySession, values: dict[str, str]) -> str:
        errors: dict = {}
        start = _parse_start(values, "start", event, errors)
        _refuse_unreadable_start(errors, values.get("duration"), "duration")
        slots = await live_rules.build_agenda(session=session, start=start, duration=values.get("duration"))
        return ngettext(
            "%(num)s pitch added to the agenda.", "%(num)s pitches added to the agenda.", len(slots)
        )

    return await _act(request, action)


async def add_slot(request: Request):
    event: Event = request.state.event

    async def action(session: JurySession, values: dict[str, str]) -> str:
        errors: dict = {}
        start = _parse_start(values, "planned_start", event, errors)
        _refuse_unreadable_start(errors, values.get("slot_duration"), "slot_duration")
        try:
            await live_rules.add_slot(
                session=session,
                entry_id=values.get("entry"),
                planned_start=start,
                duration=values.get("slot_duration"),
            )
        except FormErrors as error:
            raise FormErrors(_renamed(error.errors, {"duration": "slot_duration"})) from None
        return _("The pitch is added to the agenda.")

    return await _act(request, action)


async def edit_slot(request: Request):
    event: Event = request.state.event

    async def action(session: JurySession, values: dict[str, str]) -> str:
        slot = await _slot_from_form(request, session, values)
        start_name, duration_name = f"planned_start-{slot.id}", f"duration-{slot.id}"
        values.setdefault(start_name, values.get("planned_start", ""))
        values.setdefault(duration_name, values.get("duration", ""))
        errors: dict = {}
        start = _parse_start(values, start_name, event, errors)
        _refuse_unreadable_start(errors, values.get(duration_name), duration_name)
        try:
            await live_rules.update_slot(
                session=session, slot=slot, planned_start=start, duration=values.get(duration_name)
            )
        except FormErrors as error:
            raise FormErrors(_renamed(error.errors, {"duration": duration_name})) from None
        return _("The timing of the pitch is saved.")

    return await _act(request, action)


async def move_slot(request: Request):
    async def action(session: JurySession, values: dict[str, str]) -> str:
        slot = await _slot_from_form(request, session, values)
        offset = {"up": -1, "down": 1}.get(values.get("direction", ""), 0)
        await live_rules.move_slot(session=session, slot=slot, offset=offset)
        return _("The agenda is saved.")

    return await _act(request, action)


async def remove_slot(request: Request):
    async def action(session: JurySession, values: dict[str, str]) -> str:
        slot = await _slot_from_form(request, session, values)
        await live_rules.remove_slot(session=session, slot=slot)
        return _("The pitch is taken off the agenda.")

    return await _act(request, action)


async def lock_slot(request: Request):
    async def action(session: JurySession, values: dict[str, str]) -> str:
        slot = await _slot_from_form(request, session, values)
        await live_rules.lock_slot(slot=slot)
        return _("Scoring of this pitch is locked.")

    return await _act(request, action)


async def next_slot(request: Request):
    async def action(session: JurySession, values: dict[str, str]) -> str:
        started = await live_rules.next_slot(session=session)
        if started is None:
            return _("The last pitch is over.")
        entry = await Entry.get(id=started.entry_id)
        return _("Now pitching: %(title)s.", title=entry.title)

    return await _act(request, action)


async def lock_session(request: Request):
    async def action(session: JurySession, values: dict[str, str]) -> str:
        await session_rules.set_session_status(
            session=session, status=SessionStatus.CLOSED, base_url=request.app.state.settings.base_url
        )
        return _("The session is locked: no more score changes, the results are frozen.")

    return await _act(request, action)


async def reveal_award(request: Request):
    """The stage screen's reveal: `step` is "next" (the next award) or "back" (hide the last one)."""

    async def action(session: JurySession, values: dict[str, str]) -> str:
        step = values.get("step", "")
        award = await stage_rules.move_reveal(session=session, step=step)
        title = award_rules.award_title(award.title)
        if step == "next":
            return _("On the stage screen now: %(title)s.", title=title)
        return _("Hidden again from the stage screen: %(title)s.", title=title)

    return await _act(request, action)


async def rotate_stage_link(request: Request):
    """A new sharing link for the stage screen: the old one stops working."""

    async def action(session: JurySession, values: dict[str, str]) -> str:
        await stage_rules.rotate_stage_link(session=session)
        return _("The stage screen has a new link: the old one no longer works.")

    return await _act(request, action)


# --- the juror's live page ------------------------------------------------------------------------


async def _juror_current(session: JurySession, juror: User, event: Event) -> dict[str, Any] | None:
    """The current pitch as the juror sees it: a link to score it when it is theirs to score."""
    slot = await live_rules.current_slot(session)
    data = _current_json(slot, event)
    if slot is None or data is None:
        return None
    entry = slot.entry
    score_url, note = None, ""
    if await assignment_rules.is_conflicted(session=session, juror=juror, entry=entry):
        note = _("You have a conflict of interest with this team: you do not score it.")
    elif not await Assignment.exists(session_id=session.id, juror_id=juror.id, entry_id=entry.id):
        note = _("This entry is not assigned to you.")
    else:
        score_url = f"/events/{event.slug}/jury/{session.id}/entries/{entry.id}"
    return {**data, "score_url": score_url, "note": note}


async def _juror_progress(session: JurySession, juror: User) -> dict[str, int]:
    done, total = await sheet_rules.juror_progress(session=session, juror=juror)
    return {"done": done, "total": total}


async def juror_live(request: Request):
    """The current pitch for a juror seated on the session, following the control room live."""
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)
    current = await _juror_current(session, user, event)
    return render(
        request,
        "live/juror.html",
        {
            "event": event,
            "session": session,
            "current": current,
            "progress": await _juror_progress(session, user),
            "is_open": session.status == SessionStatus.OPEN,
            "followed": session.status in FOLLOWED,
            "server_now": datetime.now(UTC).isoformat(),
            "page_url": f"/events/{event.slug}/jury/{session.id}/live",
        },
    )


# --- server-sent events ---------------------------------------------------------------------------


def sse(event: str, data: Any) -> str:
    """One server-sent event: a name and a line of JSON (json.dumps escapes every newline)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class EventStream(StreamingResponse):
    """`text/event-stream`, never cached or buffered by a proxy; the generator is always closed
    (unsubscribing) when the response ends, whether it finished, failed or the client left."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[str]) -> None:
        super().__init__(content, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._generator = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope.get("method") == "HEAD":  # headers only: no stream to hold open
                await Response(headers=dict(self.headers))(scope, receive, send)
                return
            await super().__call__(scope, receive, send)
        finally:
            await self._generator.aclose()  # type: ignore[attr-defined]


async def _follow(
    session_id: int, state, followed: tuple[SessionStatus, ...] = FOLLOWED
) -> AsyncIterator[str]:
    """The common loop of the streams: subscribe first (nothing is missed between the first
    state and the first message), send the state, then what each batch of messages changes.
    A session whose status is not in `followed` ends the stream (the stage follows every status:
    the awards are revealed once the session is locked)."""
    loop = asyncio.get_running_loop()
    with broker.subscribe(broker.session_channel(session_id)) as subscription:
        yield f"retry: {RETRY_MS}\n\n"
        session = await JurySession.get_or_none(id=session_id)
        if session is None:
            return
        for chunk in await state(session, {"resync"}, None):
            yield chunk
        if session.status not in followed:
            yield sse("end", {"status": str(session.status)})
            return
        deadline = loop.time() + STREAM_LIFETIME
        while (left := deadline - loop.time()) > 0:
            message = await subscription.get(wait=min(HEARTBEAT, left))
            session = await JurySession.get_or_none(id=session_id)
            if session is None:
                return
            if message is not None:
                messages = [message, *subscription.drain()]
                kinds = {str(item.get("type", "")) for item in messages}
                if "shutdown" in kinds:
                    return  # this process is stopping: the browser reconnects after RETRY_MS
                for chunk in await state(session, kinds, messages):
                    yield chunk
            if session.status not in followed:
                yield sse("end", {"status": str(session.status)})
                return
            if message is None:
                yield ": heartbeat\n\n"


async def control_room_events(request: Request):
    """The control room's stream: `slot` (current slot and agenda statuses) and `progress`."""
    event: Event = request.state.event
    session = await _session_or_404(request)

    async def state(current: JurySession, kinds: set[str], messages: list | None = None) -> list[str]:
        chunks = []
        if kinds & {"slot", "agenda", "session", "resync"}:
            slots = await live_rules.agenda(current)
            live_slot = next((slot for slot in slots if slot.status == SlotStatus.LIVE), None)
            chunks.append(
                sse(
                    "slot",
                    {
                        "status": str(current.status),
                        "status_label": current.status.label,
                        "server_now": datetime.now(UTC).isoformat(),
                        "current": _current_json(live_slot, event),
                        "slots": [
                            {"id": slot.id, "status": str(slot.status), "label": slot.status.label}
                            for slot in slots
                        ],
                    },
                )
            )
        if kinds & {"progress", "slot", "agenda", "session", "resync"}:
            progress = await live_rules.progress_snapshot(current)
            entries = dict(await PitchSlot.filter(session_id=current.id).values_list("id", "entry_id"))
            chunks.append(sse("progress", progress.as_json(entries)))
        return chunks

    return EventStream(_follow(session.id, state))


async def juror_live_events(request: Request):
    """The juror's stream: `slot` (the current pitch, with a link when it is theirs to score) and
    `progress` (their own, when one of their sheets changes)."""
    event: Event = request.state.event
    user: User = request.state.user
    session = await _seated_session(request)

    async def state(current: JurySession, kinds: set[str], messages: list | None = None) -> list[str]:
        chunks = []
        if kinds & {"slot", "agenda", "session", "resync"}:
            chunks.append(
                sse(
                    "slot",
                    {
                        "status": str(current.status),
                        "status_label": current.status.label,
                        "server_now": datetime.now(UTC).isoformat(),
                        "current": await _juror_current(current, user, event),
                    },
                )
            )
        mine = messages is None or any(
            item.get("type") == "progress" and item.get("juror") == user.id for item in messages
        )
        if "resync" in kinds or "session" in kinds or ("progress" in kinds and mine):
            chunks.append(sse("progress", await _juror_progress(current, user)))
        return chunks

    return EventStream(_follow(session.id, state))


_LIVE = "/events/{slug}/manage/juries/{session_id:id}/live"
_JUROR = "/events/{slug}/jury/{session_id:id}/live"
_POST = ("POST",)

routes = [
    route(_LIVE, control_room, access=ORGANISER),
    route(_LIVE + "/events", control_room_events, access=ORGANISER),
    route(_LIVE + "/agenda/build", build_agenda, access=ORGANISER, methods=_POST, name="live_build_agenda"),
    route(_LIVE + "/agenda/add", add_slot, access=ORGANISER, methods=_POST, name="live_add_slot"),
    route(_LIVE + "/agenda/edit", edit_slot, access=ORGANISER, methods=_POST, name="live_edit_slot"),
    route(_LIVE + "/agenda/move", move_slot, access=ORGANISER, methods=_POST, name="live_move_slot"),
    route(_LIVE + "/agenda/remove", remove_slot, access=ORGANISER, methods=_POST, name="live_remove_slot"),
    route(_LIVE + "/lock-slot", lock_slot, access=ORGANISER, methods=_POST, name="live_lock_slot"),
    route(_LIVE + "/next", next_slot, access=ORGANISER, methods=_POST, name="live_next_slot"),
    route(_LIVE + "/lock-session", lock_session, access=ORGANISER, methods=_POST, name="live_lock_session"),
    route(_LIVE + "/stage/reveal", reveal_award, access=ORGANISER, methods=_POST, name="live_reveal_award"),
    route(_LIVE + "/stage/link", rotate_stage_link, access=ORGANISER, methods=_POST, name="live_stage_link"),
    # A seat on the session is the authorisation (checked in each handler): 404 to anyone else.
    route(_JUROR, juror_live, access=SIGNED_IN),
    route(_JUROR + "/events", juror_live_events, access=SIGNED_IN),
]
