"""Never a 500: every route of the app, walked with hostile input (docs/SECURITY.md, "Errors and logs").

Bad input gets a clear answer (a 422 with the message in the page, a 404 for an unknown id, a 400,
403 or 413 where they apply), never a server error and never a traceback. For each route of the app
(the `/static` mount aside) and each method it accepts, one test, signed in as the role that would
normally use the route (see `_role_for`), sends in one batch:

- the route with each path parameter in turn replaced by a hostile value (`PATH_VALUES`);
- the route with garbage query strings (`QUERY_VALUES` in the usual query names and in the names of
  the page's GET forms);
- for POST, with a valid CSRF token: the fields the site's forms offer for this URL (read from the
  page at the same path or above it) plus the names the route's module reads, all filled with each
  of `FORM_VALUES` in turn; the form as the page fills it with one field at a time replaced by
  `ONE_FIELD_VALUES` (the other fields valid, so the handler reads the bad one); every field sent
  many times; then a JSON body (the token in the header), a url-encoded body that is not UTF-8, a
  broken multipart body, the form as multipart with oddly named boundaries (`ODD_CONTENT_TYPES`:
  over 256 characters, missing, empty, twice, not ASCII, with quotes), cut before its closing
  boundary, and with a file;
- for a handler that reads JSON (the scoring autosave): each key it reads given each of
  `JSON_VALUES` (NaN, 1e309, integers of hundreds of digits, booleans, nested lists and objects,
  Unicode digits), the other keys naming in turn each field of the forms nearby.

Numbers come in every shape a client can send: `HUGE` (5,000 digits: int() of it raises) in paths,
query strings and fields, superscript and Arabic-Indic digits, NaN, infinities.

The world is the one of tests/routes/test_access_matrix.py; the team forms are walked again as a
newcomer without a team, the juror's pages in an open session with an assigned entry. Every
answer must be below 500 and no body may contain "Traceback"; all the failures of a route are
reported at once. Below the walks, the regression tests of the 500s they found.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import httpx
import pytest
from starlette.routing import Route

from events.models import (
    ConflictOfInterest,
    EntryFile,
    EventRole,
    Registration,
    Role,
    Score,
    ScoreLogEntry,
    User,
)
from events.storage_backends import storage_for
from tests.helpers import CHEAP_HASH, TOKEN_RE, csrf_from, sign_in
from tests.jury_world import make_jury_world
from tests.routes.test_access_matrix import (
    ACCESS,
    ANONYMOUS,
    REUSE_ROUTES,
    _app_routes,
    _awarded_entry,
    _path_params,
    browser_as,
    world,
)

__all__ = ["world"]  # the fixture, imported to be used here

LONG = "x" * 300
REQUEST_SECONDS = 5
# int() refuses a text of more than 4,300 digits with a ValueError (Python's int_max_str_digits),
# which an isdecimal() check lets through.
HUGE = "9" * 5000
# "²" and "١" are digits to str.isdigit(); int() refuses the first and reads the second as 1.
PATH_VALUES = ("0", "-1", "99999999999999999999", HUGE, "abc", "%00", "é", "²", "١", LONG)
FORM_VALUES = (
    "",
    " ",
    "NaN",
    "inf",
    "-1e309",
    "1e309",
    "99999999999999999999",
    HUGE,
    "-1",
    "²",
    "١",
    "'; DROP TABLE x;--",
    "\x00",
    "<script>alert(1)</script>",
    "é\u202e\r\n",
    "y" * 10_000,
    "2026-13-45T25:99",
)
ONE_FIELD_VALUES = ("", "NaN", "-1e309", "-1", HUGE, "²", "2026-13-45T25:99", "\x00", "y" * 10_000)
QUERY_VALUES = ("-1", "abc", "\x00", "99999999999999999999", HUGE, "é", "²", LONG, "")
# JSON values, as JSON text: float() of an integer of hundreds of digits raises OverflowError,
# json.loads reads NaN and Infinity, booleans are ints to isinstance().
JSON_VALUES = (
    "NaN",
    "-Infinity",
    "1e309",
    "1" + "0" * 400,
    "-" + "9" * 400,
    "true",
    "null",
    "[1, [2]]",
    '{"a": {"b": [1]}}',
    '"²"',
    f'"{HUGE}"',
)
QUERY_NAMES = (
    "limit",
    "cursor",
    "page",
    "next",
    "lang",
    "q",
    "sort",
    "order",
    "round",
    "challenge",
    "status",
    "selection",
    "team",
    "entry",
    "session",
    "format",
    "since",
)
FIXED_QUERIES = (
    "page=-1&next=//evil.example&lang=xx",
    "next=https://evil.example/%0d%0aSet-Cookie:x=1&page=abc",
    "page=99999999999999999999&q=%00&sort=%27%3B--",
    "round=-1&challenge=%00&status=%FF%FE&selection=1e309",
)
# Server-sent event streams: with the world's real ids they stay open (the live pages listen), so
# only the hostile path parameters, which end them at once with a 404, are sent to them.
STREAMS = frozenset({"control_room_events", "juror_live_events", "stage_events"})
# Names every POST also carries, whatever the page offers: fields a form never shows included.
GENERIC_FIELDS = ("id", "user_id", "role", "is_admin", "next", "action", "position", "direction", "score")
FIELD_RE = re.compile(r"""(?:form|values|data|raw)(?:\.get|\.getlist)?[(\[]\s*["']([a-z_][a-z0-9_]*)["']""")
# The keys a JSON handler reads from the decoded body (`payload["field"]`).
JSON_KEY_RE = re.compile(r"""payload(?:\.get)?[(\[]\s*["']([a-z_][a-z0-9_]*)["']""")
# A valid multipart body and Content-Type headers that name its boundary oddly: too long for the
# parser (over 256 characters), missing, empty, twice, not ASCII, with quotes; then the body cut
# before its closing boundary and a body with a file part (the text forms take none).
MULTIPART_BOUNDARY = "hackcityWalkBoundary"
ODD_CONTENT_TYPES = (
    ("boundary over 256 characters", "multipart/form-data; boundary=" + "b" * 300),
    ("no boundary", "multipart/form-data"),
    ("empty boundary", "multipart/form-data; boundary="),
    ("two boundaries", f"multipart/form-data; boundary=other; boundary={MULTIPART_BOUNDARY}"),
    ("non-ASCII boundary", "multipart/form-data; boundary=caf\u00e9"),
    ("quote in the boundary", 'multipart/form-data; boundary=a"b'),
    ("unclosed quote", f'multipart/form-data; boundary="{MULTIPART_BOUNDARY}'),
)


@dataclass
class _Form:
    method: str
    action: str
    names: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)  # what the browser would send as it stands


class _Forms(HTMLParser):
    """The forms of a page, with their field names and the values they hold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._current: _Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "form":
            self._current = _Form((attributes.get("method") or "get").upper(), attributes.get("action", ""))
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == "option" and self._select:
            if self._select not in self._current.values or "selected" in attributes:
                self._current.values[self._select] = attributes.get("value", "")
        elif tag in ("input", "select", "textarea", "button") and name:
            self._current.names.add(name)
            kind = attributes.get("type", "text")
            if tag == "select":
                self._select = name
            elif tag == "textarea":
                self._textarea = name
                self._current.values[name] = ""
            elif tag == "input" and kind not in ("checkbox", "radio", "file", "submit"):
                self._current.values[name] = attributes.get("value", "")
            elif tag == "input" and kind in ("checkbox", "radio") and "checked" in attributes:
                self._current.values[name] = attributes.get("value", "on")

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms(html: str) -> list[_Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _endpoint(route: Route):
    """The handler behind events.auth.route()'s access check."""
    return inspect.getclosurevars(route.endpoint).nonlocals.get("endpoint", route.endpoint)


def _endpoint_fields(route: Route) -> set[str]:
    """The form names the route's handler module reads (`form.get("x")`, `values["x"]`, ...)."""
    endpoint = _endpoint(route)
    try:
        source = inspect.getsource(inspect.getmodule(endpoint))
    except (OSError, TypeError):
        return set()
    return set(FIELD_RE.findall(source)) - {"csrf_token"}


def _role_for(route: Route, method: str) -> str:
    """The role that would normally use the route, so the request reaches the handler."""
    allowed = ACCESS[(route.name, method)]
    if allowed == ANONYMOUS:
        return "anonymous"
    if "/jury/" in route.path and ("juror_1" in allowed or not allowed):
        return "juror_1"
    if "team_a" in allowed and "organiser_1" in allowed and "/manage" not in route.path:
        # team pages, accounts, public pages: the captain of team A, who has an entry and a team
        return "team_a"
    for role in ("organiser_1", "team_a", "juror_1", "admin", "anonymous"):
        if role in allowed:
            return role
    return "organiser_1"  # nobody gets in with the world's ids: the hostile ids still go through


def _cases(names: tuple[str, ...] | None = None) -> list:
    """(route, method) of every route of the app, or of the routes named in `names`."""
    return [
        pytest.param(route, method, id=f"{method} {route.path}")
        for route in _app_routes()
        if isinstance(route, Route) and (names is None or route.name in names)
        for method in sorted(route.methods - {"HEAD"})
    ]


def _short(value: str) -> str:
    """A value as a failure report shows it."""
    return repr(value) if len(value) <= 20 else f"{value[:12]!r}... ({len(value)} characters)"


def _hostile(value: str) -> str:
    """A path segment: "%00" goes as written (a NUL once decoded), the rest percent-encoded."""
    return value if value == "%00" else quote(value, safe="")


class Walker:
    """Sends the requests of one route and keeps every server error it meets."""

    def __init__(self, client: httpx.AsyncClient, role: str, email: str | None) -> None:
        self.client = client
        self.role = role
        self.email = email
        self.failures: list[str] = []
        self.token = ""
        self.sent = 0

    async def refresh_token(self) -> None:
        response = await self.client.get("/")
        match = TOKEN_RE.search(response.text)
        self.token = match.group(1) if match else ""

    async def send(self, method: str, url: str, label: str, **kwargs) -> httpx.Response | None:
        self.sent += 1
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                response = await self.client.request(method, url, **kwargs)
        except TimeoutError:
            self.failures.append(f"{method} {url[:160]} [{label}]: no answer in {REQUEST_SECONDS} s")
            return None
        except Exception as error:  # the app raised: that is the 500 under test
            reason = f"{type(error).__name__}: {str(error)[:300]}"
            self.failures.append(f"{method} {url[:160]} [{label}]: {reason}")
            return None
        if response.status_code >= 500 or "Traceback" in response.text:
            self.failures.append(f"{method} {url[:160]} [{label}]: {response.status_code}")
        if (
            self.email
            and response.status_code == 303
            and response.headers.get("location", "").startswith("/login?next=")
        ):
            # signed out by the request (logout): sign in again for the next ones
            await sign_in(self.client, self.email)
            await self.refresh_token()
        return response

    async def post(self, url: str, fields: dict[str, str], label: str) -> None:
        await self.send("POST", url, label, data={"csrf_token": self.token, **fields})


def _multipart(fields: dict[str, str], *, boundary: str = MULTIPART_BOUNDARY, file: bool = False) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if file:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\nhello\r\n".encode()
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def _reads_json(route: Route) -> bool:
    try:
        source = inspect.getsource(_endpoint(route))
    except (OSError, TypeError):
        return False
    return "json.loads(" in source or "request.json(" in source


def _json_keys(route: Route) -> list[str]:
    try:
        source = inspect.getsource(_endpoint(route))
    except (OSError, TypeError):
        return []
    return sorted(set(JSON_KEY_RE.findall(source)))


def _ancestors(path: str) -> list[str]:
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:end]) or "/" for end in range(len(parts), 0, -1)]


