"""Reuses on open-data portals: the organisers' list, an entry's reuse record (page and JSON download),
its publication to a udata portal, and forgetting a stored API key.

Thin handlers over `events.domain.reuses`. Only a public entry (the gallery's, or awarded in a published
session) has a record: any other entry, or another event's, is 404 (docs/SECURITY.md, "Reuses on
open-data portals").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.auth import ORGANISER, not_found, route
from events.csv_export import attachment
from events.domain import reuses as rules
from events.domain.errors import FormErrors
from events.flash import flash
from events.forms import read_form
from events.i18n import _
from events.models import Entry, Event
from events.outcomes import act
from events.templating import render

CHOICE_FIELDS = ("portal", "type", "topic", "address", "image", "choose")


def _manage_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/reuses"


def _entry_url(event: Event, entry: Entry, portal: str = "") -> str:
    url = f"/events/{event.slug}/manage/entries/{entry.id}/reuse"
    return f"{url}?{urlencode({'portal': portal})}" if portal else url


async def _public_entry(request: Request) -> tuple[Entry, rules.Standing]:
    found = await rules.public_entry(event=request.state.event, entry_id=request.path_params["entry_id"])
    if found is None:
        raise not_found(request)
    return found


def _choices_from(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values[name][:600] for name in CHOICE_FIELDS if name in values}


async def manage_reuses(request: Request):
    event: Event = request.state.event
    settings = request.app.state.settings
    return render(
        request,
        "reuses/manage.html",
        {
            "event": event,
            "entries": await rules.public_entries(event),
            "keys": await rules.event_keys(event=event, secret_key=settings.secret_key),
            "portal_host": rules.portal_host,
        },
    )


async def forget_portal_key(request: Request):
    event: Event = request.state.event
    form = await read_form(request)
    return await act(
        request,
        rules.forget_key(event=event, portal=form.get("portal", "")[:600]),
        done=lambda host: _("The API key for %(host)s is forgotten.", host=host),
        then=_manage_url(event),
    )


async def _reuse_page(
    request: Request,
    entry: Entry,
    standing: rules.Standing,
    values: Mapping[str, str],
    *,
    errors: dict | None = None,
    status_code: int = 200,
):
    event: Event = request.state.event
    settings = request.app.state.settings
    record = await rules.build_record(
        event=event, entry=entry, standing=standing, values=values, base_url=settings.base_url
    )
    # What the publish form shows in its address field: what was typed (kept after an error), else
    # the portal the record is made for.
    typed_portal = values.get("portal", "")[:600] if errors else record.choices.portal
    download = urlencode(
        {**record.choices.as_dict(), "image": "on" if record.choices.image else "", "choose": 1}
    )
    return render(
        request,
        "reuses/entry.html",
        {
            "event": event,
            "entry": entry,
            "standing": standing,
            "record": record,
            "types": rules.type_choices(),
            "topics": [(value, _(label)) for value, label in rules.REUSE_TOPICS.items()],
            "address_labels": {key: _(label) for key, label in rules.ADDRESSES.items()},
            "key_status": await rules.stored_key(
                event=event, portal=record.choices.portal, secret_key=settings.secret_key
            ),
            "portal_host": rules.portal_host,
            "typed_portal": typed_portal,
            "download_query": download,
            "errors": errors or {},
        },
        status_code=status_code,
    )


async def entry_reuse(request: Request):
    entry, standing = await _public_entry(request)
    return await _reuse_page(request, entry, standing, _choices_from(request.query_params))


async def entry_reuse_json(request: Request):
    """The record as a JSON file, with the choices in the query string (those of the page's link)."""
    event: Event = request.state.event
    entry, standing = await _public_entry(request)
    record = await rules.build_record(
        event=event,
        entry=entry,
        standing=standing,
        values=_choices_from(request.query_params),
        base_url=request.app.state.settings.base_url,
    )
    return Response(
        json.dumps(record.payload, ensure_ascii=False, indent=2) + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": attachment(f"{event.slug}-entry-{entry.id}-reuse.json"),
            "Cache-Control": "private, no-store",
        },
    )


async def publish_reuse(request: Request):
    event: Event = request.state.event
    settings = request.app.state.settings
    entry, standing = await _public_entry(request)
    form = await read_form(request)
    try:
        published = await rules.publish(
            event=event,
            entry=entry,
            standing=standing,
            values=form,
            user=request.state.user,
            base_url=settings.base_url,
            secret_key=settings.secret_key,
            storage=request.app.state.storage,
            allow_private=settings.fetch_allow_private,
        )
    except FormErrors as error:
        return await _reuse_page(
            request, entry, standing, _choices_from(form), errors=error.errors, status_code=422
        )
    host = rules.portal_host(published.reuse.portal_url)
    if published.created:
        done = _("“%(title)s” is published on %(host)s.", title=entry.title, host=host)
    else:
        done = _("The reuse “%(title)s” is updated on %(host)s.", title=entry.title, host=host)
    flash(request, done, "success")
    if published.image_warning:
        flash(request, published.image_warning, "warning")
    return RedirectResponse(_entry_url(event, entry, published.reuse.portal_url), status_code=303)


routes = [
    route("/events/{slug}/manage/reuses", manage_reuses, access=ORGANISER),
    route("/events/{slug}/manage/reuses/forget-key", forget_portal_key, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/entries/{entry_id:id}/reuse", entry_reuse, access=ORGANISER),
    route("/events/{slug}/manage/entries/{entry_id:id}/reuse.json", entry_reuse_json, access=ORGANISER),
    route(
        "/events/{slug}/manage/entries/{entry_id:id}/reuse/publish",
        publish_reuse,
        access=ORGANISER,
        methods=("POST",),
    ),
]
