"""The instance's identity (admins), an event's images (its organisers), and serving both.

Thin handlers over `events.domain.branding`. An image comes as the import of people does
(`events.multipart.receive_file`, the CSRF token in the query string) into memory, within
`images.MAX_BYTES`, with any name: what decides is its content, decoded and re-encoded by
`events.domain.images` before anything is stored. Images are served at an address holding the hash
of their bytes, so a browser keeps them a year; the colours are a small stylesheet,
`/branding.css?v=<version>`, as the page's CSP allows no inline style.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from events.auth import ADMIN, ORGANISER, PUBLIC, not_found, route
from events.domain import branding as rules
from events.domain import images
from events.domain.errors import FormErrors
from events.forms import UnreadableRequest, read_form
from events.i18n import _
from events.models import Challenge, Event, ImageRole, SiteSettings
from events.multipart import InMemory, receive_file
from events.outcomes import act, submit
from events.templating import IMMUTABLE, render

SETTINGS = "/admin/settings"
IMAGE_EXTENSIONS = ("png", "jpg")  # what `Image.extension` names


# --- instance settings -----------------------------------------------------------------------------


async def _settings_page(
    request: Request, *, values=None, errors=None, form: str = "", status_code: int = 200
):
    if values is None:
        values = rules.settings_values(await SiteSettings.get_or_none(id=1))
    branding = await rules.load_branding()
    return render(
        request,
        "admin/settings.html",
        {
            "values": values,
            "errors": errors or {},
            "logo": branding.logo,
            "form": form,  # which form the errors belong to
            "link_rows": range(rules.FOOTER_LINKS),
            "max_megabytes": images.MAX_BYTES // (1024 * 1024),
        },
        status_code=status_code,
    )


def _forget(request: Request) -> None:
    """The settings changed: this process reads them again at the next page."""
    request.app.state.branding.invalidate()


async def instance_settings(request: Request):
    """GET: the form. POST: the name, colours (checked for contrast) and footer links."""
    if request.method == "GET":
        return await _settings_page(request)
    values = await read_form(request)
    answer = await submit(
        request, rules.save_settings(values), done=_("The settings are saved."), then=SETTINGS
    )
    if answer.response:
        _forget(request)
        return answer.response
    return await _settings_page(request, values=dict(values), errors=answer.errors, status_code=422)


class _Refused(Exception):
    """An upload refused before its content is read: the errors for the page, and its status."""

    def __init__(self, errors: dict, status_code: int) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status_code = status_code


async def _receive_image(request: Request) -> tuple[bytes, dict[str, str]]:
    """The uploaded image's bytes and the form's other fields; _Refused when there is none (400) or
    it is over the limit (413)."""
    memory = InMemory()
    try:
        received = await receive_file(
            request, memory, max_bytes=images.MAX_BYTES, check_content=False, any_extension=True
        )
    except UnreadableRequest as unreadable:
        raise _Refused({"file": unreadable.message}, 400) from None
    except HTTPException as error:
        if error.status_code != 413:
            raise
        raise _Refused({"file": images.too_large()}, 413) from None
    return memory.data, received.fields


async def upload_logo(request: Request):
    storage = request.app.state.storage
    try:
        data, _fields = await _receive_image(request)
    except _Refused as refused:
        return await _settings_page(
            request, errors=refused.errors, form="logo", status_code=refused.status_code
        )
    answer = await submit(
        request,
        rules.set_logo(storage=storage, data=data),
        done=_("The logo is saved."),
        then=SETTINGS,
    )
    if answer.response:
        _forget(request)
        return answer.response
    return await _settings_page(request, errors=answer.errors, form="logo", status_code=422)


async def remove_logo(request: Request):
    await read_form(request)
    response = await act(
        request,
        rules.remove_logo(storage=request.app.state.storage),
        done=_("The logo is removed."),
        then=SETTINGS,
    )
    _forget(request)
    return response


# --- an event's images -----------------------------------------------------------------------------


async def _images_page(request: Request, *, values=None, errors=None, form: str = "", status_code: int = 200):
    event: Event = request.state.event
    found = await rules.event_images(event)
    challenges = await Challenge.filter(event_id=event.id).order_by("title")
    return render(
        request,
        "events/images.html",
        {
            "event": event,
            "found": found,
            "challenges": challenges,
            "values": values or {"kind": ImageRole.SPONSOR.value},
            "errors": errors or {},
            "form": form,  # which form the errors belong to
            "max_megabytes": images.MAX_BYTES // (1024 * 1024),
            "kinds": [ImageRole.SPONSOR, ImageRole.PARTNER],
        },
        status_code=status_code,
    )


async def manage_images(request: Request):
    """The event's cover, sponsor and partner logos, and its challenges' illustrations."""
    return await _images_page(request)


def _images_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/images"


async def _upload(request: Request, form: str, action, done: str):
    """Receive an image, hand it to the domain with the other fields, answer like a form page."""
    event: Event = request.state.event
    try:
        data, fields = await _receive_image(request)
    except _Refused as refused:
        return await _images_page(request, errors=refused.errors, form=form, status_code=refused.status_code)
    answer = await submit(request, action(event, data, fields), done=done, then=_images_url(event))
    if answer.response:
        return answer.response
    return await _images_page(request, values=fields, errors=answer.errors, form=form, status_code=422)


async def upload_cover(request: Request):
    storage = request.app.state.storage
    return await _upload(
        request,
        "cover",
        lambda event, data, _fields: rules.set_cover(event=event, storage=storage, data=data),
        _("The cover image is saved."),
    )


async def add_sponsor(request: Request):
    storage = request.app.state.storage
    return await _upload(
        request,
        "sponsor",
        lambda event, data, fields: rules.add_sponsor(event=event, storage=storage, values=fields, data=data),
        _("The logo is added."),
    )


def _challenge_id(fields: dict[str, str]) -> int:
    text = fields.get("challenge", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


async def upload_illustration(request: Request):
    storage = request.app.state.storage
    return await _upload(
        request,
        "illustration",
        lambda event, data, fields: rules.set_illustration(
            event=event, challenge_id=_challenge_id(fields), storage=storage, data=data
        ),
        _("The illustration is saved."),
    )


async def remove_image(request: Request):
    event: Event = request.state.event
    await read_form(request)

    async def remove():
        removed = await rules.remove_event_image(
            event=event, image_id=request.path_params["image_id"], storage=request.app.state.storage
        )
        if removed is None:
            raise FormErrors({None: _("This image is already removed.")})

    return await act(request, remove(), done=_("The image is removed."), then=_images_url(event))


# --- serving ---------------------------------------------------------------------------------------


async def serve_image(request: Request):
    """An image by its id and the hash of its bytes: cached a year, never sniffed, never run."""
    sha256, _dot, extension = request.path_params["name"].partition(".")
    if len(sha256) != 64 or extension not in IMAGE_EXTENSIONS:
        raise not_found(request)
    image = await rules.image_at(request.path_params["image_id"], sha256)
    if image is None or image.extension != extension:
        raise not_found(request)
    body = request.app.state.storage.open(image.storage_key)
    try:
        first = await anext(body)
    except (FileNotFoundError, StopAsyncIteration):
        raise not_found(request) from None

    async def chunks():
        yield first
        async for chunk in body:
            yield chunk

    return StreamingResponse(
        chunks(),
        media_type=image.content_type,
        headers={
            "Cache-Control": IMMUTABLE,
            "Content-Length": str(image.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cross-Origin-Resource-Policy": "same-site",
        },
    )


async def stylesheet(request: Request):
    """The instance's colours as CSS custom properties; a year in cache at its current version."""
    branding = request.state.branding
    current = request.query_params.get("v") == branding.version
    return Response(
        branding.stylesheet(),
        media_type="text/css",
        headers={"Cache-Control": IMMUTABLE if current else "no-cache"},
    )


routes = [
    route("/admin/settings", instance_settings, access=ADMIN, methods=("GET", "POST")),
    route("/admin/settings/logo", upload_logo, access=ADMIN, methods=("POST",)),
    route("/admin/settings/logo/remove", remove_logo, access=ADMIN, methods=("POST",)),
    route("/events/{slug}/manage/images", manage_images, access=ORGANISER),
    route("/events/{slug}/manage/images/cover", upload_cover, access=ORGANISER, methods=("POST",)),
    route("/events/{slug}/manage/images/sponsors", add_sponsor, access=ORGANISER, methods=("POST",)),
    route(
        "/events/{slug}/manage/images/illustration", upload_illustration, access=ORGANISER, methods=("POST",)
    ),
    route(
        "/events/{slug}/manage/images/{image_id:id}/remove", remove_image, access=ORGANISER, methods=("POST",)
    ),
    route("/images/{image_id:id}/{name}", serve_image, access=PUBLIC),
    route("/branding.css", stylesheet, access=PUBLIC),
]
