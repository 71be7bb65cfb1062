"""How an API route is declared and what every API answer has in common.

Each route of `/api/v1` is an `Operation`: its path, method, who may use it (`ApiAccess`), the
pydantic model of what it returns (`model`, one object or a page of them), of the JSON body it
reads (`body`), its query parameters, and its words for the documentation. `api_route` builds the
Starlette route from it, and `events/api/openapi.py` builds the OpenAPI document from the same
declarations: a route cannot be served without being described.

What the wrapper does for every operation, so that the handlers stay a few lines long:
- **Who**: the session cookie is never read under `/api/v1` (`CurrentUserMiddleware` loads no user
  there). A public operation reads nothing else either; a token operation reads
  `Authorization: Bearer hc_…` (`events/domain/api_tokens.py`): 401 without a valid token, 403 when
  the owner no longer organises its event or the token is read-only for a write, 404 for another
  event than the token's, 429 past its allowance.
- **Pages**: `limit` (1 to 100, 20 by default) and an opaque `cursor`; the answer's `next` (and a
  `Link: <…>; rel="next"` header) is the address of the next page, null on the last.
- **Caching**: every GET answer has an `ETag` (a hash of its body) and answers 304 to a matching
  `If-None-Match`; `Cache-Control: public, max-age=60` for public reads, `private, no-cache` with a
  token; `Vary: Accept-Language` (messages and credit lines follow the reader's language).
- **CORS**: public reads say `Access-Control-Allow-Origin: *` and answer the browser's preflight
  (OPTIONS); operations with a token never do, so a page of another site cannot use them.
- **Errors** are JSON, `{"error": {"status", "message", "fields"}}`, with the status rules of the
  pages: 400 unreadable request, 401, 403, 404, 405, 413, 415 not JSON, 422 with a message per field
  in the reader's language, 429 with `Retry-After`; never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError, create_model
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope

from events import i18n
from events.domain import api_tokens, open_data
from events.domain.errors import FormErrors, RateLimited
from events.domain.numbers import parse_int
from events.i18n import _, lazy
from events.models import ApiToken, Event, TokenScope

log = logging.getLogger("hackcity.api")
PREFIX = "/api/v1"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
JSON_TYPE = "application/json"
PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-cache"
CURSOR_RE = re.compile(r"after:([0-9]{1,10})")


def is_api_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


# --- errors -----------------------------------------------------------------------------------------


class ApiError(Exception):
    """An answer other than success: its status, a message for people, messages per field."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be read."),
        401: _("Send a personal API token in the Authorization header: Bearer hc_…"),
        403: _("This token may not do this."),
        404: _("Nothing here: this address names nothing, or nothing you may read."),
        405: _("This address does not accept this kind of request."),
        413: _("The request is larger than allowed. Nothing was saved: send something smaller."),
        415: _("Send the request's body as JSON (Content-Type: application/json)."),
        422: _("Some values need to be fixed: see the fields."),
        429: _("Too many requests. Wait a moment, then try again."),
        500: _("An error occurred on our side. Try again later."),
    }
    return messages.get(status, _("Something went wrong."))


