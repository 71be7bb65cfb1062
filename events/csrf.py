"""CSRF protection for every state-changing request (Starlette has none of its own).

Two checks, both before the application sees the request:
1. Fetch metadata and origin: `Sec-Fetch-Site` must be same-origin (or none: typed URL, bookmark)
   and `Origin`, when sent, must be the configured BASE_URL's origin.
2. A per-session token: the `csrf_token` field of a url-encoded form (the body is read here,
   already bounded by the body-limit middleware, and replayed to the app), or for uploads and
   scripts the `X-CSRF-Token` header or the `csrf_token` query parameter, checked before any
   byte of the body is parsed.

Requests to the JSON API (`/api/v1/`) are exempt: they are authenticated by a token in the
Authorization header, which a browser never adds to a cross-site request by itself, and the session
cookie is never read there (docs/SECURITY.md, "The API").
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from urllib.parse import parse_qs

from starlette.datastructures import Headers, QueryParams
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: HTTPConnection) -> str:
    """The session's token, created on first use."""
    if "session" not in request.scope:
        return ""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def masked_csrf_token(request: HTTPConnection) -> str:
    """The session's token as a page shows it: a fresh random pad, then the token XOR the pad
    (base64url). Each response carries other bytes for the same token, so compressing pages
    (gzip) cannot leak it to someone who makes a page reflect guesses next to it (BREACH)."""
    token = csrf_token(request).encode()
    if not token:
        return ""
    pad = secrets.token_bytes(len(token))
    return base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(token, pad, strict=True))).decode()


def unmask(supplied: str) -> str:
    """The token a masked value carries ("" when it is not one)."""
    try:
        data = base64.urlsafe_b64decode(supplied.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return ""
    half = len(data) // 2
    if not half or len(data) % 2:
        return ""
    return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True)).decode("latin-1")


def _matches(supplied: str, expected: str) -> bool:
    """A masked token (what pages show), or the bare token (a page rendered before masking)."""
    # compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError)
    bare = hmac.compare_digest(supplied.encode(), expected.encode())
    return hmac.compare_digest(unmask(supplied).encode("latin-1"), expected.encode()) or bare


class CSRFError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, origin: str, on_error, exempt_prefix: str | None = None) -> None:
        self.app = app
        self.origin = origin
        self.on_error = on_error
        # The JSON API: its requests carry a token in a header and their cookies are never read
        # (`CurrentUserMiddleware`), so a forged cross-site request has nothing to ride on.
        self.exempt_prefix = exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if self.exempt_prefix and scope["path"].startswith(self.exempt_prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            self._check_origin(headers)
            expected = scope.get("session", {}).get("csrf")
            if not expected:
                raise CSRFError("no session token")
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            supplied = headers.get(HEADER) or QueryParams(scope.get("query_string", b"")).get(FIELD)
            if not supplied and content_type == "application/x-www-form-urlencoded":
                body = await _read_body(receive)
                # every field counted, however many: the body is bounded by the body-limit middleware,
                # and a form with too many fields is the handler's to refuse with a 400 that says so
                supplied = parse_qs(body.decode("latin-1")).get(FIELD, [""])[0]
                receive = _replay(body, receive)
            if not supplied or not _matches(str(supplied), str(expected)):
                raise CSRFError("token missing or wrong")
        except CSRFError as error:
            response = await self.on_error(scope, error.reason)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check_origin(self, headers: Headers) -> None:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            raise CSRFError(f"cross-site request ({site})")
        origin = headers.get("origin")
        if origin is not None and origin != self.origin:
            raise CSRFError("foreign origin")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
