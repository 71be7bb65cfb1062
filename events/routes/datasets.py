"""The dataset catalogue of an event: the organiser's workspace and the public pages.

Thin handlers: they read the form, call one function of `events.domain.portals`, and render.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, PUBLIC, not_found, route
from events.domain import gallery, linked_data, open_data, portals, restricted, reuses
from events.domain.fetching import FetchError
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _
from events.models import Challenge, ChallengeDataset, ChallengeStatus, Dataset, DatasetStatus, Event
from events.outcomes import submit
from events.paging import asked_page, page_of, pager
from events.templating import render

MANUAL_FIELDS = ("title", "publisher", "licence", "url", "description")


def _allow_private(request: Request) -> bool:
    return request.app.state.settings.fetch_allow_private


async def _dataset_of(request: Request, event: Event) -> Dataset:
    """The dataset named in the URL, if it belongs to this event; 404 otherwise."""
    dataset_id = request.path_params["dataset_id"]
    dataset = await Dataset.get_or_none(id=dataset_id, event_id=event.id)
    if dataset is None:
        raise not_found(request)
    return dataset


def _manage_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/datasets"


# --- organiser ----------------------------------------------------------------------------------


async def _catalogue_page(request: Request, *, forms: dict | None = None, status_code: int = 200):
    event: Event = request.state.event
    forms = forms or {}
    return render(
        request,
        "datasets/manage.html",
        {
            "event": event,
            "datasets": await Dataset.filter(event_id=event.id),
            "import_errors": forms.get("import", ({}, {}))[0],
            "import_values": forms.get("import", ({}, {}))[1],
            "manual_errors": forms.get("manual", ({}, {}))[0],
            "manual_values": forms.get("manual", ({}, {}))[1],
        },
        status_code=status_code,
    )


async def manage_datasets(request: Request):
    return await _catalogue_page(request)


async def import_dataset(request: Request):
    event: Event = request.state.event
    values = await read_form(request)
    answer = await submit(
        request,
        portals.import_dataset(event=event, url=values.get("url", ""), allow_private=_allow_private(request)),
        done=lambda dataset: _("“%(title)s” is added to the catalogue.", title=dataset.title),
        then=_manage_url(event),
    )
    if answer.response:
        return answer.response
    return await _catalogue_page(
        request, forms={"import": (answer.errors, {"url": values.get("url", "")})}, status_code=422
    )


async def add_dataset(request: Request):
    event: Event = request.state.event
    form = await read_form(request)
    values = {name: form.get(name, "") for name in MANUAL_FIELDS}
    answer = await submit(
        request,
        portals.create_manual_dataset(event=event, **values),
        done=lambda dataset: _("“%(title)s” is added to the catalogue.", title=dataset.title),
        then=_manage_url(event),
    )
    if answer.response:
        return answer.response
    return await _catalogue_page(request, forms={"manual": (answer.errors, values)}, status_code=422)


async def refresh_dataset(request: Request):
    event: Event = request.state.event
    dataset = await _dataset_of(request, event)
    try:
        await portals.refresh_dataset(dataset, allow_private=_allow_private(request))
    except FetchError as error:
        flash(
            request,
            _("“%(title)s” could not be refreshed: %(reason)s", title=dataset.title, reason=error.message),
            "error",
        )
    else:
        if dataset.status == DatasetStatus.GONE:
            flash(
                request,
                _("“%(title)s” is gone from its portal: it is kept and marked as gone.", title=dataset.title),
                "warning",
            )
        else:
            flash(request, _("“%(title)s” is up to date.", title=dataset.title), "success")
    return RedirectResponse(_manage_url(event), status_code=303)


async def _settings_page(
    request: Request,
    dataset: Dataset,
    *,
    errors=None,
    values=None,
    terms_errors=None,
    terms_values=None,
    status_code=200,
):
    event: Event = request.state.event
    if values is None:
        values = {
            "title": dataset.title,
            "publisher": dataset.publisher,
            "licence": dataset.licence_id or dataset.licence_title,
            "url": dataset.landing_url,
            "description": dataset.description,
        }
    if terms_values is None:
        terms_values = {"restricted": dataset.restricted, "terms": dataset.restricted_terms}
    return render(
        request,
        "datasets/edit.html",
        {
            "event": event,
            "dataset": dataset,
            "errors": errors or {},
            "values": values,
            "terms_errors": terms_errors or {},
            "terms_values": terms_values,
        },
        status_code=status_code,
    )


async def edit_dataset(request: Request):
    event: Event = request.state.event
    dataset = await _dataset_of(request, event)
    if request.method == "GET":
        return await _settings_page(request, dataset)
    form = await read_form(request)
    values = {name: form.get(name, "") for name in MANUAL_FIELDS}
    answer = await submit(
        request,
        portals.update_manual_dataset(dataset=dataset, **values),
        done=_("The dataset is saved."),
        then=_manage_url(event),
    )
    if answer.response:
        return answer.response
    return await _settings_page(request, dataset, errors=answer.errors, values=values, status_code=422)


async def restrict_dataset(request: Request):
    event: Event = request.state.event
    dataset = await _dataset_of(request, event)
    form = await read_form(request)
    restricted = checkbox(form, "restricted")
    terms = form.get("terms", "")
    answer = await submit(
        request,
        portals.set_restriction(dataset=dataset, restricted=restricted, terms=terms),
        done=_("The access terms are saved."),
        then=_manage_url(event),
    )
    if answer.response:
        return answer.response
    return await _settings_page(
        request,
        dataset,
        terms_errors=answer.errors,
        terms_values={"restricted": restricted, "terms": terms},
        status_code=422,
    )


# --- public ---------------------------------------------------------------------------------------


CATALOGUE_PER_PAGE = 50


async def dataset_catalogue(request: Request):
    """The catalogue with filters in the query string (plain GET forms: no script needed), a page at a
    time. The filters' choices come from the whole catalogue, read as a few columns; only the page's
    datasets are read, without the portal's raw answer."""
    event: Event = request.state.event
    facts = await (
        Dataset.filter(event_id=event.id)
        .order_by("title", "id")
        .values_list("id", "licence_spdx", "licence_title", "publisher", "formats")
    )
    challenges = await Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED).only(
        "id", "slug", "title", "position"
    )
    chosen = {
        name: request.query_params.get(name, "")[:300]
        for name in ("licence", "publisher", "format", "challenge")
    }
    options = {
        "licence": sorted({_licence_key(spdx, title) for _id, spdx, title, _p, _f in facts} - {""}),
        "publisher": sorted({publisher for _id, _s, _t, publisher, _f in facts if publisher}),
        "format": sorted({name for *_rest, formats in facts for name in formats or []}),
    }
    shown = facts
    if chosen["licence"]:
        shown = [row for row in shown if _licence_key(row[1], row[2]) == chosen["licence"]]
    if chosen["publisher"]:
        shown = [row for row in shown if row[3] == chosen["publisher"]]
    if chosen["format"]:
        shown = [row for row in shown if chosen["format"] in (row[4] or [])]
    if chosen["challenge"]:
        challenge = next((c for c in challenges if c.slug == chosen["challenge"]), None)
        linked = set()
        if challenge is not None:
            linked = set(
                await ChallengeDataset.filter(challenge_id=challenge.id).values_list("dataset_id", flat=True)
            )
        shown = [row for row in shown if row[0] in linked]
    page = page_of(total=len(shown), per_page=CATALOGUE_PER_PAGE, asked=asked_page(request))
    ids = [row[0] for row in shown[page.offset : page.offset + page.per_page]]
    datasets = (
        await Dataset.filter(id__in=ids).order_by("title", "id").only(*open_data.DATASET_COLUMNS)
        if ids
        else []
    )
    return render(
        request,
        "datasets/catalogue.html",
        {
            "event": event,
            "datasets": datasets,
            "page": page,
            "pager": pager(request, page),
            "total": len(facts),
            "challenges": challenges,
            "options": options,
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "attribution_line": portals.attribution_line,
        },
    )


