"""Cross-cutting ASGI middleware: security headers, error pages, request body limit, current user."""

from __future__ import annotations

import ipaddress
import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events import i18n
from events.logs import new_request_id, safe_log
from events.logs import request_id as current_request_id

log = logging.getLogger("hackcity")
# Under this prefix, the JSON API: authenticated by a token only, never by the session cookie.
API_PREFIX = "/api/v1/"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ForwardedClientMiddleware:
    """The client's address from X-Forwarded-For, only when the peer is a proxy named in
    FORWARDED_ALLOW_IPS; with none named (the default) the headers are ignored.

    The list is read from the right: each trusted proxy appended the address it saw, so the first
    address that is not a trusted proxy is the client (whatever a client wrote further left is
    never reached). X-Forwarded-Proto is taken from a trusted proxy too. Rate limits and the access
    log count by this address, so a spoofed header from anyone else changes nothing.
    """

    def __init__(self, app: ASGIApp, *, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def client_for(self, peer: str, forwarded: list[str]) -> str:
        if not self._is_trusted(peer):
            return peer
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return peer  # not an address: the proxy's own stays the client
        return hops[0] if hops else peer  # only trusted proxies in the chain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer, port = scope["client"]
            headers = Headers(scope=scope)
            client = self.client_for(peer, headers.getlist("x-forwarded-for"))
            if client != peer:
                scope = {**scope, "client": (client, port)}
            proto = headers.get("x-forwarded-proto", "").strip().lower()
            if self._is_trusted(peer) and proto in ("http", "https") and scope["type"] == "http":
                scope = {**scope, "scheme": proto}
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, error pages and 413s included."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorPageMiddleware:
    """Turns an unexpected exception into a localised 500 page: no traceback ever leaves the server."""

    def __init__(self, app: ASGIApp, *, render_error) -> None:
        self.app = app
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), safe_log(scope.get("path", "")))
            if not started:
                response = await self.render_error(scope, 500)
                await response(scope, receive, send)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses request bodies over the limit with 413, before they reach a parser or the disk.

    The limit holds for chunked bodies too: bytes are counted as they arrive, whatever
    Content-Length says (uvicorn and Starlette bound neither).
    """

    def __init__(self, app: ASGIApp, *, form_limit: int, upload_limit: int, render_error) -> None:
        self.app = app
        self.form_limit = form_limit
        self.upload_limit = upload_limit
        self.render_error = render_error

    def limit_for(self, headers: Headers) -> int:
        content_type = headers.get("content-type", "").lower()
        return self.upload_limit if content_type.startswith("multipart/form-data") else self.form_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True
            if too_large:
                await self._refuse(scope, receive, send)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.render_error(scope, 413)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


# Path segments after these prefixes are secrets (mailed tokens): never written to a log.
SECRET_PATH_PREFIXES = ("/verify/", "/password/reset/", "/invitations/", "/join/")


def loggable_path(path: str) -> str:
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "[redacted]"
    return safe_log(path)


class AccessLogMiddleware:
    """One line per request, without query strings or the tokens that mailed links carry.

    Replaces uvicorn's access log, which would record password-reset links. It also gives the
    request its id (the proxy's X-Request-ID when it is a plain token, else a new one): every log
    line written while serving it carries the id in JSON logs, and the response sends it back in
    X-Request-ID.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("hackcity.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()
        request_id = new_request_id(Headers(scope=scope).get("x-request-id"))
        token = current_request_id.set(request_id)

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            client = safe_log((scope.get("client") or ("-", 0))[0], 64)
            method = safe_log(scope.get("method", ""), 10)
            path = loggable_path(scope.get("path", ""))
            duration = (time.perf_counter() - started) * 1000
            self.log.info(
                "%s %s %s %s %.0fms",
                client,
                method,
                path,
                status,
                duration,
                extra={
                    "client": client,
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(duration, 1),
                    "request_id": request_id,
                },
            )
            current_request_id.reset(token)


class CurrentUserMiddleware:
    """Loads the signed-in user (server-side session) and chooses the request's language."""

    def __init__(self, app: ASGIApp, *, default_language: str, load_user, load_branding=None) -> None:
        self.app = app
        self.default_language = default_language
        self.load_user = load_user
        self.load_branding = load_branding  # the instance's settings, from the process's cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        user = None
        if scope["path"].startswith(API_PREFIX):
            # The API never reads the session cookie: a token is its only credential
            # (docs/SECURITY.md, "The API"), and its language comes from Accept-Language alone, so a
            # public answer is the same for every client that sends the same headers.
            request.state.user = None
            i18n.set_language(i18n.negotiate(request.headers.get("accept-language"), self.default_language))
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(("/static/", "/healthz", "/metrics")):
            user = await self.load_user(request)
            if self.load_branding is not None:
                request.state.branding = await self.load_branding()
        request.state.user = user
        i18n.set_language(choose_language(request, user, self.default_language))
        await self.app(scope, receive, send)


def choose_language(request: Request, user, default: str) -> str:
    if user is not None and user.language in i18n.LANGUAGES:
        return user.language
    cookie = request.cookies.get("lang")
    if cookie in i18n.LANGUAGES:
        return cookie
    return i18n.negotiate(request.headers.get("accept-language"), default)