async def _page_fields(
    walker: Walker, url: str, method: str, gettable: set[str]
) -> tuple[set[str], set[str], dict[str, str], set[str]]:
    """(POST names, GET names, the values of the first POST form) of the forms, on the page at
    `url` (or above it, for a POST), that submit to `url`; and the names of every POST form on
    those pages (a script may send them elsewhere, as JSON)."""
    post_names: set[str] = set()
    get_names: set[str] = set()
    baseline: dict[str, str] = {}
    nearby: set[str] = set()
    pages = _ancestors(url) if method == "POST" else [url]
    for page in pages:
        if page not in gettable:
            continue
        response = await walker.send("GET", page, "form page")
        if response is None or response.status_code != 200:
            continue
        for form in _forms(response.text):
            if form.method == "POST":
                nearby.update(form.names)
            target = form.action.split("?")[0]
            if target == url or (page == url and target == ""):
                (post_names if form.method == "POST" else get_names).update(form.names)
                if form.method == "POST" and not baseline:
                    baseline = {name: value for name, value in form.values.items() if name != "csrf_token"}
    return post_names - {"csrf_token"}, get_names, baseline, nearby - {"csrf_token"}


@pytest.mark.parametrize(("route", "method"), _cases())
async def test_route_answers_hostile_input_without_a_server_error(world, make_client, route, method):
    if route.name in REUSE_ROUTES:  # their {entry_id} must be a public entry to reach the handler
        world.entry_1 = await _awarded_entry(world)
    await _walk_in_world(make_client, world, _role_for(route, method), route, method)


