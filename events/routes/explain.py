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
from events.domain import pairwise as pairwise_rules
from events.domain import results as results_rules
from events.domain import stability as stability_rules
from events.domain.criteria import format_number
from events.domain.deliberation import changes_of, final_rows
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
    if pairwise_rules.is_pairwise(session):
        return await _explain_pairwise(request, session, entry, results, as_organiser)
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
    final = next((r for r in final_rows(session.results_snapshot) if r["entry_id"] == entry.id), None)
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
            "final": final,
            "deliberation": changes_of(session.results_snapshot, entry.id),
            "tie_break": [_(rule) for rule in TIE_BREAK],
            "format_number": format_number,
        },
    )


async def _explain_pairwise(
    request: Request, session: JurySession, entry: Entry, results: dict, as_organiser: bool
):
    """A pairwise session's entry: its strength and uncertainty, the comparisons it was in (the
    other entries named to organisers only: a juror may be conflicted with them) and how stable
    its place is."""
    row = next((row for row in results["entries"] if row["entry_id"] == entry.id), None)
    if row is None:
        raise not_found(request)
    comparisons = pairwise_rules.entry_comparisons(await pairwise_rules.log_rows(session.id), entry.id)
    titles = {}
    if as_organiser:
        ids = {item.other_id for item in comparisons if item.other_id is not None}
        titles = dict(await Entry.filter(id__in=ids).values_list("id", "title"))
    stability = await stability_rules.pairwise_stability(session, results)
    found = stability.for_entry(entry.id)
    labels = {int(juror): label for juror, label in results.get("juror_labels", {}).items()}
    return render(
        request,
        "jury_admin/explain_pairwise.html",
        {
            "event": request.state.event,
            "session": session,
            "entry": entry,
            "row": row,
            "frozen": session.results_snapshot is not None,
            "comparisons": comparisons,
            "titles": titles,
            "labels": labels,
            "as_organiser": as_organiser,
            "stability": stability,
            "challenge_stability": found[0] if found else None,
            "entry_stability": found[1] if found else None,
            "viewer_id": request.state.user.id,
        },
    )


routes = [
    # Organisers and the session's jurors; the handler answers 404 to everyone else.
    route(
        "/events/{slug}/manage/juries/{session_id:id}/results/{entry_id:id}", explain_entry, access=SIGNED_IN
    ),
]
