"""Small helpers for HTTP tests: CSRF-aware form posts, sign-up and sign-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from argon2 import PasswordHasher

from events.domain.passwords import hash_password
from events.models import User

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
DEFAULT_PASSWORD = "correct horse battery staple"
# A real argon2id hash of DEFAULT_PASSWORD with the cheapest parameters: signing in goes through
# the real verification path, without paying the production cost in every test. Tests of the
# hashing itself use the app's own hash_password (library defaults).
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(DEFAULT_PASSWORD)


async def csrf_from(client: httpx.AsyncClient, page: str = "/") -> str:
    response = await client.get(page)
    match = TOKEN_RE.search(response.text)
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict | None = None, *, page: str | None = None, **kwargs
) -> httpx.Response:
    """POST a form the way a browser does: with the token found on the page that shows it."""
    token = await csrf_from(client, page or "/")
    return await client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


async def make_user(
    email: str, *, name: str = "Test User", password: str = "correct horse battery staple", **fields
) -> User:
    fields.setdefault("email_verified_at", datetime.now(UTC))
    fields.setdefault("language", "en")
    password_hash = CHEAP_HASH if password == DEFAULT_PASSWORD else await hash_password(password)
    return await User.create(email=email, name=name, password_hash=password_hash, **fields)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = "correct horse battery staple"):
    response = await post_form(client, "/login", {"email": email, "password": password}, page="/login")
    assert response.status_code == 303, response.text
    return response