async def _walk_in_world(make_client, world, role: str, route: Route, method: str) -> None:
    """Walk the route as `role` of the access matrix's world, its path parameters the world's."""
    client = await browser_as(make_client, world, role)
    walker = Walker(client, role, None if role == "anonymous" else world.users[role].email)
    await walker.refresh_token()
    gettable = {
        other.path_format.format(**_path_params(other, world))
        for other in _app_routes()
        if isinstance(other, Route) and "GET" in (other.methods or ())
    }
    await _walk(walker, route, method, _path_params(route, world), gettable)


async def _walk(
    walker: Walker, route: Route, method: str, params: dict[str, str], gettable: set[str]
) -> None:
    """Send the route the whole batch of hostile requests; fail with every server error met."""
    url = route.path_format.format(**params)
    streams = route.name in STREAMS
    left = {"١"} if streams else set()  # ١ is id 1: a real stream, which stays open
    post_names, get_names, baseline, nearby = (
        (set(), set(), {}, set()) if streams else await _page_fields(walker, url, method, gettable)
    )
    body = {"data": {"csrf_token": walker.token}} if method == "POST" else {}

    # 1. the form, filled with garbage (the real ids in the path, so the handler reads the fields)
    if method == "POST":
        names = sorted(post_names | _endpoint_fields(route) | set(GENERIC_FIELDS))
        for value in [value for value in FORM_VALUES if value not in left]:
            await walker.post(url, dict.fromkeys(names, value), f"every field = {_short(value)}")
        mixed = {name: FORM_VALUES[index % len(FORM_VALUES)][:500] for index, name in enumerate(names)}
        await walker.post(url, mixed, "mixed garbage")
        # the form as the page fills it, one field at a time replaced by garbage: the other fields
        # valid, the handler goes on to read the garbage one
        for name in sorted(baseline):
            for value in [value for value in ONE_FIELD_VALUES if value not in left]:
                await walker.post(url, {**baseline, name: value}, f"{name} = {_short(value)}")
        # each field many times (the lists a handler reads with getlist()), within the field limit
        repeated = [(name, value[:500]) for name in names for value in FORM_VALUES if value not in left]
        await walker.send(
            "POST",
            url,
            "every field repeated",
            content=urlencode([("csrf_token", walker.token), *repeated[:99]]).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        json_headers = {"Content-Type": "application/json", "X-CSRF-Token": walker.token}
        await walker.send(
            "POST",
            url,
            "JSON body",
            content=b'{"name": [1, {"a": null}], "title": 1e309, "id": true, "score": 1' + b"0" * 400 + b"}",
            headers=json_headers,
        )
        if _reads_json(route):
            # each key the handler reads given each hostile value, the other keys naming in turn
            # each field of the forms nearby (the autosave's {"field": "criterion_3", "value": ...})
            keys = _json_keys(route)
            for value in JSON_VALUES:
                await walker.send(
                    "POST",
                    url,
                    f"JSON every key = {_short(value)}",
                    content="{" + ", ".join(f'"{key}": {value}' for key in keys) + "}",
                    headers=json_headers,
                )
                for key in keys:
                    for name in sorted(nearby):
                        others = ", ".join(f'"{other}": "{name}"' for other in keys if other != key)
                        await walker.send(
                            "POST",
                            url,
                            f"JSON {key} = {_short(value)}, others = {name}",
                            content="{" + others + f', "{key}": {value}' + "}",
                            headers=json_headers,
                        )
        await walker.send(
            "POST",
            url,
            "JSON body as a form",
            content=b'{"name": "x"}',
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": walker.token},
        )
        await walker.send(
            "POST",
            url,
            "latin-1 form",
            content=b"csrf_token=" + walker.token.encode() + b"&name=%FF%FE&title=\xff\xfe&%ZZ=1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        await walker.send(
            "POST",
            url,
            "broken multipart",
            content=b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx',
            headers={"Content-Type": "multipart/form-data; boundary=b", "X-CSRF-Token": walker.token},
        )
        # the form as the page fills it, sent as multipart: oddly named boundaries, cut short, a file
        form = baseline or dict.fromkeys(names, "1")
        whole = _multipart(form)
        for label, content_type in ODD_CONTENT_TYPES:
            await walker.send(
                "POST",
                url,
                label,
                content=whole,
                headers={"Content-Type": content_type.encode("latin-1"), "X-CSRF-Token": walker.token},
            )
        multipart_headers = {
            "Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}",
            "X-CSRF-Token": walker.token,
        }
        await walker.send(
            "POST",
            url,
            "multipart without its closing boundary",
            content=whole.removesuffix(f"--{MULTIPART_BOUNDARY}--\r\n".encode()),
            headers=multipart_headers,
        )
        await walker.send(
            "POST",
            url,
            "multipart with a file",
            content=_multipart(form, file=True),
            headers=multipart_headers,
        )

    # 2. garbage query strings
    query_names = sorted(set(QUERY_NAMES) | get_names)
    for query in () if streams else FIXED_QUERIES:
        await walker.send(method, f"{url}?{query}", "query", **body)
    for value in () if streams else [value for value in QUERY_VALUES if value not in left]:
        # a few names per request for a long value: a URL has a bounded length
        per_request = max(1, 60_000 // max(1, len(value)))
        for start in range(0, len(query_names), per_request):
            query = urlencode(dict.fromkeys(query_names[start : start + per_request], value))
            await walker.send(method, f"{url}?{query}", f"query = {_short(value)}", **body)

    # 3. each path parameter replaced by a hostile value (the others kept real)
    for name in params:
        for value in [value for value in PATH_VALUES if value not in left]:
            hostile = route.path_format.format(**{**params, name: _hostile(value)})
            await walker.send(method, hostile, f"{name} = {_short(value)}", **body)

    assert not walker.failures, f"{len(walker.failures)} of {walker.sent} requests failed:\n" + "\n".join(
        walker.failures
    )


# Team A's captain already has a team: the forms that make or join one are walked again as a
# newcomer, juror_2 (of event 2), registered to event 1 without a team; registering, as organiser_2.
NEWCOMER_ROUTES = (
    "register",
    "my_team",
    "create_team",
    "ask_to_join",
    "join_by_link",
    "team_entries",
    "propose_challenge",
    "accept_dataset_terms",
)


@pytest.mark.parametrize(("route", "method"), _cases(NEWCOMER_ROUTES))
async def test_team_route_for_a_newcomer_answers_hostile_input_without_a_server_error(
    world, make_client, route, method
):
    role = "organiser_2" if route.name == "register" else "juror_2"
    if role == "juror_2":
        await Registration.create(
            event=world.event_1, user=world.users[role], rules_accepted_at=datetime.now(UTC)
        )

    await _walk_in_world(make_client, world, role, route, method)


async def _stored_file(settings, entry) -> EntryFile:
    """A file of the entry, on disk where the app's storage looks."""
    pending = storage_for(settings).begin(max_bytes=1024)
    await pending.write(b"%PDF-1.7 walk")
    stored = await pending.commit()
    return await EntryFile.create(
        entry=entry,
        storage_key=stored.key,
        original_name="deck.pdf",
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
    )


# The juror's pages answer 404 in the world above (its entry is in no session's scope): walked
# again in an open session where the juror is assigned an entry, so the scoring forms are read.
JUROR_ROUTES = (
    "juror_session",
    "juror_entry",
    "juror_score",
    "juror_undo",
    "juror_recuse",
    "juror_sessions",
    "juror_file",
)


@pytest.mark.parametrize(("route", "method"), _cases(JUROR_ROUTES))
async def test_juror_route_with_an_assigned_entry_answers_hostile_input_without_a_server_error(
    db, settings, make_client, route, method
):
    now = datetime.now(UTC)
    jury_world = await make_jury_world(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
    juror = jury_world.jurors[0]
    await User.filter(id=juror.id).update(password_hash=CHEAP_HASH, email_verified_at=now, language="en")
    await EventRole.create(event=jury_world.event, user=juror, role=Role.JUROR)
    client = make_client()
    await sign_in(client, juror.email)
    walker = Walker(client, "juror", juror.email)
    await walker.refresh_token()
    known = {
        "slug": jury_world.event.slug,
        "session_id": str(jury_world.session.id),
        "entry_id": str(jury_world.entries[0].id),
        "file_id": str((await _stored_file(settings, jury_world.entries[0])).id),
    }
    params = {name: known[name] for name in route.param_convertors}
    gettable = {
        other.path_format.format(**{name: known[name] for name in other.param_convertors})
        for other in _app_routes()
        if isinstance(other, Route) and other.name in JUROR_ROUTES and "GET" in (other.methods or ())
    }

    await _walk(walker, route, method, params, gettable)


# --- regressions found by the walk above ----------------------------------------------------------

CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."


@pytest.mark.parametrize("where", ["form", "query", "header"])
async def test_csrf_token_with_non_ascii_characters_is_refused_not_a_500(client, where):
    await client.get("/")  # a session, with its token
    forged = "é" * 43
    if where == "header":
        response = await client.post(
            "/language", data={"language": "fr"}, headers={"X-CSRF-Token": forged.encode()}
        )
    elif where == "query":
        response = await client.post(f"/language?csrf_token={quote(forged)}", data={"language": "fr"})
    else:
        response = await client.post("/language", data={"csrf_token": forged, "language": "fr"})

    assert response.status_code == 403
    assert CSRF_REFUSED in response.text


BIG = "99999999999999999999"  # beyond a 64-bit integer: SQLite and PostgreSQL refuse it as an id


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("anonymous", "GET", "/events/" + "x" * 300),
        ("organiser_1", "POST", "/events/" + "x" * 300 + "/manage/edit"),
        ("anonymous", "GET", "/events/{slug}/challenges/" + "x" * 300),
        ("anonymous", "GET", "/events/{slug}/challenges/" + "x" * 300 + "/gallery"),
        ("organiser_1", "GET", "/events/{slug}/manage/challenges/" + "x" * 300 + "/edit"),
        ("organiser_1", "GET", "/events/{slug}/manage/rounds/{round_id}/criteria/challenges/" + "x" * 300),
        # a NUL byte (PostgreSQL refuses it in a text value)
        ("anonymous", "GET", "/events/%00"),
        ("anonymous", "GET", "/events/{slug}/challenges/%00"),
        ("anonymous", "GET", "/events/{slug}/challenges/%00/gallery"),
        ("organiser_1", "GET", "/events/{slug}/manage/challenges/%00/edit"),
        ("organiser_1", "GET", "/events/{slug}/manage/rounds/{round_id}/criteria/challenges/%00"),
        ("organiser_1", "GET", f"/events/{{slug}}/manage/rounds/{BIG}/edit"),
        ("organiser_1", "POST", f"/events/{{slug}}/manage/rounds/{BIG}/delete"),
        ("organiser_1", "GET", f"/events/{{slug}}/manage/rounds/{BIG}/criteria"),
        ("organiser_1", "GET", f"/events/{{slug}}/manage/rounds/{{round_id}}/criteria/{BIG}/edit"),
        ("organiser_1", "GET", f"/events/{{slug}}/manage/juries/{BIG}"),
        ("organiser_1", "POST", f"/events/{{slug}}/manage/people/{BIG}/remove"),
        ("admin", "POST", f"/admin/users/{BIG}/active"),
    ],
)
async def test_an_id_or_slug_the_database_cannot_hold_is_404(world, make_client, role, method, path):
    client = await browser_as(make_client, world, role)
    url = path.format(slug=world.event_1.slug, round_id=world.round_1.id)

    if method == "GET":
        response = await client.get(url)
    else:
        token = await csrf_from(client)
        response = await client.post(url, data={"csrf_token": token})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "path", "field", "page", "message"),
    [
        ("team_a", "/events/{slug}/team/captain", "member", None, "Choose a member."),
        ("team_a", "/events/{slug}/team/remove", "member", None, "Choose a member."),
        (
            "organiser_1",
            "/events/{slug}/manage/challenges/{challenge}/owners/remove",
            "user_id",
            "/events/{slug}/manage/challenges/{challenge}/edit",
            "This person is not an owner of the challenge.",
        ),
        ("organiser_1", "/events/{slug}/manage/juries/new", "round", None, "Choose a round."),
    ],
)
async def test_a_form_id_too_large_for_its_column_is_refused_with_a_message(
    world, make_client, role, path, field, page, message
):
    """The form comes back with its error (422), or, when `page` is named, the request sends there
    (303) and the message is flashed on it."""
    client = await browser_as(make_client, world, role)
    params = {"slug": world.event_1.slug, "challenge": world.challenge_1.slug}
    url = path.format(**params)
    token = await csrf_from(client)

    response = await client.post(url, data={"csrf_token": token, field: BIG})

    if page is None:
        assert response.status_code == 422
        assert f">{message}</a></li>" in response.text  # the summary at the top of the form
    else:
        assert (response.status_code, response.headers["location"]) == (303, page.format(**params))
        response = await client.get(response.headers["location"])
        assert response.status_code == 200
        assert f'<p class="alert alert--error">{message}</p>' in response.text


