"""How responses travel: static files under an address that names their content and cached for a
year, pages compressed, and the CSRF token masked anew in every page so that compression cannot leak
it (BREACH). Never compressed: the live pages' event streams (tests/routes/test_live.py,
`test_stream_is_not_buffered_and_a_client_that_leaves_unsubscribes`) and uploaded files
(tests/routes/test_uploads.py)."""

from __future__ import annotations

import gzip
import hashlib
import re

from events.csrf import masked_csrf_token, unmask
from tests.helpers import TOKEN_RE, csrf_from, post_form

ROOT_CSS = "static/css/app.css"


def _digest(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:10]


async def test_pages_link_static_files_by_the_hash_of_their_content(client):
    page = await client.get("/")

    assert f'/static/css/app.css?v={_digest(ROOT_CSS)}"' in page.text


async def test_a_static_file_asked_by_its_current_hash_is_cached_for_a_year(client):
    current = await client.get(f"/static/css/app.css?v={_digest(ROOT_CSS)}")
    bare = await client.get("/static/css/app.css")
    old = await client.get("/static/css/app.css?v=0123456789")
    missing = await client.get(f"/static/css/nothing.css?v={_digest(ROOT_CSS)}")

    assert current.status_code == 200
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    # without the hash, or with another file's version: the browser must check again (ETag)
    assert (bare.status_code, bare.headers["cache-control"]) == (200, "no-cache")
    assert (old.status_code, old.headers["cache-control"]) == (200, "no-cache")
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("cache-control", "")
    revalidated = await client.get("/static/css/app.css", headers={"If-None-Match": bare.headers["etag"]})
    assert revalidated.status_code == 304


async def test_pages_are_compressed_for_clients_that_accept_gzip(client):
    raw = await client.get("/privacy", headers={"Accept-Encoding": "gzip"})
    identity = await client.get("/privacy", headers={"Accept-Encoding": "identity"})

    assert raw.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in raw.headers["vary"].lower()
    assert int(raw.headers["content-length"]) < len(identity.content) / 2
    assert "content-encoding" not in identity.headers
    assert "<html" in raw.text  # httpx decompressed it
    # the security headers are on the compressed answer too
    assert raw.headers["content-security-policy"] == identity.headers["content-security-policy"]


async def test_a_streamed_page_is_compressed_as_it_goes_and_reads_back_whole(client):
    """The raw bytes of a compressed answer are a gzip stream of the page."""
    async with client.stream("GET", "/", headers={"Accept-Encoding": "gzip"}) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert b"<html" in gzip.decompress(body)


async def test_each_page_shows_the_csrf_token_masked_differently(client):
    first = TOKEN_RE.search((await client.get("/login")).text).group(1)
    second = TOKEN_RE.search((await client.get("/login")).text).group(1)

    assert first != second
    assert unmask(first) == unmask(second) != ""


async def test_a_masked_token_and_the_bare_one_are_both_accepted(client, make_client):
    masked = await csrf_from(client, "/login")
    bare = unmask(masked)
    wrong = masked[:-4] + ("AAAA" if not masked.endswith("AAAA") else "BBBB")

    for token, refused in ((masked, False), (bare, False), (wrong, True), ("not base64 !", True), ("", True)):
        response = await client.post("/login", data={"csrf_token": token, "email": "", "password": ""})
        assert (response.status_code == 403) is refused, (token, response.status_code)

    # another session's masked token is refused
    other = make_client()
    theirs = await csrf_from(other, "/login")
    response = await client.post("/login", data={"csrf_token": theirs, "email": "", "password": ""})
    assert response.status_code == 403


async def test_masking_needs_a_session_and_unmasking_refuses_what_is_not_a_mask():
    from starlette.requests import Request

    assert masked_csrf_token(Request({"type": "http", "headers": []})) == ""
    for value in ("", "a", "é", "!!!!", "YQ==", "YWJj"):  # not base64, or an odd length
        assert unmask(value) == ""


async def test_forms_still_post_through_the_masked_token(client):
    response = await post_form(client, "/language", {"language": "fr", "next": "/"})

    assert response.status_code == 303
    assert re.search(r"lang=fr", response.headers["set-cookie"])
