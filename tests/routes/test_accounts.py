"""Account features over HTTP: sign-up and email verification, password rules, profile, data
export, deletion and password reset. Mail goes through the real SMTP test server."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from events.domain import tokens
from events.models import Event, EventRole, EventStatus, OutboxMessage, Role, User, UserSession
from tests.helpers import csrf_from, make_user, post_form, sign_in

NAME = "Ada Lovelace"
EMAIL = "ada@example.org"
NEW_PASSWORD = "a long enough passphrase"
OLD_PASSWORD = "correct horse battery staple"
LONG_UNICODE_PASSWORD = "é🔒ñ漢ß🌍ü字" * 38  # 304 characters, 4-byte emoji included


def signup_form(**changes: str) -> dict[str, str]:
    form = {"name": NAME, "email": EMAIL, "password": NEW_PASSWORD, "accept_terms": "on"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def sign_up(client, **changes: str):
    return await post_form(client, "/signup", signup_form(**changes), page="/signup")


def error_summary(html: str) -> str:
    """The text of the form's error box (empty when there is none)."""
    start = html.find('id="form-errors"')
    if start == -1:
        return ""
    return html[start : html.find("</div>", start)]


# --- sign-up ------------------------------------------------------------------------------


async def test_signup_success_creates_user_with_consent_and_no_opt_ins(client):
    before = datetime.now(UTC)

    response = await sign_up(client)

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    user = await User.get(email=EMAIL)
    assert user.name == NAME
    assert user.terms_accepted_at is not None
    assert user.terms_accepted_at >= before.replace(microsecond=0)
    assert user.opt_in_newsletter is False
    assert user.opt_in_publish_name is False
    assert user.email_verified_at is None
    assert user.is_admin is False
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash
    page = await client.get("/account")
    assert page.status_code == 200
    assert "Welcome! We sent you a link to confirm your email address." in page.text


async def test_signup_with_opt_ins_ticked_records_them(client):
    response = await sign_up(client, newsletter="on", publish_name="on")

    assert response.status_code == 303
    user = await User.get(email=EMAIL)
    assert (user.opt_in_newsletter, user.opt_in_publish_name) == (True, True)


async def test_signup_email_is_stored_normalised(client):
    response = await sign_up(client, email="  Ada@Example.ORG ")

    assert response.status_code == 303
    assert await User.filter(email=EMAIL).count() == 1


async def test_signup_fields_not_offered_are_ignored(client):
    response = await sign_up(
        client,
        is_admin="1",
        is_active="0",
        email_verified_at="2020-01-01T00:00:00+00:00",
        anonymised_at="2020-01-01T00:00:00+00:00",
        password_hash="$argon2id$forged",
        id="1000",
    )

    assert response.status_code == 303
    user = await User.get(email=EMAIL)
    assert user.id != 1000
    assert user.is_admin is False
    assert user.is_active is True
    assert user.email_verified_at is None
    assert user.anonymised_at is None
    assert user.password_hash != "$argon2id$forged"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"accept_terms": None},
            "accept_terms",
            "You must accept the terms and the privacy notice to create an account.",
        ),
        ({"password": "short1!"}, "password", "Use at least 8 characters."),
        ({"password": "qwerty123"}, "password", "This password is too common: choose another one."),
        ({"password": "Azertyuiop"}, "password", "This password is too common: choose another one."),
        ({"password": "aaaaaaaaaaaa"}, "password", "This password is too common: choose another one."),
        ({"password": EMAIL}, "password", "Do not use your email address as your password."),
        ({"password": "x" * 1024 + "yz"}, "password", "Use at most 1024 characters."),
        ({"email": "not-an-address"}, "email", "Enter an email address like name@example.org."),
        ({"name": "   "}, "name", "Enter your name."),
    ],
    ids=[
        "missing-consent",
        "short-password",
        "common-password",
        "common-password-any-case",
        "one-character-repeated",
        "password-is-email",
        "too-long-password",
        "bad-email",
        "blank-name",
    ],
)
async def test_signup_invalid_rerenders_422_keeping_name_and_email(client, changes, field, message):
    response = await sign_up(client, **changes)

    assert response.status_code == 422
    assert message in error_summary(response.text)
    assert f'href="#f-{field}"' in error_summary(response.text)
    assert await User.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    if field != "name":
        assert f'value="{NAME}"' in response.text
    if field != "email":
        assert f'value="{EMAIL}"' in response.text
    password = changes.get("password", NEW_PASSWORD)
    if password != EMAIL:
        assert password not in response.text