async def test_asking_to_join_a_team_whose_id_is_too_large_is_refused_with_a_message(world, make_client):
    client = await browser_as(make_client, world, "organiser_2")
    await Registration.create(
        event=world.event_1, user=world.users["organiser_2"], rules_accepted_at=datetime.now(UTC)
    )
    token = await csrf_from(client)

    response = await client.post(
        f"/events/{world.event_1.slug}/team/ask",
        data={"csrf_token": token, "team": BIG},
        follow_redirects=True,
    )

    assert response.status_code == 422
    assert "Choose a team of this event." in response.text


async def test_admin_searches_users_by_name_or_email(world, make_client):
    client = await browser_as(make_client, world, "admin")

    by_name = await client.get("/admin", params={"q": "Team A"})
    by_email = await client.get("/admin", params={"q": "juror-1@"})

    assert by_name.status_code == by_email.status_code == 200
    assert "team-a@example.org" in by_name.text and "juror-1@example.org" not in by_name.text
    assert "juror-1@example.org" in by_email.text and "team-a@example.org" not in by_email.text


async def test_admin_search_with_a_nul_byte_ignores_it(world, make_client):
    client = await browser_as(make_client, world, "admin")

    response = await client.get("/admin?q=Team%00 A")

    assert response.status_code == 200
    assert "team-a@example.org" in response.text


