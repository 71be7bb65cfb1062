"""The public side of entries: the gallery (per event, per challenge), an entry's page, reuse CSV.

Thin handlers over `events.domain.gallery`. A gallery that is not public is 404 to the public;
its organisers see it with a "not public yet" note. An entry not in a public gallery is 404 to all
but its team and the organisers.
"""

from __future__ import annotations

from starlette.requests import Request

from events.auth import PUBLIC, not_found, route
from events.csv_export import csv_response
from events.domain import gallery as gallery_rules
from events.domain import portals
from events.forms import fits
from events.models import Challenge, ChallengeStatus, Dataset, Event
from events.paging import asked_page, page_of, pager
from events.templating import render

GALLERY_PER_PAGE = 48


async def _gallery(request: Request, challenge: Challenge | None):
    event: Event = request.state.event
    viewer = await gallery_rules.viewer_for(event=event, user=request.state.user)
    if not viewer.public and not viewer.organiser:
        raise not_found(request)
    total = await gallery_rules.count_gallery_entries(event=event, viewer=viewer, challenge=challenge)
    page = page_of(total=total, per_page=GALLERY_PER_PAGE, asked=asked_page(request))
    entries = await gallery_rules.gallery_cards(
        event=event, viewer=viewer, challenge=challenge, offset=page.offset, limit=page.per_page
    )
    # The menu of challenges: their names and addresses only, not their Markdown texts.
    challenges = (
        await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED)
        .order_by("position", "id")
        .only("id", "slug", "title", "position")
    )
    return render(
        request,
        "gallery/gallery.html",
        {
            "event": event,
            "challenge": challenge,
            "challenges": challenges,
            "entries": entries,
            "page": page,
            "pager": pager(request, page),
            "viewer": viewer,
        },
    )


async def gallery(request: Request):
    return await _gallery(request, None)


async def challenge_gallery(request: Request):
    event: Event = request.state.event
    slug = request.path_params["challenge"]
    if not fits(Challenge, "slug", slug):
        raise not_found(request)
    challenge = await Challenge.get_or_none(event_id=event.id, slug=slug, status=ChallengeStatus.PUBLISHED)
    if challenge is None:
        raise not_found(request)
    return await _gallery(request, challenge)


async def entry_page(request: Request):
    event: Event = request.state.event
    viewer = await gallery_rules.viewer_for(event=event, user=request.state.user)
    entry = await gallery_rules.readable_entry(
        event=event, entry_id=request.path_params["entry_id"], viewer=viewer
    )
    if entry is None:
        raise not_found(request)
    details = await gallery_rules.entry_details(entry)
    return render(
        request,
        "gallery/entry.html",
        {
            "event": event,
            "entry": entry,
            "details": details,
            "viewer": viewer,
            "in_gallery": viewer.in_gallery(entry),
            "is_member": entry.team_id in viewer.team_ids,
            "attribution_line": portals.attribution_line,
        },
    )


async def reuse_csv(request: Request):
    """The dataset's reuse report as CSV: the entries this visitor may read, nothing more."""
    event: Event = request.state.event
    dataset = await Dataset.get_or_none(id=request.path_params["dataset_id"], event_id=event.id)
    if dataset is None:
        raise not_found(request)
    viewer = await gallery_rules.viewer_for(event=event, user=request.state.user)
    links = await gallery_rules.reuse_report(dataset=dataset, viewer=viewer)
    header, rows = gallery_rules.reuse_table(links, base_url=request.app.state.settings.base_url, event=event)
    return csv_response(f"{event.slug}-dataset-{dataset.id}-reuse.csv", header, rows)


routes = [
    route("/events/{slug}/gallery", gallery, access=PUBLIC),
    route("/events/{slug}/challenges/{challenge}/gallery", challenge_gallery, access=PUBLIC),
    route("/events/{slug}/entries/{entry_id:id}", entry_page, access=PUBLIC),
    route("/events/{slug}/datasets/{dataset_id:id}/reuse.csv", reuse_csv, access=PUBLIC),
]
