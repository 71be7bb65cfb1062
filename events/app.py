"""The application factory: settings, middleware, routes, error pages and the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.types import Scope
from tortoise.contrib.starlette import RegisterTortoise

from events import auth
from events.api.routing import error_for_scope as api_error
from events.api.routing import is_api_path
from events.broker import broker
from events.csrf import CSRFMiddleware
from events.db import tortoise_config
from events.domain import webhooks
from events.domain.branding import BrandingCache
from events.forms import UnreadableRequest
from events.i18n import _, lazy
from events.logs import configure_logging
from events.mail import run_outbox_worker
from events.metrics import MetricsMiddleware
from events.middleware import (
    API_PREFIX,
    AccessLogMiddleware,
    BodyLimitMiddleware,
    CurrentUserMiddleware,
    ErrorPageMiddleware,
    ForwardedClientMiddleware,
    SecurityHeadersMiddleware,
    choose_language,
    safe_log,
)
from events.routes import all_routes
from events.settings import Settings
from events.storage_backends import storage_for
from events.templating import render

log = logging.getLogger("hackcity")
FORM_BODY_LIMIT = 256 * 1024
ERROR_TITLES = {
    400: lazy("The request could not be read"),
    403: lazy("Access denied"),
    404: lazy("Page not found"),
    405: lazy("Method not allowed"),
    413: lazy("Too large"),
    429: lazy("Too many requests"),
    500: lazy("Something went wrong"),
}
OTHER_ERROR_TITLE = lazy("Error")
NOT_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/octet-stream",
    "application/pdf",
    "image/png",  # images (events/routes/branding.py) are compressed already
    "image/jpeg",
)


def _error_message(status: int) -> str:
    messages = {
        400: _("The form or address could not be read. Go back and try again."),
        403: _("You do not have access to this page. Sign in with another account or ask an organiser."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This address does not accept this kind of request."),
        413: _("What you sent is larger than allowed. Nothing was saved: send something smaller."),
        429: _("Too many requests. Wait a moment, then try again."),
        500: _("An error occurred on our side. Nothing you entered is lost: go back and try again."),
    }
    return messages.get(status, _("Something went wrong."))


async def render_error(scope: Scope, status: int, detail: str | None = None, headers=None):
    """An error page usable from any layer, even before the session or the user are known; under
    `/api/v1`, the API's JSON error instead."""
    if is_api_path(scope.get("path", "")):
        return await api_error(scope, status, detail, headers=headers)
    request = Request(scope)
    if "state" not in scope or not hasattr(request.state, "user"):
        request.state.user = None
        from events import i18n

        settings = request.app.state.settings if "app" in scope else None
        i18n.set_language(choose_language(request, None, settings.default_language if settings else "fr"))
    return render(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": _(ERROR_TITLES.get(status, OTHER_ERROR_TITLE)),
            "message": detail or _error_message(status),
        },
        status_code=status,
    )


async def http_exception(request: Request, exc: HTTPException):
    # Starlette's own details are English and for developers: only ours reach the page
    detail = exc.message if isinstance(exc, UnreadableRequest) else None
    return await render_error(request.scope, exc.status_code, detail, headers=exc.headers)


async def csrf_refused(scope: Scope, reason: str):
    log.warning("CSRF refusal on %s: %s", safe_log(scope.get("path", "")), reason)
    return await render_error(
        scope, 403, _("This form has expired or did not come from this site. Reload the page and try again.")
    )


async def run_reminder_worker(*, base_url: str, interval: float = 600.0) -> None:
    """Deadline reminders from the running app, every ten minutes (`hackcity remind` does the same
    from cron). Sending twice is impossible: each reminder is recorded under a UNIQUE constraint."""
    from events.domain.entries import send_deadline_reminders

    while True:
        try:
            await send_deadline_reminders(base_url=base_url)
        except Exception:
            log.exception("deadline reminder worker error")
        await asyncio.sleep(interval)


async def run_purge_worker(*, language: str, interval: float = 3600.0) -> None:
    """Every hour, purge the personal data of events past their retention period, expired sessions,
    old login failures and old mail (`hackcity purge` does the same from cron). Each event is claimed
    before it is purged, so several app processes never purge one twice."""
    from events.domain.retention import purge

    while True:
        try:
            await purge(session_lifetime=auth.SESSION_LIFETIME, language=language)
        except Exception:
            log.exception("purge worker error")
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the ASGI app. Tests pass `manage_database=False` and set up Tortoise themselves."""
    settings = settings or Settings.from_env()
    settings.check()
    configure_logging(log_format=settings.log_format, debug=settings.debug)
    # python-multipart logs a warning (and file details at INFO) for each part a client sends: a
    # hostile client could fill the log. The request itself still shows in the access log (400).
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    # httpx logs every request's full address at INFO: a webhook's address may carry a token in its
    # path. The fetcher and the webhooks log what they did themselves, naming the host only.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    branding_cache = BrandingCache()  # the instance's settings, read on every page
    middleware = [
        Middleware(ForwardedClientMiddleware, trusted=settings.trusted_proxies),
        *([Middleware(MetricsMiddleware)] if settings.metrics_token else []),
        Middleware(AccessLogMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies),
        # Pages, CSS, scripts, JSON and CSV compressed; never the live pages' event streams (each
        # event must leave at once) nor uploaded files (sent as application/octet-stream, often
        # compressed already). Pages show the CSRF token masked anew each time (BREACH).
        Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=NOT_COMPRESSED),
        Middleware(ErrorPageMiddleware, render_error=render_error),
    ]
    if settings.production:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.trusted_hosts)))
    middleware += [
        Middleware(
            BodyLimitMiddleware,
            form_limit=FORM_BODY_LIMIT,
            upload_limit=settings.max_upload_bytes + 64 * 1024,
            render_error=render_error,
        ),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="hackcity_session",
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
        Middleware(
            CurrentUserMiddleware,
            default_language=settings.default_language,
            load_user=auth.load_user,
            load_branding=branding_cache.get,
        ),
        Middleware(CSRFMiddleware, origin=settings.origin, on_error=csrf_refused, exempt_prefix=API_PREFIX),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        if not manage_database:
            yield
            await app.state.storage.close()
            return
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            await broker.start(settings.database_url)  # LISTEN on PostgreSQL, in memory on SQLite
            workers = [
                asyncio.create_task(
                    run_outbox_worker(
                        smtp_url=settings.smtp_url, mail_from=settings.mail_from, base_url=settings.base_url
                    )
                ),
                asyncio.create_task(run_reminder_worker(base_url=settings.base_url)),
                asyncio.create_task(run_purge_worker(language=settings.default_language)),
                asyncio.create_task(webhooks.run_worker(allow_private=settings.fetch_allow_private)),
            ]
            try:
                yield
            finally:
                for worker in workers:
                    worker.cancel()
                for worker in workers:
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                await broker.stop()
                await app.state.storage.close()  # the object store's connections, if any

    app = Starlette(
        debug=False,  # never a traceback in a response, even with DEBUG=1
        routes=all_routes(),
        middleware=middleware,
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.storage = storage_for(settings)  # one per process: an object store's client is pooled
    app.state.branding = branding_cache
    return app
