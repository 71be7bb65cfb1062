"""Login, the session cookie, rate limiting, argon2id under load, and server-side session
revocation (logout, password change, disabling, role removal take effect on the next request)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher

from events.auth import SESSION_LIFETIME
from events.domain import throttle
from events.domain.passwords import hash_password
from events.models import Event, EventRole, EventStatus, Role, Throttle, User, UserSession
from tests.conftest import BASE_URL
from tests.helpers import csrf_from, make_user, post_form, sign_in

EMAIL = "bob@example.org"
PASSWORD = "correct horse battery staple"
COOKIE = "hackcity_session"
GENERIC_ERROR = "Wrong email or password."
WAIT_ONE_MINUTE = (
    "Too many failed attempts for this account. Try again in 1 minute, "
    "or reset your password to sign in at once."
)


async def attempt(client: httpx.AsyncClient, email: str, password: str, **kwargs) -> httpx.Response:
    return await post_form(client, "/login", {"email": email, "password": password}, page="/login", **kwargs)


def replay(app, cookie: str) -> httpx.AsyncClient:
    """A second browser presenting a cookie copied from the first."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.99", 50002)),
        base_url=BASE_URL,
        cookies={COOKIE: cookie},
    )


async def is_signed_in(client: httpx.AsyncClient) -> bool:
    response = await client.get("/account")
    if response.status_code == 303:
        assert response.headers["location"] == "/login?next=/account"
        return False
    assert response.status_code == 200
    return True


# --- login --------------------------------------------------------------------------------


async def test_login_success_redirects_and_records_session(client):
    user = await make_user(EMAIL)

    response = await attempt(client, EMAIL, PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert await UserSession.filter(user_id=user.id).count() == 1
    await user.refresh_from_db()
    assert user.last_login_at is not None
    page = await client.get("/account")
    assert f"<strong>{EMAIL}</strong>" in page.text


async def test_login_email_is_case_insensitive(client):
    await make_user(EMAIL)

    response = await attempt(client, "  BOB@Example.org ", PASSWORD)

    assert response.status_code == 303


async def test_login_changes_session_cookie_value(client, app):
    await make_user(EMAIL)
    await client.get("/login")
    before = client.cookies[COOKIE]

    response = await attempt(client, EMAIL, PASSWORD)

    after = client.cookies[COOKIE]
    assert response.status_code == 303
    assert after != before
    async with replay(app, before) as old_cookie:
        assert await is_signed_in(old_cookie) is False


async def test_login_again_replaces_previous_session(client):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)
    first = await UserSession.get(user_id=user.id)
    await post_form(client, "/logout", page="/account")

    await sign_in(client, EMAIL)

    sessions = await UserSession.filter(user_id=user.id)
    assert [s.id for s in sessions] != [first.id]
    assert len(sessions) == 1


async def test_login_cookie_is_httponly_lax_and_not_secure_in_testing(client):
    await make_user(EMAIL)

    response = await attempt(client, EMAIL, PASSWORD)

    cookie = response.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert attributes[0].startswith(f"{COOKIE}=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes


async def test_login_wrong_password_and_unknown_email_same_generic_message(client, make_client):
    await make_user(EMAIL)
    other = make_client()

    wrong_password = await attempt(client, EMAIL, "not the password")
    unknown_email = await attempt(other, "nobody@example.org", "not the password")

    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
        assert f"<li>{GENERIC_ERROR}</li>" in response.text
        assert "not the password" not in response.text
        assert "Your current password is wrong." not in response.text
    assert await UserSession.all().count() == 0
    assert await is_signed_in(client) is False


async def test_login_disabled_account_refused_generically(client):
    await make_user(EMAIL, is_active=False)

    response = await attempt(client, EMAIL, PASSWORD)

    assert response.status_code == 422
    assert GENERIC_ERROR in response.text
    assert await UserSession.all().count() == 0


async def test_login_rerender_keeps_email_not_password(client):
    response = await attempt(client, EMAIL, "secret sentence number nine")

    assert f'value="{EMAIL}"' in response.text
    assert "secret sentence number nine" not in response.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/export", "/account/export"),
        ("//evil.example/", "/account"),
        ("https://evil.example/", "/account"),
        ("/\\evil.example", "/account"),
        ("/account\r\nSet-Cookie: x=1", "/account"),
    ],
    ids=["local", "protocol-relative", "absolute", "backslash", "crlf"],
)
async def test_login_next_only_follows_local_paths(client, target, expected):
    await make_user(EMAIL)

    response = await post_form(
        client, "/login", {"email": EMAIL, "password": PASSWORD, "next": target}, page="/login"
    )

    assert response.status_code == 303
    assert response.headers["location"] == expected


