"""Webhooks of an event, for its organisers: register, edit, turn off, delete, rotate the secret, send
a test, read the delivery log and send a failed delivery again (docs/WEBHOOKS.md).

A secret is written into the answer to the form that made or rotated it, never into the session or a
flash message (the session cookie is signed, not encrypted), and that answer is not cached.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.auth import ORGANISER, not_found, route
from events.domain import webhooks as rules
from events.domain.errors import FormErrors
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _, format_when
from events.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from events.outcomes import submit
from events.templating import render


def kind_field(kind: str) -> str:
    """The name of the kind's checkbox: `kind_entry_submitted`."""
    return "kind_" + kind.replace(".", "_")


def _list_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/webhooks"


def _page_url(event: Event, webhook: Webhook) -> str:
    return f"/events/{event.slug}/manage/webhooks/{webhook.id}"


def _kinds(form: dict[str, str]) -> list[str]:
    return [kind for kind in rules.KINDS if checkbox(form, kind_field(kind))]


def _values(url: str, kinds: list[str], active: bool = True) -> dict:
    values: dict = {"url": url, "active": active}
    values.update({kind_field(kind): kind in kinds for kind in rules.KINDS})
    return values


def _context(event: Event) -> dict:
    return {
        "event": event,
        "kinds": [(kind, kind_field(kind), rules.kind_label(kind)) for kind in rules.KINDS],
        "kind_label": rules.kind_label,
        "shown_secret": rules.shown_secret,
        "tolerance": rules.TOLERANCE,
    }


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def _webhook_or_404(request: Request, event: Event) -> Webhook:
    webhook = await rules.find(event, request.path_params["webhook_id"])
    if webhook is None:
        raise not_found(request)
    return webhook


