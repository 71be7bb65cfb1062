"""Small helpers for HTTP tests: CSRF-aware form posts, sign-up and sign-in, a page's id problems,
the rows of a CSV download."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

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


def csv_rows(response: httpx.Response) -> list[list[str]]:
    """The rows of a CSV download, which the app writes in UTF-8 with a BOM (for spreadsheets)."""
    assert response.content.startswith(b"\xef\xbb\xbf"), response.content[:20]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


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


LABELLABLE = {"input", "select", "textarea", "button", "meter", "output", "progress"}


class _IdReader(HTMLParser):
    """The ids of a page, and what points at them (label for, aria-labelledby, aria-describedby)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}  # id -> tag
        self.duplicates: list[str] = []
        self.references: list[tuple[str, str]] = []  # (attribute, id)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            if values["id"] in self.ids:
                self.duplicates.append(values["id"])
            self.ids[values["id"]] = tag
        if tag == "label" and values.get("for"):
            self.references.append(("label for", values["for"]))
        for attribute in ("aria-labelledby", "aria-describedby"):
            self.references.extend((attribute, ref) for ref in values.get(attribute, "").split())


def id_problems(page: str) -> list[str]:
    """Duplicate ids, and labels or ARIA references that point at no element (or, for a label, at
    an element that is not a form field): each label must focus its own field."""
    reader = _IdReader()
    reader.feed(page)
    problems = [f"duplicate id {value!r}" for value in reader.duplicates]
    for attribute, ref in reader.references:
        if ref not in reader.ids:
            problems.append(f"{attribute}={ref!r} points at nothing")
        elif attribute == "label for" and reader.ids[ref] not in LABELLABLE:
            problems.append(f"label for={ref!r} points at a <{reader.ids[ref]}>")
    return problems