async def test_login_page_redirects_when_signed_in(client):
    await make_user(EMAIL)
    await sign_in(client, EMAIL)

    response = await client.get("/login")

    assert response.status_code == 303
    assert response.headers["location"] == "/account"


# --- rate limiting ------------------------------------------------------------------------


def login_counter(email: str = EMAIL, client_host: str = "203.0.113.7"):
    return Throttle.get_or_none(rule="login", key_hash=throttle.digest(_email_digest(email), client_host))


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


async def test_login_rate_limited_after_five_failures(client):
    await make_user(EMAIL)
    for _ in range(5):
        assert (await attempt(client, EMAIL, "wrong password")).status_code == 422

    response = await attempt(client, EMAIL, "wrong password")

    assert response.status_code == 429
    assert WAIT_ONE_MINUTE in response.text
    assert '<a href="/password/forgot">' in response.text
    assert response.headers["retry-after"] == "60"
    assert (await login_counter()).hits == 5  # the refused attempt is not counted


async def test_login_wait_is_said_in_french(make_client):
    await make_user(EMAIL)
    browser = make_client("203.0.113.7")
    browser.headers["Accept-Language"] = "fr"
    for _ in range(5):
        await attempt(browser, EMAIL, "wrong password")

    response = await attempt(browser, EMAIL, "wrong password")

    assert response.status_code == 429
    assert (
        "Trop d’essais manqués pour ce compte. Réessayez dans 1 minute, ou réinitialisez votre mot "
        "de passe pour vous connecter tout de suite."
    ) in response.text


async def test_login_rate_limit_holds_for_correct_password(client):
    await make_user(EMAIL)
    for _ in range(5):
        await attempt(client, EMAIL, "wrong password")

    response = await attempt(client, EMAIL, PASSWORD)

    assert response.status_code == 429
    assert WAIT_ONE_MINUTE in response.text
    assert await UserSession.all().count() == 0
    assert await is_signed_in(client) is False


async def test_login_rate_limit_not_reset_by_spoofed_forwarded_for(client):
    await make_user(EMAIL)
    for n in range(5):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}"}
        assert (await attempt(client, EMAIL, "wrong password", headers=spoofed)).status_code == 422

    response = await attempt(client, EMAIL, PASSWORD, headers={"X-Forwarded-For": "192.0.2.200"})

    assert response.status_code == 429
    assert await Throttle.filter(rule="login").count() == 1
    assert (await login_counter()).hits == 5


async def test_failures_elsewhere_do_not_lock_the_owner_out(client, make_client):
    user = await make_user(EMAIL)
    for _ in range(5):
        await attempt(client, EMAIL, "wrong password")
    assert (await attempt(client, EMAIL, PASSWORD)).status_code == 429
    owner = make_client("192.0.2.55")

    response = await attempt(owner, EMAIL, PASSWORD)

    assert response.status_code == 303
    assert await UserSession.filter(user_id=user.id).count() == 1
    assert (await login_counter()).hits == 5  # the attacker's address still waits


async def test_login_rate_limit_spares_other_accounts(client):
    await make_user(EMAIL)
    await make_user("carol@example.org")
    for _ in range(5):
        await attempt(client, EMAIL, "wrong password")

    response = await attempt(client, "carol@example.org", PASSWORD)

    assert response.status_code == 303


async def test_login_success_clears_failures(client):
    await make_user(EMAIL)
    for _ in range(4):
        await attempt(client, EMAIL, "wrong password")

    await sign_in(client, EMAIL)

    assert await login_counter() is None
    # The address keeps its four failures, not the successful attempt.
    assert (await Throttle.get(rule="login-client")).hits == 4