async def test_login_with_an_email_over_the_column_size_is_refused_like_a_wrong_one(client):
    token = await csrf_from(client, "/login")

    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": "y" * 10_000 + "@example.org", "password": "whatever it is"},
    )

    assert response.status_code == 422


async def test_new_event_for_an_organiser_email_over_the_column_size_is_refused_with_a_message(
    world, make_client
):
    client = await browser_as(make_client, world, "admin")
    token = await csrf_from(client, "/admin/events/new")

    response = await client.post(
        "/admin/events/new",
        data={"csrf_token": token, "title": "Big", "kind": "hackathon", "organiser_email": "y" * 10_000},
    )

    assert response.status_code == 422
    assert "No active account uses this email address." in response.text


# "²" is a digit to str.isdigit() but not to int(): reading an id with isdigit() then int() was a 500;
# so was an id of thousands of digits, which isdecimal() lets through and int() refuses.
@pytest.mark.parametrize("digits", ["²", HUGE], ids=["superscript", "5000 digits"])
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("juror_1", "/events/{slug}/jury/²"),
        ("team_a", "/events/{slug}/entries/²/feedback"),
        ("team_a", "/events/{slug}/entries/²/edit"),
        ("team_a", "/events/{slug}/entries/{entry_id}/files/²"),
        ("organiser_1", "/events/{slug}/manage/datasets/²"),
        ("organiser_1", "/events/{slug}/manage/juries/²/awards"),
        ("organiser_1", "/events/{slug}/entries/²"),
        ("anonymous", "/events/{slug}/vote/²"),
        ("organiser_1", "/events/{slug}/manage/juries/{session_id}/results/²"),
    ],
)
async def test_an_id_of_unicode_digits_in_the_url_is_404(world, make_client, role, path, digits):
    client = await browser_as(make_client, world, role)

    response = await client.get(
        path.replace("²", digits).format(
            slug=world.event_1.slug, entry_id=world.entry_1.id, session_id=world.session_1.id
        )
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "path", "fields", "answer"),
    [
        (
            "organiser_1",
            "/events/{slug}/manage/entries/²/selection",
            {"selection": "selected"},
            (404, "Page not found"),
        ),
        (
            "organiser_1",
            "/events/{slug}/manage/entries/advance",
            {"round": "²"},
            (303, "/events/{slug}/manage/entries"),
        ),
        (
            "organiser_1",
            "/events/{slug}/manage/juries/{session_id}/shortlist",
            {"top": "²"},
            (422, "Enter a whole number of entries between 1 and 1000."),
        ),
        (
            "organiser_1",
            "/events/{slug}/manage/juries/{session_id}/awards",
            {"entry": "²", "award": "²"},
            (422, "Choose a challenge of this session."),
        ),
        (
            "organiser_1",
            "/events/{slug}/manage/juries/{session_id}/awards/remove",
            {"award": "²"},
            (303, "/events/{slug}/manage/juries/{session_id}/awards"),
        ),
        (
            "team_a",
            "/events/{slug}/team/entries",
            {"round": "²", "challenge": "²", "title": "T"},
            (422, "Choose a round and a challenge of this event."),
        ),
        (
            "juror_1",
            "/events/{slug}/jury/{session_id}",
            {"team": "²"},
            (303, "/events/{slug}/jury/{session_id}"),
        ),
        # an address whose id is not one matches no route (the {session_id:id} convertor): 404,
        # before any sign-in is asked for
        (
            "anonymous",
            "/events/{slug}/vote/²",
            {"entry": "²"},
            (404, "Page not found"),
        ),
    ],
)
@pytest.mark.parametrize("digits", ["²", HUGE], ids=["superscript", "5000 digits"])
async def test_an_id_of_unicode_digits_in_a_form_is_refused_without_a_server_error(
    world, make_client, role, path, fields, answer, digits
):
    """`answer` is the status and what it shows: the page a 303 sends to, or the text of the page
    (the 404 page, or the form's error)."""
    client = await browser_as(make_client, world, role)
    token = await csrf_from(client)
    params = {"slug": world.event_1.slug, "session_id": world.session_1.id, "quoted": quote(digits)}

    response = await client.post(
        path.replace("²", digits).format(**params),
        data={"csrf_token": token, **{name: value.replace("²", digits) for name, value in fields.items()}},
    )

    status, shown = answer
    if status == 303:
        assert (response.status_code, response.headers["location"]) == (303, shown.format(**params))
    else:
        assert response.status_code == status
        assert shown in response.text


