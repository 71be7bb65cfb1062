"""Password rules (length, not composition; common passwords refused) and argon2id hashing.

Hashing takes tens of milliseconds of CPU: it runs in a worker thread so the event loop keeps
serving other requests during a burst of logins.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from events.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 1024  # characters: long passphrases welcome, megabytes not
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A successful sign-in replaces a hash made with other parameters (older, cheaper) by one made
# with the current ones. The test suite turns this off (tests/conftest.py): its users carry a
# deliberately cheap hash, and rehashing it at every sign-in would cost the production price.
REHASH_ON_LOGIN = True


@cache
def _dummy_hash() -> str:
    """A hash of a random password, verified when the email is unknown so timing does not tell. Made
    on first use rather than at import: a hash costs tens of milliseconds and 64 MB of memory, which
    every process start (the app's workers, each CLI command) would pay."""
    return _hasher.hash("hackcity-dummy-password-for-timing")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with a new password, in the reader's language, or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) < 3:
        return _("This password is too common: choose another one.")
    if email and lowered == email.lower():
        return _("Do not use your email address as your password.")
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def needs_rehash(password_hash: str | None) -> bool:
    """True when a valid argon2 hash was made with parameters other than the current ones."""
    if not REHASH_ON_LOGIN or not password_hash:
        return False
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


def unusable_hash() -> str:
    return "!"