async def test_signup_password_never_echoed_in_rerendered_form(client):
    response = await sign_up(client, accept_terms=None, password="my secret sentence 42")

    assert response.status_code == 422
    assert "my secret sentence 42" not in response.text
    assert 'value="my secret sentence 42"' not in response.text


async def test_signup_duplicate_email_refused_whatever_the_case(client):
    await make_user(EMAIL, name="First Ada")

    response = await sign_up(client, email="ADA@example.org", name="Second Ada")

    assert response.status_code == 422
    assert "An account already uses this email address. Sign in or reset your password." in response.text
    assert 'value="ADA@example.org"' in response.text
    assert 'value="Second Ada"' in response.text
    assert await User.all().values_list("name", flat=True) == ["First Ada"]


async def test_signup_long_unicode_password_accepted_and_usable(client, make_client):
    assert len(LONG_UNICODE_PASSWORD) > 300

    response = await sign_up(client, password=LONG_UNICODE_PASSWORD)

    assert response.status_code == 303
    user = await User.get(email=EMAIL)
    assert user.password_hash.startswith("$argon2id$")
    other = make_client()
    await sign_in(other, EMAIL, LONG_UNICODE_PASSWORD)
    assert (await other.get("/account")).status_code == 200


async def test_signup_one_megabyte_password_refused_by_the_body_limit(client):
    token = await csrf_from(client, "/signup")

    response = await client.post(
        "/signup", data={**signup_form(password="p" * 1024 * 1024), "csrf_token": token}
    )

    assert response.status_code == 413  # the body limit answers before the hasher sees it
    assert await User.all().count() == 0


async def test_signup_one_megabyte_password_in_multipart_refused(client):
    """A multipart form has the larger upload limit, which a megabyte-long password still exceeds."""
    token = await csrf_from(client, "/signup")
    fields = {**signup_form(password="p" * 1024 * 1024)}

    response = await client.post(
        "/signup",
        files={key: (None, value) for key, value in fields.items()},
        headers={"X-CSRF-Token": token},
    )

    assert response.status_code == 413
    assert await User.all().count() == 0


async def test_signup_page_redirects_when_signed_in(client):
    await make_user(EMAIL)
    await sign_in(client, EMAIL)

    response = await client.get("/signup")

    assert response.status_code == 303
    assert response.headers["location"] == "/account"


# --- email verification -------------------------------------------------------------------


async def verification_link(client, outbox) -> str:
    response = await sign_up(client)
    assert response.status_code == 303
    smtp = await outbox()
    message = smtp.last_to(EMAIL)
    assert message["Subject"] == "Confirm your email address for hackcity"
    return smtp.link_in(message, "/verify/")


async def test_signup_sends_verification_mail_through_smtp(client, outbox):
    link = await verification_link(client, outbox)

    assert link.startswith("/verify/")
    assert (await OutboxMessage.get(to=EMAIL)).status == "sent"


async def test_verify_link_get_shows_button_without_verifying(client, outbox):
    link = await verification_link(client, outbox)

    page = await client.get(link)

    assert page.status_code == 200
    assert f'<form method="post" action="{link}"' in page.text
    assert "Confirm my email address</button>" in page.text
    assert (await User.get(email=EMAIL)).email_verified_at is None


