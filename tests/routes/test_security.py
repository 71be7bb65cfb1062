"""Browser safety over HTTP: CSRF, no state change on GET, body limits, security headers on every
response, error pages without tracebacks, production-only protections, logs and settings."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from markupsafe import escape
from starlette.routing import Match, Route

from events import i18n
from events.app import create_app
from events.models import Event, EventRole, EventStatus, OutboxMessage, Role, User
from events.routes import all_routes
from events.settings import DEFAULT_SECRET_KEY, Settings, SettingsError
from tests.conftest import BASE_URL, TEST_DATABASE_URL
from tests.helpers import csrf_from, make_user, post_form, sign_in

PASSWORD = "correct horse battery staple"
SIGNUP = {
    "name": "Eve",
    "email": "eve@example.org",
    "password": "a long enough passphrase",
    "accept_terms": "on",
}
CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."
FORM_LIMIT = 256 * 1024
PRODUCTION_URL = "https://hackcity.example"


async def refused_by_csrf(response: httpx.Response) -> bool:
    return response.status_code == 403 and CSRF_REFUSED in response.text


def multipart(fields: dict[str, str]) -> dict[str, tuple[None, str]]:
    return {key: (None, value) for key, value in fields.items()}


# --- CSRF ---------------------------------------------------------------------------------


async def test_csrf_post_without_token_refused(client):
    await client.get("/signup")

    response = await client.post("/signup", data=SIGNUP)

    assert await refused_by_csrf(response)
    assert await User.all().count() == 0


async def test_csrf_post_without_session_refused(client):
    response = await client.post("/signup", data={**SIGNUP, "csrf_token": "anything"})

    assert await refused_by_csrf(response)
    assert await User.all().count() == 0


async def test_csrf_wrong_token_refused(client):
    token = await csrf_from(client, "/signup")

    response = await client.post(
        "/signup", data={**SIGNUP, "csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")}
    )

    assert await refused_by_csrf(response)
    assert await User.all().count() == 0


async def test_csrf_token_from_another_session_refused(client, make_client):
    attacker = make_client()
    attacker_token = await csrf_from(attacker, "/signup")
    await client.get("/signup")

    response = await client.post("/signup", data={**SIGNUP, "csrf_token": attacker_token})

    assert await refused_by_csrf(response)
    assert await User.all().count() == 0


async def test_csrf_token_from_before_login_refused_after_login(client):
    user = await make_user("eve@example.org", name="Eve")
    old_token = await csrf_from(client, "/login")
    await sign_in(client, "eve@example.org")

    response = await client.post(
        "/account", data={"csrf_token": old_token, "name": "Mallory", "language": "en"}
    )

    assert await refused_by_csrf(response)
    await user.refresh_from_db()
    assert user.name == "Eve"


async def test_csrf_signed_in_change_without_token_refused(client):
    user = await make_user("eve@example.org", name="Eve")
    await sign_in(client, "eve@example.org")

    response = await client.post("/account", data={"name": "Mallory", "language": "en"})

    assert await refused_by_csrf(response)
    await user.refresh_from_db()
    assert user.name == "Eve"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "https://testserver"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": BASE_URL},
    ],
    ids=[
        "evil-origin",
        "null-origin",
        "lookalike-origin",
        "other-scheme",
        "cross-site",
        "same-site",
        "mixed",
    ],
)
async def test_csrf_foreign_origin_refused_even_with_valid_token(client, headers):
    token = await csrf_from(client, "/signup")

    response = await client.post("/signup", data={**SIGNUP, "csrf_token": token}, headers=headers)

    assert await refused_by_csrf(response)
    assert await User.all().count() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}],
    ids=["no-metadata", "same-origin", "typed-url"],
)
async def test_csrf_same_origin_with_token_accepted(client, headers):
    token = await csrf_from(client, "/signup")

    response = await client.post("/signup", data={**SIGNUP, "csrf_token": token}, headers=headers)

    assert response.status_code == 303
    assert await User.filter(email="eve@example.org").count() == 1


async def test_csrf_multipart_token_in_body_refused(client):
    user = await make_user("eve@example.org", name="Eve")
    await sign_in(client, "eve@example.org")
    token = await csrf_from(client, "/account")

    response = await client.post(
        "/account", files=multipart({"csrf_token": token, "name": "Mallory", "language": "en"})
    )

    assert await refused_by_csrf(response)
    await user.refresh_from_db()
    assert user.name == "Eve"


@pytest.mark.parametrize("where", ["header", "query"])
async def test_csrf_multipart_token_in_header_or_query_accepted(client, where):
    user = await make_user("eve@example.org", name="Eve")
    await sign_in(client, "eve@example.org")
    token = await csrf_from(client, "/account")
    url = f"/account?csrf_token={token}" if where == "query" else "/account"
    headers = {"X-CSRF-Token": token} if where == "header" else {}

    response = await client.post(
        url, files=multipart({"name": "Eve Lamarr", "language": "en"}), headers=headers
    )

    assert response.status_code == 303
    await user.refresh_from_db()
    assert user.name == "Eve Lamarr"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{{"csrf_token": "{token}", "name": "Mallory", "language": "en"}}'),
        ("text/plain", "csrf_token={token}&name=Mallory&language=en"),
    ],
    ids=["json", "text-plain"],
)
async def test_csrf_token_in_other_body_types_refused(client, content_type, body):
    user = await make_user("eve@example.org", name="Eve")
    await sign_in(client, "eve@example.org")
    token = await csrf_from(client, "/account")

    response = await client.post(
        "/account", content=body.format(token=token), headers={"Content-Type": content_type}
    )

    assert await refused_by_csrf(response)
    await user.refresh_from_db()
    assert user.name == "Eve"


async def test_csrf_refusal_on_logout_keeps_session(client):
    await make_user("eve@example.org")
    await sign_in(client, "eve@example.org")

    response = await client.post("/logout", headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert (await client.get("/account")).status_code == 200


# --- no GET changes state -----------------------------------------------------------------


def _post_only_paths() -> list[str]:
    routes = [r for r in all_routes() if isinstance(r, Route)]
    readable = {r.path for r in routes if "GET" in (r.methods or ())}
    return sorted({r.path for r in routes if "GET" not in (r.methods or ()) and r.path not in readable})


@pytest.mark.parametrize("path", _post_only_paths())
async def test_get_on_state_changing_route_is_405(client, app, path):
    admin = await make_user("admin@example.org", is_admin=True)
    await sign_in(client, "admin@example.org")
    url = re.sub(r"\{[^}]+\}", "1", path)
    scope = {"type": "http", "method": "GET", "path": url, "root_path": ""}
    read_by = [r for r in app.routes if isinstance(r, Route) and r.matches(scope)[0] == Match.FULL]

    response = await client.get(url)

    if read_by:  # another route reads this address (e.g. /manage/datasets/{id} for .../import)
        assert "GET" in read_by[0].methods
        # ... and answers what it answers for a missing event: no event has the slug "1"
        assert read_by[0].path.startswith("/events/{slug}/")
        assert response.status_code == 404
        assert "Page not found" in response.text
    else:
        assert response.status_code == 405
        assert "This address does not accept this kind of request." in response.text
    await admin.refresh_from_db()
    assert admin.is_active is True
    assert (await client.get("/account")).status_code == 200


async def test_get_with_form_fields_in_query_changes_nothing(client, outbox):
    event = await Event.create(slug="open-data-days", title="Open Data Days", status=EventStatus.PUBLISHED)
    admin = await make_user("admin@example.org", name="Admin", is_admin=True)
    await make_user("carol@example.org", name="Carol")
    await EventRole.create(event=event, user=admin, role=Role.ORGANISER)
    await sign_in(client, "admin@example.org")

    pages = [
        "/account?name=Mallory&language=fr&newsletter=on",
        "/account/delete?password=correct+horse+battery+staple",
        "/events/open-data-days/manage/people?email=carol%40example.org&role=juror",
        "/admin/events/new?title=Evil&slug=evil&kind=hackathon&organiser_email=carol%40example.org",
        "/password/forgot?email=carol%40example.org",
    ]
    for page in pages:
        assert (await client.get(page)).status_code == 200, page

    await admin.refresh_from_db()
    assert (admin.name, admin.language, admin.opt_in_newsletter, admin.is_active) == (
        "Admin",
        "en",
        False,
        True,
    )
    assert await EventRole.all().count() == 1
    assert await Event.filter(slug="evil").count() == 0
    assert await OutboxMessage.all().count() == 0


# --- body limit ---------------------------------------------------------------------------


async def test_body_over_limit_with_content_length_is_413(client):
    token = await csrf_from(client, "/login")

    response = await client.post(
        "/login",
        content=f"csrf_token={token}&email=a%40b.org&password=" + "p" * FORM_LIMIT,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "What you sent is larger than allowed. Nothing was saved: send something smaller." in response.text
    assert response.headers["connection"] == "close"


async def _chunks(total: int, chunk: int = 32 * 1024, prefix: bytes = b"") -> AsyncIterator[bytes]:
    yield prefix
    sent = 0
    while sent < total:
        yield b"p" * chunk
        sent += chunk


@pytest.mark.parametrize("token_in", ["body", "header"])
async def test_chunked_body_over_limit_is_413(client, token_in):
    token = await csrf_from(client, "/signup")
    prefix = b"name=Eve&email=eve%40example.org&accept_terms=on&"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token_in == "body":
        prefix += f"csrf_token={token}&".encode()
    else:
        headers["X-CSRF-Token"] = token
    prefix += b"password="

    response = await client.post(
        "/signup", content=_chunks(FORM_LIMIT + 64 * 1024, prefix=prefix), headers=headers
    )

    assert response.status_code == 413
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Too large · hackcity</title>" in response.text
    assert_security_headers(response)
    assert await User.all().count() == 0


async def test_chunked_body_under_limit_accepted(client):
    token = await csrf_from(client, "/signup")
    body = (
        f"csrf_token={token}&name=Eve&email=eve%40example.org&accept_terms=on"
        "&password=a+long+enough+passphrase"
    )

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 10):
            yield body[start : start + 10].encode()

    response = await client.post(
        "/signup", content=stream(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 303
    assert await User.filter(email="eve@example.org").count() == 1


async def test_multipart_over_upload_limit_is_413(settings, db):
    app = create_app(settings.with_overrides(max_upload_mb=1), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        await make_user("eve@example.org", name="Eve")
        await sign_in(http, "eve@example.org")
        token = await csrf_from(http, "/account")

        response = await http.post(
            "/account",
            files={"name": (None, "Mallory"), "attachment": ("big.bin", b"\0" * (1024 * 1024 + 128 * 1024))},
            headers={"X-CSRF-Token": token},
        )

    assert response.status_code == 413
    assert_security_headers(response)
    assert (await User.get(email="eve@example.org")).name == "Eve"


# --- security headers and error pages -----------------------------------------------------


def assert_security_headers(response: httpx.Response, *, hsts: bool = False) -> None:
    csp = response.headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp.split("; "), csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert ("strict-transport-security" in response.headers) is hsts


class Boom(RuntimeError):
    pass


async def boom(request):
    raise Boom("database password hunter2 in /srv/hackcity/events/secret.py")


@pytest.fixture
def boom_app(settings, db):
    app = create_app(settings, manage_database=False)
    app.router.routes.append(Route("/boom", boom))
    return app


@pytest.fixture
async def boom_client(boom_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=boom_app), base_url=BASE_URL) as http:
        yield http


HEADER_CASES = [
    ("GET", "/", {}, 200),
    ("GET", "/login", {}, 200),
    ("GET", "/healthz", {}, 200),
    ("GET", "/static/css/app.css", {}, 200),
    ("GET", "/account", {}, 303),
    ("GET", "/no-such-page", {}, 404),
    ("GET", "/events/no-such-event", {}, 404),
    ("POST", "/signup", {"data": SIGNUP}, 403),
    ("GET", "/logout", {}, 405),
    (
        "POST",
        "/login",
        {
            "content": b"p" * (FORM_LIMIT + 1),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        413,
    ),
    ("GET", "/boom", {}, 500),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"), HEADER_CASES, ids=[f"{c[3]}-{c[0]}-{c[1]}" for c in HEADER_CASES]
)
async def test_security_headers_on_every_response(boom_client, method, url, kwargs, status):
    response = await boom_client.request(method, url, **kwargs)

    assert response.status_code == status
    assert_security_headers(response)


async def test_security_headers_on_signed_in_pages_and_downloads(client):
    await make_user("eve@example.org")
    await sign_in(client, "eve@example.org")

    for url in ("/account", "/account/export", "/account/delete"):
        response = await client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
async def test_unhandled_error_gives_500_page_without_traceback(settings, db, caplog, debug):
    app = create_app(settings.with_overrides(debug=debug), manage_database=False)
    app.router.routes.append(Route("/boom", boom))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        response = await http.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Something went wrong · hackcity</title>" in response.text
    assert (
        "An error occurred on our side. Nothing you entered is lost: go back and try again." in response.text
    )
    for leak in ("Traceback", "Boom", "hunter2", "secret.py", "File &#34;", 'File "'):
        assert leak not in response.text
    assert_security_headers(response)
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error on GET /boom"]
    assert len(logged) == 1
    assert logged[0].exc_info[0] is Boom


async def test_unhandled_error_page_is_localised(boom_client):
    response = await boom_client.get("/boom", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})

    french = i18n.catalogue("fr")
    assert response.status_code == 500
    assert '<html lang="fr">' in response.text
    title = french.gettext("Something went wrong")
    message = french.gettext(
        "An error occurred on our side. Nothing you entered is lost: go back and try again."
    )
    assert f"<title>{escape(title)} · hackcity</title>" in response.text
    assert f"<p>{escape(message)}</p>" in response.text
    assert "Traceback" not in response.text


async def test_error_pages_follow_signed_in_users_language(client):
    await make_user("eve@example.org", language="fr")
    await sign_in(client, "eve@example.org")

    response = await client.get("/no-such-page")

    assert response.status_code == 404
    assert '<html lang="fr">' in response.text
    message = i18n.catalogue("fr").gettext("This page does not exist, or you do not have access to it.")
    assert f"<p>{escape(message)}</p>" in response.text


# --- production-only protections ----------------------------------------------------------


@pytest.fixture
def production_settings(settings) -> Settings:
    return settings.with_overrides(testing=False, debug=False, base_url=PRODUCTION_URL)


@pytest.fixture
async def production(production_settings, db):
    app = create_app(production_settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.20", 50010)), base_url=PRODUCTION_URL
    ) as http:
        yield http


async def test_production_session_cookie_is_secure_httponly_lax(production):
    await make_user("eve@example.org")
    token = await csrf_from(production, "/login")

    response = await production.post(
        "/login", data={"csrf_token": token, "email": "eve@example.org", "password": PASSWORD}
    )

    assert response.status_code == 303
    attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
    assert attributes[0].startswith("hackcity_session=")
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes)
    assert (await production.get("/account")).status_code == 200


@pytest.mark.parametrize("url", ["/", "/login", "/no-such-page", "/healthz"])
async def test_production_sends_hsts(production, url):
    response = await production.get(url)

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(response, hsts=True)


async def test_testing_app_sends_no_hsts_and_no_secure_cookie(client):
    response = await client.get("/login")

    assert "strict-transport-security" not in response.headers
    assert "secure" not in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("host", ["evil.example", "hackcity.example.evil.example", "127.0.0.1"])
async def test_production_refuses_foreign_host_header(production, host):
    response = await production.get("/", headers={"Host": host})

    assert response.status_code == 400
    assert_security_headers(response, hsts=True)


async def test_production_reset_request_with_foreign_host_never_mails(production):
    await make_user("eve@example.org")
    token = await csrf_from(production, "/password/forgot")

    response = await production.post(
        "/password/forgot",
        data={"csrf_token": token, "email": "eve@example.org"},
        headers={"Host": "evil.example"},
    )

    assert response.status_code == 400
    assert await OutboxMessage.all().count() == 0


async def test_production_reset_link_uses_base_url(production):
    await make_user("eve@example.org")
    token = await csrf_from(production, "/password/forgot")

    response = await production.post(
        "/password/forgot", data={"csrf_token": token, "email": "eve@example.org"}
    )

    assert response.status_code == 303
    body = (await OutboxMessage.get(to="eve@example.org")).body
    assert f"{PRODUCTION_URL}/password/reset/" in body


async def test_production_allowed_hosts_setting_is_used(production_settings, db):
    settings = production_settings.with_overrides(allowed_hosts=("hackcity.example", "www.hackcity.example"))
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PRODUCTION_URL) as http:
        assert (await http.get("/", headers={"Host": "www.hackcity.example"})).status_code == 200
        assert (await http.get("/", headers={"Host": "evil.example"})).status_code == 400


# --- logs ---------------------------------------------------------------------------------


def forged_lines(caplog) -> list[str]:
    lines = [line for record in caplog.records for line in record.getMessage().splitlines()[1:]]
    lines += caplog.text.splitlines()
    return [line for line in lines if line.strip().lower().startswith("fake")]


@pytest.mark.parametrize(
    ("method", "url", "data", "logged"),
    [
        (
            "POST",
            "/login",
            {"email": "eve@example.org\r\nFAKE LOG LINE", "password": "whatever"},
            "login failed",
        ),
        (
            "POST",
            "/login",
            {"email": "\nFAKE LOG LINE\n@example.org", "password": "whatever"},
            "login failed",
        ),
        ("POST", "/password/forgot", {"email": "eve@example.org\r\nFAKE LOG LINE"}, None),
        ("POST", "/signup", {**SIGNUP, "name": "Eve\r\nFAKE LOG LINE"}, None),
        ("POST", "/signup", {**SIGNUP, "email": "eve\r\nFAKE@example.org"}, None),
        ("POST", "/login%0D%0AFAKE%20LOG%20LINE", None, "CSRF refusal on /login\\x0d\\x0aFAKE LOG LINE"),
        ("GET", "/events/x%0D%0AFAKE%20LOG%20LINE", None, "not found GET /events/x"),
        ("GET", "/events/x%0D%0AFAKE%20LOG%20LINE/manage", None, "not found GET /events/x"),
    ],
    ids=[
        "login-crlf",
        "login-lf",
        "forgot",
        "signup-name",
        "signup-email",
        "csrf-path",
        "404-path",
        "manage-path",
    ],
)
async def test_crlf_in_user_input_cannot_forge_log_line(client, caplog, method, url, data, logged):
    caplog.set_level(logging.DEBUG)
    await make_user("eve@example.org")
    token = await csrf_from(client, "/login")

    if data is not None:
        response = await client.post(url, data={**data, "csrf_token": token})
    else:  # no token: the CSRF refusal or the 404 is what gets logged
        response = await client.request(method, url)

    # a form with a mistake is 422, a forged path 404 (GET) or a CSRF refusal (POST without a token)
    assert response.status_code == (422 if data is not None else 404 if method == "GET" else 403)
    assert forged_lines(caplog) == []
    app_messages = [r.getMessage() for r in caplog.records if r.name.startswith("hackcity")]
    assert all("\r" not in m and "\n" not in m for m in app_messages)
    if logged:
        assert any(m.startswith(logged) for m in app_messages), app_messages


async def test_login_outcomes_are_logged_without_secrets(client, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    user = await make_user("eve@example.org")
    await make_user("admin@example.org", is_admin=True)

    await post_form(client, "/login", {"email": "eve@example.org", "password": "wrong horse"}, page="/login")
    await sign_in(client, "eve@example.org")
    await client.get("/admin")

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("hackcity")]
    assert "login failed client=203.0.113.7" in messages
    assert f"login user={user.id}" in messages
    assert f"refused GET /admin for user {user.id}" in messages
    text = caplog.text
    for secret in ("wrong horse", PASSWORD, "eve@example.org"):
        assert secret not in "\n".join(messages)
    assert "wrong horse" not in text
    assert PASSWORD not in text


async def test_no_password_or_token_in_any_log_record(client, make_client, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    signup_password = "first secret passphrase"
    changed_password = "second secret passphrase"
    reset_password = "third secret passphrase"
    wrong_password = "not my secret passphrase"

    await post_form(client, "/signup", {**SIGNUP, "password": signup_password}, page="/signup")
    await post_form(client, "/logout", page="/account")
    await post_form(client, "/login", {"email": SIGNUP["email"], "password": wrong_password}, page="/login")
    await sign_in(client, SIGNUP["email"], signup_password)
    await post_form(
        client,
        "/account/password",
        {"current_password": signup_password, "password": changed_password},
        page="/account",
    )
    other = make_client()
    await post_form(other, "/password/forgot", {"email": SIGNUP["email"]}, page="/password/forgot")
    smtp = await outbox()
    link = smtp.link_in(smtp.last_to(SIGNUP["email"]), "/password/reset/")
    response = await post_form(other, link, {"password": reset_password}, page=link)
    assert response.status_code == 303
    await sign_in(other, SIGNUP["email"], reset_password)
    await post_form(other, "/account/delete", {"password": reset_password}, page="/account/delete")

    app_records = [r for r in caplog.records if r.name.startswith("hackcity")]
    assert app_records
    everything = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    for secret in (signup_password, changed_password, reset_password, wrong_password):
        assert secret not in everything
    token = link.removeprefix("/password/reset/")
    assert all(token not in r.getMessage() for r in app_records)


# --- settings -----------------------------------------------------------------------------

PRODUCTION_SETTINGS = {
    "testing": False,
    "debug": False,
    "base_url": PRODUCTION_URL,
    "database_url": TEST_DATABASE_URL,
}


@pytest.mark.parametrize(
    "secret_key", ["", DEFAULT_SECRET_KEY, "x" * 31], ids=["missing", "default", "short"]
)
def test_settings_check_refuses_weak_secret_key_in_production(secret_key):
    settings = Settings(secret_key=secret_key, **PRODUCTION_SETTINGS)

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings.check()


def test_settings_default_secret_key_is_refused_in_production():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings(base_url=PRODUCTION_URL).check()


def test_create_app_refuses_to_start_with_default_secret_key():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(Settings(**PRODUCTION_SETTINGS), manage_database=False)


@pytest.mark.parametrize("secret_key", ["", DEFAULT_SECRET_KEY, "short"])
def test_settings_check_passes_with_debug(secret_key):
    settings = Settings(secret_key=secret_key, debug=True, base_url="http://127.0.0.1:8000")

    settings.check()

    assert settings.production is False
    assert settings.secure_cookies is False


def test_settings_check_passes_with_long_secret_key_in_production():
    settings = Settings(secret_key="k" * 32, **PRODUCTION_SETTINGS)

    settings.check()

    assert settings.production is True
    assert settings.secure_cookies is True
    assert settings.trusted_hosts == ("hackcity.example",)


def test_settings_debug_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    assert Settings.from_env(env_file=None).debug is False

    monkeypatch.setenv("DEBUG", "1")
    assert Settings.from_env(env_file=None).debug is True