async def test_password_reset_lifts_the_wait(client, make_client, outbox):
    await make_user(EMAIL)
    for _ in range(5):
        await attempt(client, EMAIL, "wrong password")
    assert (await attempt(client, EMAIL, PASSWORD)).status_code == 429
    await post_form(client, "/password/forgot", {"email": EMAIL}, page="/password/forgot")
    smtp = await outbox()
    link = smtp.link_in(smtp.last_to(EMAIL), "/password/reset/")
    assert (
        await post_form(client, link, {"password": "a brand new passphrase"}, page=link)
    ).status_code == 303

    response = await attempt(client, EMAIL, "a brand new passphrase")

    assert response.status_code == 303
    assert await Throttle.filter(rule="login").count() == 0


async def test_parallel_attempts_cannot_get_past_the_count(make_client):
    await make_user(EMAIL)
    browsers = [make_client("203.0.113.7") for _ in range(12)]
    tokens = [await csrf_from(browser, "/login") for browser in browsers]

    responses = await asyncio.gather(
        *(
            browser.post("/login", data={"csrf_token": token, "email": EMAIL, "password": "wrong password"})
            for browser, token in zip(browsers, tokens, strict=True)
        )
    )

    assert sorted(r.status_code for r in responses) == [422] * 5 + [429] * 7
    assert (await login_counter()).hits == 5


async def test_parallel_attempts_on_many_accounts_from_one_address(make_client):
    emails = [f"user{n}@example.org" for n in range(throttle.LOGIN_CLIENT.free + 6)]
    browsers = [make_client("203.0.113.7") for _ in emails]
    tokens = [await csrf_from(browser, "/login") for browser in browsers]

    responses = await asyncio.gather(
        *(
            browser.post("/login", data={"csrf_token": token, "email": email, "password": "wrong password"})
            for browser, token, email in zip(browsers, tokens, emails, strict=True)
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [422] * throttle.LOGIN_CLIENT.free + [429] * 6
    assert (await Throttle.get(rule="login-client")).hits == throttle.LOGIN_CLIENT.free
    refused = [r for r in responses if r.status_code == 429]
    assert "Too many failed sign-in attempts from your connection. Try again in 1 minute." in refused[0].text


# --- argon2id -----------------------------------------------------------------------------


async def test_password_hash_is_argon2id(client):
    await post_form(
        client,
        "/signup",
        {"name": "Bob", "email": EMAIL, "password": PASSWORD, "accept_terms": "on"},
        page="/signup",
    )

    user = await User.get(email=EMAIL)

    assert user.password_hash.startswith("$argon2id$v=19$")
    assert PASSWORD not in user.password_hash


async def test_parallel_logins_do_not_stall_other_requests(client, make_client, monkeypatch):
    user = await make_user(EMAIL)
    # The production cost (argon2-cffi defaults), not the cheap hash of the test helpers.
    user.password_hash = await hash_password(PASSWORD)
    await user.save(update_fields=["password_hash"])
    browsers = [make_client(f"198.51.100.{n}") for n in range(50)]
    tokens = [await csrf_from(browser, "/login") for browser in browsers]
    # A spy on the argon2 library (behaviour unchanged) records when each hash runs.
    timeline: list[str] = []
    library_verify = PasswordHasher.verify

    def watched_verify(self, hash, password):
        timeline.append("hash-start")
        try:
            return library_verify(self, hash, password)
        finally:
            timeline.append("hash-end")

    monkeypatch.setattr(PasswordHasher, "verify", watched_verify)

    async def log_in(browser: httpx.AsyncClient, token: str) -> httpx.Response:
        return await browser.post("/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})

    async def health() -> httpx.Response:
        while "hash-start" not in timeline:
            await asyncio.sleep(0)
        response = await client.get("/healthz")
        timeline.append("healthz")
        return response

    *logins, healthz = await asyncio.gather(
        *(log_in(b, t) for b, t in zip(browsers, tokens, strict=True)), health()
    )

    assert [r.status_code for r in logins] == [303] * 50
    assert healthz.json() == {"status": "ok", "database": "ok"}
    assert await UserSession.all().count() == 50
    # /healthz was answered while a hash was still running: hashing does not hold the event loop.
    before = timeline[: timeline.index("healthz")]
    assert before.count("hash-start") > before.count("hash-end")
    assert timeline[-1] == "hash-end"


# --- revocation ---------------------------------------------------------------------------


async def test_logout_ends_session_and_old_cookie_is_anonymous(client, app):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)
    cookie = client.cookies[COOKIE]

    response = await post_form(client, "/logout", page="/account")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert await UserSession.filter(user_id=user.id).count() == 0
    assert await is_signed_in(client) is False
    async with replay(app, cookie) as old:
        assert await is_signed_in(old) is False
        home = await old.get("/")
        assert 'href="/login"' in home.text
        assert 'action="/logout"' not in home.text


async def test_logout_get_is_405_and_keeps_session(client):
    await make_user(EMAIL)
    await sign_in(client, EMAIL)

    response = await client.get("/logout")

    assert response.status_code == 405
    assert await is_signed_in(client) is True


async def test_password_change_signs_out_other_browsers_only(client, make_client):
    user = await make_user(EMAIL)
    other = make_client()
    await sign_in(other, EMAIL)
    await sign_in(client, EMAIL)

    response = await post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": "a fresh new passphrase"},
        page="/account",
    )

    assert response.status_code == 303
    page = await client.get("/account")
    assert page.status_code == 200
    assert "Your password is changed. Your other sessions are signed out." in page.text
    assert await is_signed_in(other) is False
    assert await UserSession.filter(user_id=user.id).count() == 1
    fresh = make_client()
    await sign_in(fresh, EMAIL, "a fresh new passphrase")


async def test_password_change_wrong_current_refused(client, make_client):
    user = await make_user(EMAIL)
    other = make_client()
    await sign_in(other, EMAIL)
    await sign_in(client, EMAIL)
    before = user.password_hash

    response = await post_form(
        client,
        "/account/password",
        {"current_password": "not my password", "password": "a fresh new passphrase"},
        page="/account",
    )

    assert response.status_code == 422
    assert "Your current password is wrong." in response.text
    await user.refresh_from_db()
    assert user.password_hash == before
    assert await is_signed_in(other) is True


async def test_password_change_weak_new_password_refused(client):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)
    before = user.password_hash

    response = await post_form(
        client, "/account/password", {"current_password": PASSWORD, "password": "short"}, page="/account"
    )

    assert response.status_code == 422
    assert "Use at least 8 characters." in response.text
    await user.refresh_from_db()
    assert user.password_hash == before