async def test_verify_link_post_verifies(client, outbox):
    link = await verification_link(client, outbox)

    response = await post_form(client, link, page=link)

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert (await User.get(email=EMAIL)).email_verified_at is not None
    page = await client.get("/account")
    assert "Your email address is confirmed." in page.text
    assert "Your email address is not confirmed yet." not in page.text


async def test_verify_link_works_from_another_browser_signed_out(client, make_client, outbox):
    link = await verification_link(client, outbox)
    other = make_client()

    response = await post_form(other, link, page=link)

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert (await User.get(email=EMAIL)).email_verified_at is not None


def _other_secret_token(settings, user: User) -> str:
    payload = {"u": user.id, "e": tokens.fingerprint(user.email)}
    return tokens.make_token("another-secret-key-0123456789-abcdefghijk", "verify", payload)


def _reset_purpose_token(settings, user: User) -> str:
    payload = {"u": user.id, "e": tokens.fingerprint(user.email)}
    return tokens.make_token(settings.secret_key, "reset", payload)


def _other_email_token(settings, user: User) -> str:
    payload = {"u": user.id, "e": tokens.fingerprint("mallory@example.org")}
    return tokens.make_token(settings.secret_key, "verify", payload)


def _unknown_user_token(settings, user: User) -> str:
    payload = {"u": user.id + 1, "e": tokens.fingerprint(user.email)}
    return tokens.make_token(settings.secret_key, "verify", payload)


@pytest.mark.parametrize(
    "forge",
    [_other_secret_token, _reset_purpose_token, _other_email_token, _unknown_user_token],
    ids=["other-secret", "reset-purpose", "other-email", "unknown-user"],
)
async def test_verify_foreign_token_refused_400(client, settings, forge):
    user = await make_user(EMAIL, email_verified_at=None)
    link = f"/verify/{forge(settings, user)}"

    response = await post_form(client, link, page=link)

    assert response.status_code == 400
    assert "This confirmation link is invalid or has expired." in response.text
    assert (await User.get(id=user.id)).email_verified_at is None


async def test_verify_tampered_token_refused_400(client, outbox):
    link = await verification_link(client, outbox)
    token = link.removeprefix("/verify/")
    tampered = f"/verify/{token[:5]}{'A' if token[5] != 'A' else 'B'}{token[6:]}"

    response = await post_form(client, tampered, page="/account")

    assert response.status_code == 400
    assert (await User.get(email=EMAIL)).email_verified_at is None


async def test_verify_expired_token_refused_400(client, settings):
    user = await make_user(EMAIL, email_verified_at=None)
    token = old_token(
        settings.secret_key,
        "verify",
        {"u": user.id, "e": tokens.fingerprint(user.email)},
        age=tokens.VERIFY_MAX_AGE + 60,
    )

    response = await post_form(client, f"/verify/{token}", page="/")

    assert response.status_code == 400
    assert (await User.get(id=user.id)).email_verified_at is None


async def test_resend_verification_sends_new_link(client, outbox):
    await make_user(EMAIL, email_verified_at=None)
    await sign_in(client, EMAIL)

    response = await post_form(client, "/verify", page="/account")

    assert response.status_code == 303
    smtp = await outbox()
    link = smtp.link_in(smtp.last_to(EMAIL), "/verify/")
    assert (await post_form(client, link, page=link)).status_code == 303
    assert (await User.get(email=EMAIL)).email_verified_at is not None


# --- profile ------------------------------------------------------------------------------