def error_response(
    status: int,
    message: str | None = None,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "error": {"status": status, "message": message or default_message(status), "fields": fields or {}}
    }
    response = Response(_dump(body), status_code=status, media_type=JSON_TYPE, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = i18n.get_language()
    return response


async def error_for_scope(scope: Scope, status: int, detail: str | None = None, headers=None) -> Response:
    """An API error from any layer (the body limit, the router's 404 and 405, an unexpected
    exception), in the language of the request's Accept-Language."""
    settings = scope["app"].state.settings if "app" in scope else None
    i18n.set_language(
        i18n.negotiate(
            Headers(scope=scope).get("accept-language"), settings.default_language if settings else "fr"
        )
    )
    return error_response(status, detail, headers=headers)


def form_errors(error: FormErrors) -> ApiError:
    """The domain's FormErrors as a 422: the message about the whole request (if any) and one per field."""
    fields = {name: message for name, message in error.errors.items() if name is not None}
    return ApiError(422, error.errors.get(None) or default_message(422), fields)


def _validation_message(kind: str) -> str:
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is unknown here.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter a text.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind == "string_too_long":
        return _("This text is too long.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of the values the documentation lists.")
    return _("This value is not valid.")


def validation_errors(error: ValidationError) -> ApiError:
    fields: dict[str, str] = {}
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(where, _validation_message(problem["type"]))
    return ApiError(422, default_message(422), fields)


# --- declarations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiAccess:
    """Who may use an API route: anyone (public reads), or a personal token (read, or write)."""

    name: str
    token: bool = False
    write: bool = False


PUBLIC_READ = ApiAccess("api_public")
TOKEN_READ = ApiAccess("api_token", token=True)
TOKEN_WRITE = ApiAccess("api_token_write", token=True, write=True)


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON schema and its words for the documentation."""

    name: str
    schema: dict[str, Any]
    description: str


LIMIT = Param(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    lazy("How many items per page, from 1 to 100."),
)
CURSOR = Param(
    "cursor",
    {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]*$"},
    lazy("Where the page starts: leave it out for the first page, then follow the `next` address."),
)


@dataclass(frozen=True)
class Operation:
    path: str  # Starlette's: /api/v1/events/{slug}/rounds/{round_id:id}
    method: str
    name: str  # the route's name and the document's operationId
    summary: str  # lazy(): English in the document, translated on /api/docs
    tag: str
    access: ApiAccess
    model: type[BaseModel] | None = None
    listing: bool = False
    body: type[BaseModel] | None = None
    status: int = 200
    description: str = ""
    query: tuple[Param, ...] = ()

    @property
    def params(self) -> tuple[Param, ...]:
        return (LIMIT, CURSOR, *self.query) if self.listing else self.query

    def response_model(self) -> type[BaseModel] | None:
        return envelope(self.model, listing=self.listing) if self.model is not None else None


_envelopes: dict[tuple[type[BaseModel], bool], type[BaseModel]] = {}


def envelope(model: type[BaseModel], *, listing: bool) -> type[BaseModel]:
    """`{"data": [...], "next": …}` for a page of `model`, `{"data": {...}}` for one."""
    key = (model, listing)
    if key not in _envelopes:
        name = model.__name__
        if listing:
            _envelopes[key] = create_model(
                f"{name}Page",
                __doc__=f"A page of {name} objects and the address of the next page.",
                data=(list[model], ...),
                next=(str | None, ...),
            )
        else:
            _envelopes[key] = create_model(
                f"{name}Response", __doc__=f"One {name} object.", data=(model, ...)
            )
    return _envelopes[key]


class ErrorDetail(BaseModel):
    status: int
    message: str
    fields: dict[str, str]


class Error(BaseModel):
    """What every refusal and failure of the API holds."""

    error: ErrorDetail


@dataclass
class Listing:
    """What a listing handler returns: the page's items and the id to continue after."""

    items: list[BaseModel]
    after: int | None


@dataclass
class Call:
    """What a handler receives: the request, the event named by `{slug}`, the token, the page
    asked for, the body read into the operation's model."""

    request: Request
    event: Event | None = None
    token: ApiToken | None = None
    after: int = 0
    limit: int = DEFAULT_LIMIT
    body: Any = None
    given: frozenset[str] = field(default_factory=frozenset)  # the body's fields the client sent

    @property
    def settings(self):
        return self.request.app.state.settings

    @property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    def path_id(self, name: str) -> int:
        return self.request.path_params[name]


Handler = Callable[[Call], Awaitable[BaseModel | Listing]]


# --- the wrapper ------------------------------------------------------------------------------------


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int | None:
    if len(raw) > 64 or not raw.isascii():
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    match = CURSOR_RE.fullmatch(text)
    return parse_int(match.group(1), low=0, high=2**31 - 1) if match else None


def _page_params(request: Request) -> tuple[int, int]:
    fields: dict[str, str] = {}
    limit = DEFAULT_LIMIT
    raw_limit = request.query_params.get("limit")
    if raw_limit is not None:
        limit = parse_int(raw_limit, low=1, high=MAX_LIMIT) or 0
        if not limit:
            fields["limit"] = _("Enter a whole number from 1 to %(n)s.", n=MAX_LIMIT)
    after = 0
    raw_cursor = request.query_params.get("cursor")
    if raw_cursor is not None:
        decoded = decode_cursor(raw_cursor)
        if decoded is None:
            fields["cursor"] = _("This cursor is not valid: follow the `next` address of the previous page.")
        else:
            after = decoded
    if fields:
        raise ApiError(400, next(iter(fields.values())), fields)
    return after, limit


def _bearer(request: Request) -> str | None:
    scheme, _sep, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _token(request: Request, op: Operation) -> ApiToken:
    try:
        token = await api_tokens.authenticate(_bearer(request))
    except api_tokens.TokenRefused as refused:
        if refused.reason == api_tokens.Refusal.NOT_ORGANISER:
            raise ApiError(403, refused.message) from None
        challenge = 'Bearer realm="hackcity"'
        if refused.reason != api_tokens.Refusal.MISSING:
            challenge += ', error="invalid_token"'
        raise ApiError(401, refused.message, headers={"WWW-Authenticate": challenge}) from None
    try:
        await api_tokens.count_request(token, per_hour=request.app.state.settings.api_rate_limit)
    except RateLimited as error:
        raise ApiError(429, error.message, headers={"Retry-After": error.retry_after}) from None
    return token


async def _event(request: Request, token: ApiToken | None) -> Event | None:
    slug = request.path_params.get("slug")
    if slug is None:
        return None
    if token is not None:
        if token.event.slug != slug:  # another event than the token's: nothing to see there
            raise ApiError(404, default_message(404))
        return token.event
    found = await open_data.event(slug)
    if found is None:
        raise ApiError(404, default_message(404))
    return found


async def _body(request: Request, op: Operation) -> tuple[Any, frozenset[str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON_TYPE:
        raise ApiError(415, default_message(415))
    raw = await request.body()

    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(422, _("Send a JSON object."))
    assert op.body is not None
    try:
        body = op.body.model_validate(data)
    except ValidationError as error:
        raise validation_errors(error) from None
    return body, frozenset(body.model_fields_set)


def _cors(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Retry-After, Content-Language"


def _preflight() -> Response:
    response = Response(status_code=204)
    _cors(response)
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _next_url(call: Call, after: int | None) -> str | None:
    if after is None:
        return None
    query = urlencode({"limit": call.limit, "cursor": encode_cursor(after)})
    return f"{call.base_url}{call.request.url.path}?{query}"


def _success(call: Call, op: Operation, result: BaseModel | Listing) -> Response:
    headers: dict[str, str] = {}
    if isinstance(result, Listing):
        next_url = _next_url(call, result.after)
        payload = {"data": [item.model_dump(mode="json") for item in result.items], "next": next_url}
        if next_url:
            headers["Link"] = f'<{next_url}>; rel="next"'
    else:
        payload = {"data": result.model_dump(mode="json")}
    body = _dump(payload)
    headers["Vary"] = "Accept-Language" if not op.access.token else "Authorization, Accept-Language"
    headers["Content-Language"] = i18n.get_language()
    if op.method == "GET":
        headers["Cache-Control"] = PRIVATE_CACHE if op.access.token else PUBLIC_CACHE
        headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if _matches(call.request.headers.get("if-none-match"), headers["ETag"]):
            response = Response(status_code=304, headers=headers)
            if not op.access.token:
                _cors(response)
            return response
    else:
        headers["Cache-Control"] = "no-store"
    response = Response(body, status_code=op.status, media_type=JSON_TYPE, headers=headers)
    if not op.access.token:
        _cors(response)
    return response


def api_route(op: Operation, endpoint: Handler) -> Route:
    """The Starlette route of an operation (`.access` and `.operation` are read by the tests and the
    OpenAPI document)."""

    async def serve(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _preflight()
        try:
            token = await _token(request, op) if op.access.token else None
            call = Call(request, token=token)
            call.event = await _event(request, token)
            if op.access.write and token is not None and token.scope != TokenScope.WRITE:
                raise ApiError(403, _("This token is read-only: make a read-and-write token for this."))
            if op.listing:
                call.after, call.limit = _page_params(request)
            if op.body is not None:
                call.body, call.given = await _body(request, op)
            try:
                result = await endpoint(call)
            except FormErrors as error:
                raise form_errors(error) from None
            except RateLimited as error:
                raise ApiError(429, error.message, headers={"Retry-After": error.retry_after}) from None
        except ApiError as error:
            response = error_response(error.status, error.message, error.fields, error.headers)
            if not op.access.token:
                _cors(response)
            return response
        return _success(call, op, result)

    serve.__name__ = endpoint.__name__
    serve.__doc__ = endpoint.__doc__
    methods = [op.method] + (["OPTIONS"] if not op.access.token else [])
    route = Route(op.path, serve, methods=methods, name=op.name)
    route.access = op.access  # read by the role-matrix test
    route.operation = op  # read by the OpenAPI document
    return route