def _licence_key(spdx: str, title: str) -> str:
    return spdx or title


async def dataset_page(request: Request):
    event: Event = request.state.event
    dataset = await _dataset_of(request, event)
    challenges = await Challenge.filter(
        event_id=event.id, status=ChallengeStatus.PUBLISHED, dataset_links__dataset_id=dataset.id
    )
    access = await restricted.link_access(dataset=dataset, event=event, user=request.state.user)
    viewer = await gallery.viewer_for(event=event, user=request.state.user)
    reuse = await gallery.reuse_report(dataset=dataset, viewer=viewer)
    return render(
        request,
        "datasets/dataset.html",
        {
            "event": event,
            "dataset": dataset,
            "challenges": challenges,
            "attribution": portals.attribution_line(dataset),
            "share_alike": portals.share_alike_warning(dataset),
            "access": access,
            "reuse": reuse,
            "reuse_by_challenge": gallery.reuse_by_challenge(reuse),
            "reuse_viewer": viewer,
            "portal_reuses": await reuses.reuses_of(dataset),
            "linked_data": linked_data.dataset(
                dataset=dataset,
                event=event,
                base_url=request.app.state.settings.base_url.rstrip("/"),
                show_addresses=access.show_links,
            )
            if linked_data.is_listed(event)
            else None,
        },
    )


routes = [
    route("/events/{slug}/manage/datasets", manage_datasets, access=ORGANISER),
    route("/events/{slug}/manage/datasets/import", import_dataset, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/datasets/new", add_dataset, access=ORGANISER, methods=("POST",)),
    route(
        "/events/{slug}/manage/datasets/{dataset_id:id}",
        edit_dataset,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/datasets/{dataset_id:id}/refresh",
        refresh_dataset,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/datasets/{dataset_id:id}/restriction",
        restrict_dataset,
        access=ORGANISER,
        methods=("POST",),
    ),
    route("/events/{slug}/datasets", dataset_catalogue, access=PUBLIC),
    route("/events/{slug}/datasets/{dataset_id:id}", dataset_page, access=PUBLIC),
]