async def test_entry_filters_of_unicode_digits_are_ignored(world, make_client):
    client = await browser_as(make_client, world, "organiser_1")

    response = await client.get(
        f"/events/{world.event_1.slug}/manage/entries", params={"round": "²", "challenge": "²"}
    )

    assert response.status_code == 200


async def _seated_juror(make_client):
    now = datetime.now(UTC)
    jury_world = await make_jury_world(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
    juror = jury_world.jurors[0]
    await User.filter(id=juror.id).update(password_hash=CHEAP_HASH, email_verified_at=now, language="en")
    await EventRole.create(event=jury_world.event, user=juror, role=Role.JUROR)
    client = make_client()
    await sign_in(client, juror.email)
    url = f"/events/{jury_world.event.slug}/jury/{jury_world.session.id}/entries/{jury_world.entries[0].id}"
    return jury_world, client, url


SAVED = {"message": "Saved", "done": 0, "total": 3}
NOT_A_NUMBER = {"errors": {"criterion_ID": "Enter a number."}}
UNREADABLE = {"errors": {"": "This request could not be read."}}


@pytest.mark.parametrize(
    ("payload", "status", "answer"),
    [
        # text with a NUL byte is saved without it
        (b'{"field": "comment", "value": "a\\u0000b"}', 200, {"saved": "comment", **SAVED}),
        (b'{"field": "private_note", "value": "a\\u0000b"}', 200, {"saved": "private_note", **SAVED}),
        (b'{"field": "comment", "value": 1e309}', 422, {"errors": {"comment": "Enter some text."}}),
        (b'{"field": "criterion_ID", "value": NaN}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": Infinity}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": -Infinity}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": 1e309}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": "NaN"}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": "\\u0000"}', 422, NOT_A_NUMBER),
        (
            b'{"field": "criterion_ID", "value": 99999999999999999999999999}',
            422,
            {"errors": {"criterion_ID": "Enter a score between 0 and 10."}},
        ),
        (b'{"field": "criterion_ID", "value": [1]}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": {"a": 1}}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": null}', 422, NOT_A_NUMBER),
        (b'{"field": "criterion_ID", "value": true}', 422, NOT_A_NUMBER),
        (b'{"field": ["comment"], "value": "x"}', 400, UNREADABLE),
        (b'["field", "value"]', 400, UNREADABLE),
        (b'"just a string"', 400, UNREADABLE),
        (b"\xff\xfe", 400, UNREADABLE),
    ],
    ids=lambda value: value.decode("utf-8", "replace") if isinstance(value, bytes) else None,
)
async def test_autosave_of_a_score_with_a_hostile_json_body_is_refused_without_a_server_error(
    db, make_client, payload, status, answer
):
    jury_world, client, url = await _seated_juror(make_client)
    token = await csrf_from(client, url)
    field = f"criterion_{jury_world.criteria[0].id}"
    body = payload.replace(b"criterion_ID", field.encode())

    response = await client.post(
        f"{url}/score", content=body, headers={"Content-Type": "application/json", "X-CSRF-Token": token}
    )

    assert response.status_code < 500
    assert response.status_code == status
    if "errors" in answer:
        answer = {
            "errors": {field if name == "criterion_ID" else name: e for name, e in answer["errors"].items()}
        }
    assert response.json() == answer


async def test_recusal_reason_with_a_nul_byte_is_recorded_without_it(db, make_client):
    _, client, url = await _seated_juror(make_client)
    token = await csrf_from(client, url)

    response = await client.post(f"{url}/recuse", data={"csrf_token": token, "reason": "My\x00 cousin"})

    assert response.status_code == 303
    assert await ConflictOfInterest.filter(reason="My cousin").exists()


async def test_conflict_reason_with_a_nul_byte_is_recorded_without_it(db, make_client):
    jury_world, client, _ = await _seated_juror(make_client)
    session_url = f"/events/{jury_world.event.slug}/jury/{jury_world.session.id}"
    token = await csrf_from(client, session_url)

    conflict = {"team": str(jury_world.teams[1].id), "reason": "My\x00 cousin"}

    response = await client.post(session_url, data={"csrf_token": token, **conflict})

    assert response.status_code < 500
    assert (response.status_code, response.headers["location"]) == (303, session_url)
    assert await ConflictOfInterest.filter(reason="My cousin", team_id=jury_world.teams[1].id).exists()


# A score is a number in ASCII digits, or a JSON number that fits a float: float() of a JSON integer of
# a few hundred digits raised OverflowError (a 500), and "١" (ARABIC-INDIC DIGIT ONE) was saved as 1.
NOT_A_SCORE = [
    b"1" + b"0" * 400,
    b"-" + b"9" * 400,
    b'"' + b"9" * 5000 + b'"',
    '"²"'.encode(),
    '"١"'.encode(),
    '"５"'.encode(),
    b'"1_0"',
    b'"5e400"',
    b"1e309",
    b"NaN",
    b"true",
    b"[5]",
    b'{"value": 5}',
]


@pytest.mark.parametrize("value", NOT_A_SCORE, ids=lambda value: value[:16].decode())
async def test_autosave_of_a_score_that_is_no_plain_number_is_a_422_and_saves_nothing(db, make_client, value):
    jury_world, client, url = await _seated_juror(make_client)
    token = await csrf_from(client, url)
    field = f"criterion_{jury_world.criteria[0].id}"

    response = await client.post(
        f"{url}/score",
        content=b'{"field": "' + field.encode() + b'", "value": ' + value + b"}",
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {field: "Enter a number."}}
    assert await Score.all().count() == 0
    assert await ScoreLogEntry.all().count() == 0


async def test_autosave_of_a_huge_integer_is_refused_in_the_jurors_language(db, make_client):
    jury_world, client, url = await _seated_juror(make_client)
    await User.filter(id=jury_world.jurors[0].id).update(language="fr")
    token = await csrf_from(client, url)
    field = f"criterion_{jury_world.criteria[0].id}"

    response = await client.post(
        f"{url}/score",
        content=b'{"field": "' + field.encode() + b'", "value": 1' + b"0" * 400 + b"}",
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {field: "Saisissez un nombre."}}


async def test_a_score_typed_in_unicode_digits_is_refused_on_the_sheet(db, make_client):
    jury_world, client, url = await _seated_juror(make_client)
    token = await csrf_from(client, url)
    field = f"criterion_{jury_world.criteria[0].id}"

    response = await client.post(url, data={"csrf_token": token, field: "٧"})

    assert response.status_code == 422
    assert "Enter a number." in response.text
    assert await Score.all().count() == 0