async def test_admin_disabling_account_signs_it_out_on_next_request(client, make_client):
    await make_user("admin@example.org", is_admin=True)
    victim = await make_user(EMAIL)
    browser = make_client()
    await sign_in(browser, EMAIL)
    await sign_in(client, "admin@example.org")

    response = await post_form(client, f"/admin/users/{victim.id}/active", {"active": "0"}, page="/admin")

    assert response.status_code == 303
    await victim.refresh_from_db()
    assert victim.is_active is False
    assert await UserSession.filter(user_id=victim.id).count() == 0
    assert await is_signed_in(browser) is False
    assert (await attempt(make_client(), EMAIL, PASSWORD)).status_code == 422


async def test_admin_reenabling_account_allows_login(client, make_client):
    await make_user("admin@example.org", is_admin=True)
    victim = await make_user(EMAIL, is_active=False)
    await sign_in(client, "admin@example.org")

    response = await post_form(client, f"/admin/users/{victim.id}/active", {"active": "1"}, page="/admin")

    assert response.status_code == 303
    await sign_in(make_client(), EMAIL)


async def test_admin_cannot_disable_own_account(client):
    admin = await make_user("admin@example.org", is_admin=True)
    await sign_in(client, "admin@example.org")

    await post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"}, page="/admin")

    await admin.refresh_from_db()
    assert admin.is_active is True
    page = await client.get("/admin")
    assert "You cannot disable your own account." in page.text


