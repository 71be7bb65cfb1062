"""A sign-in upgrades a password hash made with older (cheaper) argon2 parameters to the current
ones; a failed sign-in, a current hash or a password changed meanwhile are left alone."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from events.domain import accounts, passwords
from events.models import User
from tests.helpers import DEFAULT_PASSWORD, make_user, post_form, sign_in

EMAIL = "ada@example.org"
OLD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CURRENT = PasswordHasher()  # the parameters the app hashes with (argon2-cffi's defaults)


@pytest.fixture(autouse=True)
def rehash_on(monkeypatch):
    """tests/conftest.py turns rehashing off for the rest of the suite; these tests are about it."""
    monkeypatch.setattr(passwords, "REHASH_ON_LOGIN", True)


async def user_with_old_hash() -> tuple[User, str]:
    user = await make_user(EMAIL)
    old = OLD_HASHER.hash(DEFAULT_PASSWORD)
    await User.filter(id=user.id).update(password_hash=old)
    return user, old


async def test_sign_in_replaces_an_old_hash_with_current_parameters(client):
    user, old = await user_with_old_hash()
    assert CURRENT.check_needs_rehash(old)

    await sign_in(client, EMAIL)

    stored = (await User.get(id=user.id)).password_hash
    assert stored != old
    assert stored.startswith("$argon2id$v=19$")
    assert f"m={CURRENT.memory_cost},t={CURRENT.time_cost},p={CURRENT.parallelism}$" in stored
    assert not CURRENT.check_needs_rehash(stored)
    assert CURRENT.verify(stored, DEFAULT_PASSWORD)
    assert await passwords.verify_password(stored, DEFAULT_PASSWORD)
    assert DEFAULT_PASSWORD not in stored


async def test_new_hash_signs_in_again(client, make_client):
    await user_with_old_hash()
    await sign_in(client, EMAIL)

    again = make_client("198.51.100.9")
    response = await sign_in(again, EMAIL)

    assert response.headers["location"] == "/account"


async def test_failed_sign_in_keeps_the_old_hash(client):
    user, old = await user_with_old_hash()

    response = await post_form(
        client, "/login", {"email": EMAIL, "password": "not the password at all"}, page="/login"
    )

    assert response.status_code == 422
    assert "Wrong email or password." in response.text
    assert (await User.get(id=user.id)).password_hash == old


async def test_current_hash_is_not_rewritten(client):
    user = await make_user(EMAIL)
    current = await passwords.hash_password(DEFAULT_PASSWORD)
    await User.filter(id=user.id).update(password_hash=current)

    await sign_in(client, EMAIL)

    assert (await User.get(id=user.id)).password_hash == current


async def test_rehash_never_overwrites_a_password_changed_meanwhile(db):
    user, _old = await user_with_old_hash()
    stale = await User.get(id=user.id)
    changed = OLD_HASHER.hash("another long passphrase")
    await User.filter(id=user.id).update(password_hash=changed)

    await accounts._rehash(stale, DEFAULT_PASSWORD)

    assert (await User.get(id=user.id)).password_hash == changed


def test_needs_rehash_ignores_what_is_not_an_argon2_hash():
    assert passwords.needs_rehash(passwords.unusable_hash()) is False
    assert passwords.needs_rehash(None) is False
    assert passwords.needs_rehash("") is False
    assert passwords.needs_rehash(OLD_HASHER.hash("x")) is True


def test_suite_default_leaves_cheap_test_hashes_alone(monkeypatch):
    monkeypatch.setattr(passwords, "REHASH_ON_LOGIN", False)
    assert passwords.needs_rehash(OLD_HASHER.hash("x")) is False