async def manage_webhooks(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values = _values("", list(rules.KINDS))
    made = None
    if request.method == "POST":
        form = await read_form(request)
        values = _values(form.get("url", ""), _kinds(form))
        try:
            made = await rules.create_webhook(
                event=event,
                user=request.state.user,
                url=values["url"],
                kinds=_kinds(form),
                allow_private=request.app.state.settings.fetch_allow_private,
            )
        except FormErrors as error:
            errors = error.errors
        else:
            values = _values("", list(rules.KINDS))
    webhooks = await rules.of_event(event)
    latest = {}  # at most MAX_WEBHOOKS of them: a query each
    for webhook in webhooks:
        latest[webhook.id] = await WebhookDelivery.filter(webhook_id=webhook.id).order_by("-id").first()
    response = render(
        request,
        "webhooks/manage.html",
        {
            **_context(event),
            "webhooks": webhooks,
            "latest": latest,
            "values": values,
            "errors": errors,
            "made": made,
        },
        status_code=422 if errors else 200,
    )
    return _no_store(response) if made else response


async def _webhook_page(
    request: Request,
    event: Event,
    webhook: Webhook,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    secret: str = "",
    status_code: int = 200,
) -> Response:
    response = render(
        request,
        "webhooks/webhook.html",
        {
            **_context(event),
            "webhook": webhook,
            "values": values or _values(webhook.url, webhook.kinds, webhook.active),
            "errors": errors or {},
            "secret": secret,
            "deliveries": await rules.latest_deliveries(webhook),
            "error_label": rules.error_label,
            "may_redeliver": (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP),
            "log_size": rules.LOG_SIZE,
        },
        status_code=status_code,
    )
    return _no_store(response) if secret else response


async def webhook_page(request: Request):
    event: Event = request.state.event
    webhook = await _webhook_or_404(request, event)
    if request.method == "GET":
        return await _webhook_page(request, event, webhook)
    form = await read_form(request)
    values = _values(form.get("url", ""), _kinds(form), checkbox(form, "active"))
    answer = await submit(
        request,
        rules.update_webhook(
            webhook=webhook,
            url=values["url"],
            kinds=_kinds(form),
            active=values["active"],
            allow_private=request.app.state.settings.fetch_allow_private,
        ),
        done=lambda saved: _("The webhook is saved.") if saved.active else _("The webhook is saved and off."),
        then=_page_url(event, webhook),
    )
    if answer.response:
        return answer.response
    fresh = await Webhook.get(id=webhook.id)
    return await _webhook_page(request, event, fresh, values=values, errors=answer.errors, status_code=422)


async def rotate_webhook_secret(request: Request):
    event: Event = request.state.event
    webhook = await _webhook_or_404(request, event)
    made = await rules.rotate_secret(webhook=webhook)
    return await _webhook_page(request, event, made.webhook, secret=made.secret)


async def delete_webhook(request: Request):
    event: Event = request.state.event
    webhook = await _webhook_or_404(request, event)
    await rules.delete_webhook(webhook=webhook)
    # The host only: an address's path may hold a token, and a flash message travels in the cookie.
    host = urlsplit(webhook.url).hostname or ""
    flash(request, _("The webhook is deleted: nothing more is sent to %(host)s.", host=host), "success")
    return RedirectResponse(_list_url(event), status_code=303)


def _say(request: Request, delivery: WebhookDelivery, event: Event) -> None:
    """Flash how a try went."""
    level, words = _said(delivery, event)
    flash(request, words, level)


def _said(delivery: WebhookDelivery, event: Event) -> tuple[str, str]:
    """How a try went: (level, words)."""
    if delivery.status == DeliveryStatus.DELIVERED:
        return "success", _(
            "Delivered: the receiver answered HTTP %(status)s in %(ms)s ms.",
            status=delivery.last_status_code,
            ms=delivery.last_duration_ms,
        )
    reason = rules.error_label(delivery)
    if delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at:
        return "error", _(
            "Not delivered. %(reason)s Another try is planned for %(when)s.",
            reason=reason,
            when=format_when(delivery.next_attempt_at, event.timezone),
        )
    if delivery.status == DeliveryStatus.GAVE_UP:
        return "error", _("Not delivered. %(reason)s", reason=reason)
    return "info", _("The delivery is on its way: the log below will show how it went.")


async def ping_webhook(request: Request):
    event: Event = request.state.event
    webhook = await _webhook_or_404(request, event)
    settings = request.app.state.settings
    delivery = await rules.send_test(
        webhook=webhook, base_url=settings.base_url, allow_private=settings.fetch_allow_private
    )
    _say(request, delivery, event)
    return RedirectResponse(_page_url(event, webhook) + "#deliveries", status_code=303)


async def redeliver(request: Request):
    event: Event = request.state.event
    webhook = await _webhook_or_404(request, event)
    try:
        delivery = await rules.redeliver(
            webhook=webhook,
            delivery_id=request.path_params["delivery_id"],
            allow_private=request.app.state.settings.fetch_allow_private,
        )
    except FormErrors as error:
        flash(request, next(iter(error.errors.values())), "error")
    else:
        if delivery is None:
            raise not_found(request)
        _say(request, delivery, event)
    return RedirectResponse(_page_url(event, webhook) + "#deliveries", status_code=303)


routes = [
    route("/events/{slug}/manage/webhooks", manage_webhooks, access=ORGANISER, methods=("GET", "POST")),
    route(
        "/events/{slug}/manage/webhooks/{webhook_id:id}",
        webhook_page,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/webhooks/{webhook_id:id}/rotate",
        rotate_webhook_secret,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/webhooks/{webhook_id:id}/delete",
        delete_webhook,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/webhooks/{webhook_id:id}/test",
        ping_webhook,
        access=ORGANISER,
        methods=("POST",),
    ),
    route(
        "/events/{slug}/manage/webhooks/{webhook_id:id}/deliveries/{delivery_id:id}/redeliver",
        redeliver,
        access=ORGANISER,
        methods=("POST",),
    ),
]