async def test_profile_update_saves_name_language_and_opt_ins(client):
    user = await make_user(EMAIL, name=NAME)
    await sign_in(client, EMAIL)

    response = await post_form(
        client,
        "/account",
        {"name": "  Augusta Ada King  ", "language": "fr", "newsletter": "on"},
        page="/account",
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    await user.refresh_from_db()
    assert user.name == "Augusta Ada King"
    assert user.language == "fr"
    assert user.opt_in_newsletter is True
    assert user.opt_in_publish_name is False
    page = await client.get("/account")
    assert '<html lang="fr">' in page.text
    assert 'value="Augusta Ada King"' in page.text


async def test_the_profile_saved_message_is_in_the_language_just_chosen(client):
    user = await make_user(EMAIL, name=NAME)
    await sign_in(client, EMAIL)

    response = await post_form(client, "/account", {"name": NAME, "language": "fr"}, page="/account")

    assert response.status_code == 303
    assert (await User.get(id=user.id)).language == "fr"
    page = await client.get("/account")
    assert "Votre profil est enregistré." in page.text
    assert "Your profile is saved." not in page.text


async def test_profile_update_ignores_fields_not_offered(client):
    user = await make_user(EMAIL, name=NAME)
    await sign_in(client, EMAIL)

    response = await post_form(
        client,
        "/account",
        {
            "name": NAME,
            "language": "en",
            "is_admin": "1",
            "email": "mallory@example.org",
            "email_verified_at": "",
            "password_hash": "!",
            "is_active": "0",
        },
        page="/account",
    )

    assert response.status_code == 303
    await user.refresh_from_db()
    assert user.is_admin is False
    assert user.email == EMAIL
    assert user.email_verified_at is not None
    assert user.password_hash.startswith("$argon2id$")
    assert user.is_active is True


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "language": "en"}, "Enter your name."),
        ({"name": "x" * 121, "language": "en"}, "Use at most 120 characters."),
        ({"name": NAME, "language": "de"}, "Choose French or English."),
    ],
    ids=["blank-name", "long-name", "unknown-language"],
)
async def test_profile_update_invalid_rerenders_422(client, form, message):
    user = await make_user(EMAIL, name=NAME)
    await sign_in(client, EMAIL)

    response = await post_form(client, "/account", form, page="/account")

    assert response.status_code == 422
    assert message in error_summary(response.text)
    await user.refresh_from_db()
    assert (user.name, user.language) == (NAME, "en")


# --- data export --------------------------------------------------------------------------


async def test_export_is_json_attachment_with_account_and_roles(client):
    user = await make_user(EMAIL, name=NAME)
    event = await Event.create(slug="open-data-days", title="Open Data Days", status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=user, role=Role.JUROR)
    await sign_in(client, EMAIL)

    response = await client.get("/account/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == 'attachment; filename="hackcity-my-data.json"'
    data = json.loads(response.text)
    assert data["format"] == "hackcity-personal-data/1"
    assert data["account"]["id"] == user.id
    assert data["account"]["name"] == NAME
    assert data["account"]["email"] == EMAIL
    assert data["account"]["is_admin"] is False
    assert [(r["event"], r["event_title"], r["role"]) for r in data["event_roles"]] == [
        ("open-data-days", "Open Data Days", "juror")
    ]
    assert len(data["sessions"]) == 1


async def test_export_contains_no_password_hash_or_session_key(client):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)
    session = await UserSession.get(user_id=user.id)

    response = await client.get("/account/export")

    assert response.status_code == 200
    assert user.password_hash not in response.text
    assert "$argon2" not in response.text
    assert "password" not in response.text
    assert session.key_hash not in response.text


async def test_export_anonymous_redirects_to_login(client):
    response = await client.get("/account/export")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account/export"


# --- account deletion ---------------------------------------------------------------------


async def test_delete_account_wrong_password_refused(client):
    user = await make_user(EMAIL, name=NAME)
    await sign_in(client, EMAIL)

    response = await post_form(
        client, "/account/delete", {"password": "not my password"}, page="/account/delete"
    )

    assert response.status_code == 422
    assert "Your password is wrong." in response.text
    await user.refresh_from_db()
    assert (user.name, user.email, user.is_active, user.anonymised_at) == (NAME, EMAIL, True, None)
    assert await UserSession.filter(user_id=user.id).count() == 1
    assert (await client.get("/account")).status_code == 200


