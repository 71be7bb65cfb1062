"""The organisers' selection desk: entries of a round with filters, decisions, advancing, the gallery.

Thin handlers over `events.domain.selection` and `events.domain.gallery`. An entry or a round is
looked up inside the event of the URL, so another event's object is 404 (docs/SECURITY.md).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, not_found, route
from events.csv_export import csv_response
from events.domain import exports as export_rules
from events.domain import gallery as gallery_rules
from events.domain import selection as selection_rules
from events.domain import shortlist as shortlist_rules
from events.domain.criteria import format_number
from events.domain.numbers import parse_id
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _, ngettext
from events.models import Challenge, Entry, EntryStatus, Event, GalleryMode, Round, Selection
from events.outcomes import act
from events.paging import asked_page, page_of, page_url, pager
from events.templating import render


def _manage_url(event: Event, query: str = "") -> str:
    url = f"/events/{event.slug}/manage/entries"
    return f"{url}?{query}" if query else url


def _back(event: Event, form: dict[str, str]) -> str:
    """Back to the list with the filters the organiser was using (only our own parameter names)."""
    kept = {
        name: form.get(f"keep_{name}", "") for name in ("round", "challenge", "status", "selection", "page")
    }
    return _manage_url(event, urlencode({k: v for k, v in kept.items() if v}))


ENTRIES_PER_PAGE = 50


async def manage_entries(request: Request):
    """Entries of the event with filters in the query string (a plain GET form: no script needed), a
    page at a time, with the counts per decision. `?tick=all` comes back with every row of the page
    ticked for a batch decision: "select all" without a script."""
    event: Event = request.state.event
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    challenges = await Challenge.filter(event_id=event.id).order_by("position", "id")
    filters = selection_rules.read_filters(dict(request.query_params), rounds, challenges)
    stage = next((r for r in rounds if r.id == filters.round_id), None)
    counts = await selection_rules.decision_counts(event=event, filters=filters)
    total = counts[Selection(filters.selection)] if filters.selection else sum(counts.values())
    page = page_of(total=total, per_page=ENTRIES_PER_PAGE, asked=asked_page(request))
    entries = await selection_rules.entries_for_selection(
        event=event, filters=filters, offset=page.offset, limit=page.per_page
    )
    return render(
        request,
        "selection/manage.html",
        {
            "event": event,
            "rounds": rounds,
            "challenges": challenges,
            "filters": filters,
            "stage": stage,
            "advance_steps": await selection_rules.advance_steps(event=event),
            "entries": entries,
            "counts": counts,
            "page": page,
            "pager": pager(request, page),
            "tick_all": request.query_params.get("tick") == "all",
            "tick_all_url": page_url(request, page.number, tick="all"),
            "untick_url": page_url(request, page.number, tick=None),
            # The score and rank each entry got from a closed jury session (one query).
            "jury_figures": await shortlist_rules.jury_figures(event),
            "format_number": format_number,
            "idle_teams": await selection_rules.teams_without_entry(event=event, stage=stage),
            "statuses": list(EntryStatus),
            "selections": list(Selection),
            # The batch offers the decisions one makes in bulk first; "pending" undoes them.
            "batch_choices": [
                Selection.SELECTED,
                Selection.WAITLISTED,
                Selection.REJECTED,
                Selection.PENDING,
            ],
            "gallery_public": await gallery_rules.gallery_is_public(event=event),
            "gallery_opens_at": gallery_rules.opens_at(event, await gallery_rules.last_round(event)),
            "gallery_modes": list(GalleryMode),
        },
    )


async def decide_entry(request: Request):
    event: Event = request.state.event
    entry = await Entry.get_or_none(id=request.path_params["entry_id"], event_id=event.id)
    if entry is None:
        raise not_found(request)
    form = await read_form(request)
    return await act(
        request,
        selection_rules.set_selection(
            entry=entry,
            event=event,
            selection=form.get("selection", ""),
            message=form.get("message", ""),
            notify=checkbox(form, "notify"),
            user=request.state.user,
            base_url=request.app.state.settings.base_url,
        ),
        done=lambda decided: _(
            "“%(title)s” is marked %(decision)s.",
            title=decided.title,
            decision=decided.selection.label,
        ),
        then=_back(event, form),
    )


async def decide_entries(request: Request):
    """One decision for every ticked entry (checkboxes named `entry_{id}`), all or nothing."""
    event: Event = request.state.event
    form = await read_form(request)
    ticked = [parse_id(name.removeprefix("entry_")) for name in form if name.startswith("entry_")]

    def said(decided: selection_rules.Decided) -> str:
        text = ngettext(
            "%(num)s entry is now %(decision)s.",
            "%(num)s entries are now %(decision)s.",
            len(decided.changed),
            decision=decided.decision.label,
        )
        if decided.unchanged:
            text += " " + ngettext("%(num)s already was.", "%(num)s already were.", decided.unchanged)
        return text

    return await act(
        request,
        selection_rules.decide_many(
            event=event,
            entry_ids=[entry_id for entry_id in ticked if entry_id is not None],
            selection=form.get("selection", ""),
            message=form.get("message", ""),
            notify=checkbox(form, "notify"),
            user=request.state.user,
            base_url=request.app.state.settings.base_url,
        ),
        done=said,
        then=_back(event, form),
    )


async def advance_round(request: Request):
    event: Event = request.state.event
    form = await read_form(request)
    round_id = parse_id(form.get("round"))
    stage = await Round.get_or_none(id=round_id, event_id=event.id) if round_id else None
    if stage is None:
        flash(request, _("Choose a round of this event."), "error")
        return RedirectResponse(_back(event, form), status_code=303)
    return await act(
        request,
        selection_rules.advance_selected(event=event, stage=stage, user=request.state.user),
        done=lambda advanced: ngettext(
            "%(num)s selected team has its draft entry in the next round.",
            "%(num)s selected teams have their draft entry in the next round.",
            len(advanced),
        ),
        then=_back(event, form),
    )


async def entries_csv(request: Request):
    event: Event = request.state.event
    header, rows = await export_rules.entries_table(event=event, base_url=request.app.state.settings.base_url)
    return csv_response(f"{event.slug}-entries.csv", header, rows)


async def gallery_setting(request: Request):
    event: Event = request.state.event
    form = await read_form(request)
    return await act(
        request,
        gallery_rules.set_gallery_mode(event=event, mode=form.get("gallery", "")),
        done=_("The gallery setting is saved."),
        then=_manage_url(event) + "#gallery",
    )


routes = [
    route("/events/{slug}/manage/entries", manage_entries, access=ORGANISER),
    route("/events/{slug}/manage/entries.csv", entries_csv, access=ORGANISER),
    route("/events/{slug}/manage/entries/decisions", decide_entries, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/entries/advance", advance_round, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/gallery", gallery_setting, access=ORGANISER, methods=("POST",)),
    route(
        "/events/{slug}/manage/entries/{entry_id:id}/selection",
        decide_entry,
        access=ORGANISER,
        methods=("POST",),
    ),
]
