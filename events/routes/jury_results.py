"""Organiser pages for a jury session's results: the ranking with its explanation links, how stable
it is (bootstrap over jurors, leave one juror out), the jurors' calibration, and the exports
(results as CSV and JSON, the stability figures as CSV and JSON, every score as CSV)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from events.auth import ORGANISER, route
from events.csv_export import attachment, csv_response
from events.domain import calibration as calibration_rules
from events.domain import criteria as criteria_rules
from events.domain import figures as figure_rules
from events.domain import jury_exports as export_rules
from events.domain import pairwise as pairwise_rules
from events.domain import results as results_rules
from events.domain import stability as stability_rules
from events.domain.results import TIE_BREAK
from events.i18n import _
from events.models import Event
from events.routes.jury_sessions import session_or_404
from events.templating import render


async def jury_results(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    results = await results_rules.session_results(session)
    names = await export_rules.names_for(session, results)
    by_challenge: dict[int, list[dict]] = {}
    for row in results["entries"]:
        by_challenge.setdefault(row["challenge_id"], []).append(row)
    if pairwise_rules.is_pairwise(session):  # no sheets: no calibration, a bootstrap over comparisons
        stability = await stability_rules.pairwise_stability(session, results, names.awards)
        calibration = None
    else:
        panel, stability = await stability_rules.session_stability(session, results, names.awards)
        calibration = calibration_rules.calibrate(panel)
    # no spread of jurors' totals in a pairwise session: its scores are strengths, not totals
    spreads = {}
    if not pairwise_rules.is_pairwise(session):
        spreads = {
            challenge_id: figure_rules.score_spread(
                [
                    (
                        names.entries[row["entry_id"]].title
                        if row["entry_id"] in names.entries
                        else str(row["entry_id"]),
                        row,
                    )
                    for row in rows
                ]
            )
            for challenge_id, rows in by_challenge.items()
        }
    return render(
        request,
        "jury_admin/results.html",
        {
            "event": event,
            "session": session,
            "results": results,
            "names": names,
            "by_challenge": by_challenge,
            "spreads": spreads,
            "spread_limit": figure_rules.MAX_ITEMS,
            "frozen": session.results_snapshot is not None,
            "tie_break": [_(rule) for rule in TIE_BREAK],
            "format_number": criteria_rules.format_number,
            "titles": {entry_id: entry.title for entry_id, entry in names.entries.items()},
            "stability": stability,
            "calibration": calibration,
            "thresholds": {"z": calibration_rules.OFFSET_Z, "agreement": calibration_rules.AGREEMENT},
        },
    )


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": attachment(filename),
            "Cache-Control": "private, no-store",
        },
    )


async def jury_results_csv(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    results = await results_rules.session_results(session)
    header, rows = export_rules.results_table(results, await export_rules.names_for(session, results))
    return csv_response(f"{event.slug}-jury-{session.id}-results.csv", header, rows)


async def jury_results_json(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    results = await results_rules.session_results(session)
    data = export_rules.results_json(session, results, await export_rules.names_for(session, results))
    return _download(
        json.dumps(data, ensure_ascii=False, indent=2),
        "application/json",
        f"{event.slug}-jury-{session.id}-results.json",
    )


async def _stability(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    results = await results_rules.session_results(session)
    names = await export_rules.names_for(session, results)
    if pairwise_rules.is_pairwise(session):
        stability = await stability_rules.pairwise_stability(session, results, names.awards)
    else:
        _panel, stability = await stability_rules.session_stability(session, results, names.awards)
    titles = {entry_id: entry.title for entry_id, entry in names.entries.items()}
    return event, session, stability, titles, names.challenges


async def jury_stability_csv(request: Request):
    event, session, stability, titles, challenges = await _stability(request)
    header, rows = stability_rules.stability_table(stability, titles, challenges)
    return csv_response(f"{event.slug}-jury-{session.id}-stability.csv", header, rows)


async def jury_stability_json(request: Request):
    event, session, stability, titles, challenges = await _stability(request)
    return _download(
        json.dumps(
            stability_rules.stability_json(session, stability, titles, challenges),
            ensure_ascii=False,
            indent=2,
        ),
        "application/json",
        f"{event.slug}-jury-{session.id}-stability.json",
    )


async def jury_scores_csv(request: Request):
    event: Event = request.state.event
    session = await session_or_404(request, event)
    header, rows = await export_rules.scores_table(session)
    return csv_response(f"{event.slug}-jury-{session.id}-scores.csv", header, rows)


async def jury_comparisons_csv(request: Request):
    """A pairwise session's comparison log, undo rows included (a rubric session's is empty)."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    header, rows = export_rules.comparisons_table(await export_rules.comparisons_log(session))
    return csv_response(f"{event.slug}-jury-{session.id}-comparisons.csv", header, rows)


async def jury_comparisons_json(request: Request):
    """The comparison log and the ranking inferred from it, with each entry's uncertainty."""
    event: Event = request.state.event
    session = await session_or_404(request, event)
    results = await results_rules.session_results(session)
    data = {
        "comparisons": await export_rules.comparisons_log(session),
        "ranking": export_rules.results_json(
            session, results, await export_rules.names_for(session, results)
        ),
    }
    return _download(
        json.dumps(data, ensure_ascii=False, indent=2),
        "application/json",
        f"{event.slug}-jury-{session.id}-comparisons.json",
    )


_SESSION = "/events/{slug}/manage/juries/{session_id:id}"

routes = [
    route(_SESSION + "/results", jury_results, access=ORGANISER),
    route(_SESSION + "/results.csv", jury_results_csv, access=ORGANISER),
    route(_SESSION + "/results.json", jury_results_json, access=ORGANISER),
    route(_SESSION + "/stability.csv", jury_stability_csv, access=ORGANISER),
    route(_SESSION + "/stability.json", jury_stability_json, access=ORGANISER),
    route(_SESSION + "/scores.csv", jury_scores_csv, access=ORGANISER),
    route(_SESSION + "/comparisons.csv", jury_comparisons_csv, access=ORGANISER),
    route(_SESSION + "/comparisons.json", jury_comparisons_json, access=ORGANISER),
]
