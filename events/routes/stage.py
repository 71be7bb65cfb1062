"""The demo-day stage screen (the projector's full-screen page and its server-sent event stream) and
the printed cards with their QR codes (the jurors' card, the visitors' card).

Thin handlers over `events.domain.stage`. The screen is one template whose changing part,
`live/_stage_body.html`, is rendered again by the stream and sent whole in a `stage` event: the
page and the stream cannot disagree, and an award not revealed is in neither. Who may watch is
checked on the page and on every connection of the stream (a session of another event, or a
refused visitor, is 404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from events.auth import ORGANISER, PUBLIC, not_found, roles_in, route
from events.domain import stage as stage_rules
from events.i18n import _
from events.models import Event, JurySession, Role, SessionStatus
from events.qr import qr_svg
from events.routes.live import EventStream, _follow, sse
from events.templating import render, templates

REFRESH_SECONDS = 10  # the page's refresh without JavaScript


async def _session_or_404(request: Request) -> JurySession:
    event: Event = request.state.event
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
    if session is None:
        raise not_found(request)
    return session


async def _watched_session(request: Request) -> JurySession:
    """The session if this visitor may watch its stage: public, an organiser, or the link's token."""
    event: Event = request.state.event
    session = await _session_or_404(request)
    if stage_rules.is_public(event, session):
        return session
    user = request.state.user
    if user is not None and (user.is_admin or Role.ORGANISER in await roles_in(event, user)):
        return session
    secret_key = request.app.state.settings.secret_key
    if stage_rules.token_matches(session, request.query_params.get("key"), secret_key=secret_key):
        return session
    raise not_found(request)


def _absolute(request: Request, path: str) -> str:
    return request.app.state.settings.base_url.rstrip("/") + path


def _audience_link(request: Request, event: Event, session: JurySession) -> tuple[str, str]:
    """Where the visitors' QR code leads, and what it says: the public vote, else the event."""
    if session.public_vote:
        return _absolute(request, f"/events/{event.slug}/vote/{session.id}"), _("Vote for your favourite")
    return _absolute(request, f"/events/{event.slug}"), _("Follow the event")


def _body_context(event: Event, state: stage_rules.StageState) -> dict[str, Any]:
    return {
        "event": event,
        "session": state.session,
        "state": state,
        "remaining": _remaining(state),
        "phase_title": _phase_title(state),
    }


def _remaining(state: stage_rules.StageState) -> str:
    """The countdown as the server sees it now ("4:07", "+0:32" over time): the page without
    JavaScript shows it, the script then ticks it every second."""
    if state.timer is None or state.timer.remaining_seconds is None:
        return ""
    seconds = state.timer.remaining_seconds
    minutes, rest = divmod(abs(seconds), 60)
    return f"{'' if seconds >= 0 else '+'}{minutes}:{rest:02d}"


def _phase_title(state: stage_rules.StageState) -> str:
    return {
        "before": _("Coming up"),
        "pitch": _("On stage"),
        "between": _("Next pitches"),
        "awards": _("Awards"),
    }[state.phase]


def _stream_url(request: Request, event: Event, session: JurySession) -> str:
    url = stage_rules.stage_path(event, session) + "/events"
    key = request.query_params.get("key")
    secret_key = request.app.state.settings.secret_key
    if key and stage_rules.token_matches(session, key, secret_key=secret_key):
        url += f"?key={key}"
    return url


async def stage_screen(request: Request):
    """The projector's page: the team on stage, its countdown and who is next, the agenda between
    two pitches, then the awards as the organiser reveals them; a QR code for the audience."""
    event: Event = request.state.event
    session = await _watched_session(request)
    state = await stage_rules.stage_state(session)
    audience_url, audience_label = _audience_link(request, event, session)
    response = render(
        request,
        "live/stage.html",
        {
            **_body_context(event, state),
            "server_now": datetime.now(UTC).isoformat(),
            "stream_url": _stream_url(request, event, session),
            "refresh_seconds": REFRESH_SECONDS,
            "audience_url": audience_url,
            "audience_label": audience_label,
            "audience_qr": qr_svg(audience_url, label=_("QR code: %(label)s", label=audience_label)),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _stage_event(event: Event, state: stage_rules.StageState) -> str:
    body = templates.env.get_template("live/_stage_body.html").render(_body_context(event, state))
    timer_end = state.timer.planned_end if state.timer and state.timer.remaining_seconds is not None else None
    return sse(
        "stage",
        {
            "phase": state.phase,
            "status": str(state.session.status),
            "server_now": datetime.now(UTC).isoformat(),
            "timer_end": timer_end.isoformat() if timer_end else None,
            "html": body,
        },
    )


async def stage_events(request: Request):
    """The stage screen's stream: a `stage` event with the screen's body at each change (a slot,
    the agenda, the session's status, a reveal). A visitor whose link was replaced gets `end`."""
    event: Event = request.state.event
    session = await _watched_session(request)
    secret_key = request.app.state.settings.secret_key
    key = request.query_params.get("key")
    by_link = not stage_rules.is_public(event, session) and stage_rules.token_matches(
        session, key, secret_key=secret_key
    )

    async def state(current: JurySession, kinds: set[str], messages: list | None = None) -> list[str]:
        if by_link and not stage_rules.token_matches(current, key, secret_key=secret_key):
            return [sse("end", {"status": "link"})]  # the page reloads, and is refused
        if kinds & {"slot", "agenda", "session", "resync", "reveal"}:
            return [_stage_event(event, await stage_rules.stage_state(current))]
        return []

    return EventStream(_follow(session.id, state, followed=tuple(SessionStatus)))


# --- the printed cards ------------------------------------------------------------------------------


async def _card(request: Request, *, kind: str):
    event: Event = request.state.event
    session = await _session_or_404(request)
    if kind == "jurors":
        url = _absolute(request, f"/events/{event.slug}/jury/{session.id}/live")
        title = _("Jurors' card: %(name)s", name=session.name)
        lead = _("Scan to follow the pitches and score them on your phone.")
        label = _("QR code to the jurors' live page")
    else:
        url, label = _audience_link(request, event, session)
        title = _("Visitors' card: %(name)s", name=session.name)
        lead = (
            _("Scan to vote for your favourite team.")
            if session.public_vote
            else _("Scan to follow the event and its teams.")
        )
        label = _("QR code: %(label)s", label=label)
    return render(
        request,
        "live/card.html",
        {
            "event": event,
            "session": session,
            "title": title,
            "lead": lead,
            "url": url,
            "kind": kind,
            "qr": qr_svg(url, label=label),
            "back": f"/events/{event.slug}/manage/juries/{session.id}/live",
        },
    )


async def jurors_card(request: Request):
    """A printable card with a QR code to the jurors' live page (signing in still applies)."""
    return await _card(request, kind="jurors")


async def visitors_card(request: Request):
    """A printable card with a QR code to the public vote (or the event page without one)."""
    return await _card(request, kind="visitors")


_STAGE = "/events/{slug}/live/{session_id:id}/stage"
_CARDS = "/events/{slug}/manage/juries/{session_id:id}/live/cards"

routes = [
    # Public, organisers, or the sharing link: checked in each handler, 404 to anyone else.
    route(_STAGE, stage_screen, access=PUBLIC),
    route(_STAGE + "/events", stage_events, access=PUBLIC),
    route(_CARDS + "/jurors", jurors_card, access=ORGANISER),
    route(_CARDS + "/visitors", visitors_card, access=ORGANISER),
]