async def test_delete_account_anonymises_and_ends_sessions_and_roles(client, make_client):
    user = await make_user(EMAIL, name=NAME, is_admin=True)
    event = await Event.create(slug="open-data-days", title="Open Data Days")
    await EventRole.create(event=event, user=user, role=Role.MENTOR)
    other_browser = make_client()
    await sign_in(other_browser, EMAIL)
    await sign_in(client, EMAIL)

    response = await post_form(client, "/account/delete", {"password": OLD_PASSWORD}, page="/account/delete")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    await user.refresh_from_db()
    assert user.name == "Deleted account"
    assert user.email == f"deleted-{user.id}@invalid"
    assert user.password_hash == "!"
    assert user.is_active is False
    assert user.is_admin is False
    assert user.anonymised_at is not None
    assert await UserSession.filter(user_id=user.id).count() == 0
    assert await EventRole.filter(user_id=user.id).count() == 0
    assert await User.filter(email=EMAIL).count() == 0
    home = await client.get("/")
    assert "Your account is deleted. Thank you for taking part." in home.text
    for browser in (client, other_browser):
        assert (await browser.get("/account")).status_code == 303


async def test_delete_account_then_login_fails_generically(client, make_client):
    await make_user(EMAIL)
    await sign_in(client, EMAIL)
    await post_form(client, "/account/delete", {"password": OLD_PASSWORD}, page="/account/delete")
    other = make_client()

    response = await post_form(other, "/login", {"email": EMAIL, "password": OLD_PASSWORD}, page="/login")

    assert response.status_code == 422
    assert "Wrong email or password." in response.text


async def test_delete_account_get_shows_form_without_deleting(client):
    user = await make_user(EMAIL)
    await sign_in(client, EMAIL)

    page = await client.get("/account/delete")

    assert page.status_code == 200
    assert 'action="/account/delete"' in page.text
    await user.refresh_from_db()
    assert user.is_active is True
    assert user.anonymised_at is None


# --- password reset -----------------------------------------------------------------------


