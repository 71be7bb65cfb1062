"""How one entry's result came about in a jury session: its per-criterion averages, each juror's
total under an anonymous label, what normalisation and the trimmed mean changed, and how stable its
place is (its share of resamples first and in the top k, its rank without each juror; nothing
about the other entries, which a juror reading it may be conflicted with).

Who may read it: the event's organisers (and admins) at any time, provisional while the session is
open; the session's jurors once it is closed, so that anyone on the jury can check the results,
except for an entry they are conflicted with. Everyone else gets 404, as for an entry that is not in
the session's results. The figures come from `events.domain.results.explain_entry`.
"""

from __future__ import annotations

from starlette.requests import Request

from events.auth import SIGNED_IN, not_found, route
from events.domain import assignments as assignment_rules
from events.domain import figures as figure_rules
from events.domain import results as results_rules
from events.domain import stability as stability_rules
from events.domain.criteria import format_number
from events.domain.results import TIE_BREAK
from events.i18n import _
from events.models import (
    Entry,
    Event,
    EventRole,
    JurySession,
    JurySessionJuror,
    Role,
    SessionStatus,
    User,
)
from events.templating import render

# Jurors read the explanations once the scores can no longer change.
JUROR_STATUSES = (SessionStatus.CLOSED, SessionStatus.PUBLISHED)


async def _may_read(user: User, event: Event, session: JurySession, entry: Entry) -> tuple[bool, bool]:
    """(may read, as an organiser)."""
    if user.is_admin or await EventRole.exists(event_id=event.id, user_id=user.id, role=Role.ORGANISER):
        return True, True
    seated = (
        session.status in JUROR_STATUSES
        and await JurySessionJuror.exists(session_id=session.id, user_id=user.id)
        and await EventRole.exists(event_id=event.id, user_id=user.id, role=Role.JUROR)
        and not await assignment_rules.is_conflicted(session=session, juror=user, entry=entry)
    )
    return seated, False


async def explain_entry(request: Request):
    event: Event = request.state.event
    user: User = request.state.user
    session = await JurySession.get_or_none(id=request.path_params["session_id"], event_id=event.id)
    entry = (
        await Entry.filter(id=request.path_params["entry_id"], event_id=event.id)
        .select_related("team", "challenge")
        .first()
    )
    if session is None or entry is None:
        raise not_found(request)
    allowed, as_organiser = await _may_read(user, event, session, entry)
    if not allowed:
        raise not_found(request)
    results = await results_rules.explanation_results(session)
    explanation = await results_rules.explain_entry(
        session=session,
        entry_id=entry.id,
        challenge_id=entry.challenge_id,
        viewer_id=user.id,
        results=results,
    )
    if explanation is None:
        raise not_found(request)
    # How stable its place is: this entry's figures only (a juror may be conflicted with another).
    _panel, stability = await stability_rules.session_stability(session, results)
    found = stability.for_entry(entry.id)
    profile, profiled = figure_rules.profile(explanation.criteria)
    return render(
        request,
        "jury_admin/explain.html",
        {
            "event": event,
            "session": session,
            "entry": entry,
            "explanation": explanation,
            "row": explanation.row,
            "profile": profile,
            "profiled": profiled,
            "as_organiser": as_organiser,
            "stability": stability,
            "challenge_stability": found[0] if found else None,
            "entry_stability": found[1] if found else None,
            "viewer_id": user.id,
            "tie_break": [_(rule) for rule in TIE_BREAK],
            "format_number": format_number,
        },
    )


routes = [
    # Organisers and the session's jurors; the handler answers 404 to everyone else.
    route(
        "/events/{slug}/manage/juries/{session_id:id}/results/{entry_id:id}", explain_entry, access=SIGNED_IN
    ),
]