async def test_non_admin_cannot_disable_accounts(client):
    await make_user(EMAIL)
    target = await make_user("carol@example.org")
    await sign_in(client, EMAIL)

    response = await post_form(client, f"/admin/users/{target.id}/active", {"active": "0"}, page="/account")

    assert response.status_code == 403
    await target.refresh_from_db()
    assert target.is_active is True


async def test_removed_organiser_loses_manage_on_next_request(client, make_client):
    event = await Event.create(slug="open-data-days", title="Open Data Days", status=EventStatus.PUBLISHED)
    alice = await make_user("alice@example.org", name="Alice")
    bob = await make_user(EMAIL, name="Bob")
    await EventRole.create(event=event, user=alice, role=Role.ORGANISER)
    bob_role = await EventRole.create(event=event, user=bob, role=Role.ORGANISER)
    bob_browser = make_client()
    await sign_in(bob_browser, EMAIL)
    await sign_in(client, "alice@example.org")
    assert (await bob_browser.get("/events/open-data-days/manage")).status_code == 200

    response = await post_form(
        client,
        f"/events/open-data-days/manage/people/{bob_role.id}/remove",
        page="/events/open-data-days/manage/people",
    )

    assert response.status_code == 303
    assert await EventRole.filter(id=bob_role.id).count() == 0
    assert (await bob_browser.get("/events/open-data-days/manage")).status_code == 403
    assert (await bob_browser.get("/events/open-data-days/manage/people")).status_code == 403
    assert await is_signed_in(bob_browser) is True


async def test_removed_organiser_of_draft_event_gets_404(client, make_client):
    event = await Event.create(slug="draft-days", title="Draft Days")
    alice = await make_user("alice@example.org", name="Alice")
    bob = await make_user(EMAIL, name="Bob")
    await EventRole.create(event=event, user=alice, role=Role.ORGANISER)
    bob_role = await EventRole.create(event=event, user=bob, role=Role.ORGANISER)
    bob_browser = make_client()
    await sign_in(bob_browser, EMAIL)
    await sign_in(client, "alice@example.org")

    await post_form(
        client,
        f"/events/draft-days/manage/people/{bob_role.id}/remove",
        page="/events/draft-days/manage/people",
    )

    assert (await bob_browser.get("/events/draft-days/manage")).status_code == 404
    assert (await bob_browser.get("/events/draft-days")).status_code == 404


async def test_last_organiser_cannot_be_removed(client):
    event = await Event.create(slug="open-data-days", title="Open Data Days", status=EventStatus.PUBLISHED)
    alice = await make_user("alice@example.org", name="Alice")
    role = await EventRole.create(event=event, user=alice, role=Role.ORGANISER)
    await sign_in(client, "alice@example.org")

    response = await post_form(
        client, f"/events/open-data-days/manage/people/{role.id}/remove", page="/events/open-data-days/manage"
    )

    assert response.status_code == 303
    assert await EventRole.filter(id=role.id).count() == 1
    page = await client.get("/events/open-data-days/manage/people")
    assert "An event needs at least one organiser." in page.text


async def test_expired_session_is_anonymous(client):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)
    session = await UserSession.get(user_id=user.id)
    await UserSession.filter(id=session.id).update(
        created_at=session.created_at - SESSION_LIFETIME - timedelta(minutes=1)
    )

    assert await is_signed_in(client) is False


async def test_one_address_trying_many_accounts_is_rate_limited(client, make_client):
    await make_user("victim@example.org")
    # Failures from the client's address, each on a different email, up to the free allowance.
    for _ in range(throttle.LOGIN_CLIENT.free):
        await throttle.hit(throttle.LOGIN_CLIENT, "203.0.113.7")
    response = await post_form(
        client, "/login", {"email": "victim@example.org", "password": PASSWORD}, page="/login"
    )
    assert response.status_code == 429
    assert await UserSession.all().count() == 0
    assert (await login_counter("victim@example.org")).hits == 0  # the refused attempt is not counted
    # Another address is not affected.
    other = make_client("198.51.100.99")
    response = await post_form(
        other, "/login", {"email": "victim@example.org", "password": PASSWORD}, page="/login"
    )
    assert response.status_code == 303