def old_token(secret_key: str, purpose: str, payload: dict, *, age: int) -> str:
    """A token signed `age` seconds ago (itsdangerous reads the time from its signer)."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    serializer = URLSafeTimedSerializer(secret_key, salt=f"hackcity.{purpose}", signer=PastSigner)
    return serializer.dumps(payload)


async def reset_link(client, outbox, email: str = EMAIL, **post_kwargs) -> str:
    response = await post_form(
        client, "/password/forgot", {"email": email}, page="/password/forgot", **post_kwargs
    )
    assert response.status_code == 303
    smtp = await outbox()
    message = smtp.last_to(email)
    assert message["Subject"] == "Reset your hackcity password"
    return smtp.link_in(message, "/password/reset/")


async def test_forgot_password_unknown_email_same_answer_and_no_mail(client, make_client, outbox):
    await make_user(EMAIL)
    known_browser = make_client()

    unknown = await post_form(
        client, "/password/forgot", {"email": "nobody@example.org"}, page="/password/forgot"
    )
    known = await post_form(known_browser, "/password/forgot", {"email": EMAIL}, page="/password/forgot")

    assert (unknown.status_code, unknown.headers["location"]) == (303, "/login")
    assert (known.status_code, known.headers["location"]) == (303, "/login")
    message = "If an account uses this address, we sent it a link to reset the password."
    for browser in (client, known_browser):
        page = await browser.get("/login")
        assert page.status_code == 200
        assert f'<p class="alert alert--info">{message}</p>' in page.text
    smtp = await outbox()
    assert [m["To"] for m in smtp.messages] == [EMAIL]
    assert await OutboxMessage.filter(to="nobody@example.org").count() == 0


async def test_forgot_password_link_uses_base_url_not_host_header(client, outbox):
    await make_user(EMAIL)

    link = await reset_link(client, outbox, headers={"Host": "evil.example"})

    assert link.startswith("/password/reset/")
    body = (await OutboxMessage.get(to=EMAIL)).body
    assert f"http://testserver{link}" in body
    assert "evil.example" not in body


async def test_password_reset_sets_new_password_once(client, make_client, outbox):
    user = await make_user(EMAIL)
    link = await reset_link(client, outbox)

    form = await client.get(link)
    assert form.status_code == 200
    assert f'action="{link}"' in form.text
    response = await post_form(client, link, {"password": "a brand new passphrase"}, page=link)

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    await user.refresh_from_db()
    assert user.password_hash.startswith("$argon2id$")
    fresh = make_client()
    await sign_in(fresh, EMAIL, "a brand new passphrase")
    old = make_client()
    refused = await post_form(old, "/login", {"email": EMAIL, "password": OLD_PASSWORD}, page="/login")
    assert refused.status_code == 422
    again = await post_form(client, link, {"password": "yet another passphrase"}, page="/login")
    assert again.status_code == 400
    assert "This link is invalid, has expired or was already used." in again.text
    assert (await client.get(link)).status_code == 400
    await user.refresh_from_db()
    second = make_client()
    await sign_in(second, EMAIL, "a brand new passphrase")


async def test_password_reset_get_changes_nothing(client, outbox):
    user = await make_user(EMAIL)
    link = await reset_link(client, outbox)
    before = user.password_hash

    assert (await client.get(link)).status_code == 200
    assert (await client.get(link)).status_code == 200

    await user.refresh_from_db()
    assert user.password_hash == before


async def test_password_reset_weak_password_rerenders_422(client, outbox):
    user = await make_user(EMAIL)
    link = await reset_link(client, outbox)
    before = user.password_hash

    response = await post_form(client, link, {"password": "12345678"}, page=link)

    assert response.status_code == 422
    assert "This password is too common: choose another one." in response.text
    await user.refresh_from_db()
    assert user.password_hash == before


async def test_password_reset_signs_out_every_session(client, make_client, outbox):
    user = await make_user(EMAIL)
    signed_in = make_client()
    await sign_in(signed_in, EMAIL)
    assert (await signed_in.get("/account")).status_code == 200
    link = await reset_link(client, outbox)

    response = await post_form(client, link, {"password": "a brand new passphrase"}, page=link)

    assert response.status_code == 303
    assert await UserSession.filter(user_id=user.id).count() == 0
    page = await signed_in.get("/account")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/account"


async def test_password_reset_expired_token_refused(client, settings):
    user = await make_user(EMAIL)
    payload = {"u": user.id, "p": tokens.fingerprint(user.password_hash)}
    fresh = old_token(settings.secret_key, "reset", payload, age=tokens.RESET_MAX_AGE - 60)
    expired = old_token(settings.secret_key, "reset", payload, age=tokens.RESET_MAX_AGE + 60)

    assert (await client.get(f"/password/reset/{fresh}")).status_code == 200
    response = await post_form(
        client, f"/password/reset/{expired}", {"password": "a brand new passphrase"}, page="/password/forgot"
    )

    assert response.status_code == 400
    assert "This link is invalid, has expired or was already used." in response.text
    before = user.password_hash
    await user.refresh_from_db()
    assert user.password_hash == before


async def test_password_reset_verify_token_refused(client, settings):
    user = await make_user(EMAIL)
    token = tokens.make_token(
        settings.secret_key, "verify", {"u": user.id, "p": tokens.fingerprint(user.password_hash)}
    )

    response = await client.get(f"/password/reset/{token}")

    assert response.status_code == 400


async def test_password_reset_not_sent_to_disabled_account(client, outbox):
    await make_user(EMAIL, is_active=False)

    response = await post_form(client, "/password/forgot", {"email": EMAIL}, page="/password/forgot")

    assert response.status_code == 303
    smtp = await outbox()
    assert smtp.messages == []
