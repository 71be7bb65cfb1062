"""Uploads over HTTP with `UPLOAD_STORAGE` naming an S3-compatible store (a local moto server,
tests/s3.py): the same routes, refusals, quota and download headers as with a folder
(tests/routes/test_uploads.py), and the signed-address download."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from events.app import create_app
from events.models import Entry, EntryFile
from events.storage import parse_storage_url
from tests.entry_world import make_entry_world, signed_in
from tests.helpers import csrf_from, post_form
from tests.routes.test_uploads import PDF, multipart, upload

MB = 1024 * 1024
# Larger than a part (5 MiB): each goes to the store as a multipart upload.
LARGE = b"%PDF-1.7\n" + b"0" * (5 * MB + 512 * 1024)


@pytest.fixture
def storage_options() -> dict:
    return {}


@pytest.fixture
def settings(settings, s3_bucket, storage_options):
    return settings.with_overrides(
        max_upload_mb=6, team_quota_mb=12, upload_storage=s3_bucket.url(**storage_options)
    )


@pytest.fixture
async def app(settings, db):
    app = create_app(settings, manage_database=False)
    yield app
    await app.state.storage.close()


@pytest.fixture
async def world(db):
    return await make_entry_world()


@pytest.fixture
async def alice(world, make_client):
    return await signed_in(make_client, world.alice)


@pytest.fixture
async def entry(world, alice) -> Entry:
    page = f"/events/{world.event.slug}/team/entries"
    response = await post_form(
        alice, page, {"round": world.stage.id, "challenge": world.challenge.id, "title": "Bus"}, page=page
    )
    assert response.status_code == 303
    return await Entry.get(team_id=world.team_a.id)


async def upload_in_chunks(client, entry, filename: bytes, content: bytes) -> httpx.Response:
    """An upload whose body arrives in 256 KiB pieces (chunked), as from a network: the file
    reaches the store part by part rather than in one piece."""
    token = await csrf_from(client, f"/events/datacity/entries/{entry.id}/edit")
    body, content_type = multipart(filename, content)

    async def pieces():
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    return await client.post(
        f"/events/datacity/entries/{entry.id}/files?csrf_token={token}",
        content=pieces(),
        headers={"Content-Type": content_type},
    )


def _file_url(entry, record) -> str:
    return f"/events/datacity/entries/{entry.id}/files/{record.id}"


async def test_an_upload_goes_to_the_bucket_and_comes_back_with_the_same_headers(s3_bucket, alice, entry):
    response = await upload(alice, entry, "Présentation finale.pdf".encode(), PDF)

    assert response.status_code == 303, response.text
    record = await EntryFile.get(entry_id=entry.id)
    assert (record.size, record.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert s3_bucket.keys() == [f"files/{record.storage_key}"]
    assert s3_bucket.read(f"files/{record.storage_key}") == PDF

    download = await alice.get(_file_url(entry, record))

    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-length"] == str(len(PDF))
    assert download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Pr%C3%A9sentation%20finale.pdf"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "sandbox"
    assert download.headers["cache-control"] == "private, no-store"


async def test_the_team_quota_counts_files_in_the_bucket_and_leaves_none_over_it(s3_bucket, alice, entry):
    first = await upload_in_chunks(alice, entry, b"one.pdf", LARGE)
    second = await upload_in_chunks(alice, entry, b"two.pdf", LARGE)
    third = await upload_in_chunks(alice, entry, b"three.pdf", LARGE)

    assert (first.status_code, second.status_code, third.status_code) == (303, 303, 422)
    assert "more than its 12\u00a0MB" in third.text
    records = await EntryFile.filter(entry_id=entry.id).order_by("id")
    assert len(records) == 2
    assert s3_bucket.keys() == sorted(f"files/{r.storage_key}" for r in records)
    assert s3_bucket.uploads() == []
    download = await alice.get(_file_url(entry, records[1]))
    assert (
        hashlib.sha256(download.content).hexdigest() == records[1].sha256 == hashlib.sha256(LARGE).hexdigest()
    )


async def test_a_file_over_the_limit_is_413_and_its_parts_are_aborted(s3_bucket, alice, entry):
    response = await upload_in_chunks(alice, entry, b"big.pdf", b"%PDF-" + b"0" * (6 * MB))

    assert response.status_code == 413
    assert await EntryFile.all().count() == 0
    assert s3_bucket.keys() == []
    assert s3_bucket.uploads() == []  # the first part was sent, then the upload aborted


async def test_removing_a_file_deletes_its_object(s3_bucket, alice, entry):
    await upload(alice, entry, b"slides.pdf", PDF)
    record = await EntryFile.get(entry_id=entry.id)

    response = await post_form(
        alice, _file_url(entry, record) + "/delete", page=f"/events/datacity/entries/{entry.id}/edit"
    )

    assert response.status_code == 303
    assert await EntryFile.all().count() == 0
    assert s3_bucket.keys() == []


async def test_a_client_that_leaves_mid_upload_leaves_no_row_no_object_and_no_upload(
    s3_bucket, app, alice, entry
):
    token = await csrf_from(alice, f"/events/datacity/entries/{entry.id}/edit")
    body, content_type = multipart(b"slides.pdf", LARGE)
    cookie = "; ".join(f"{name}={value}" for name, value in alice.cookies.items())
    path = f"/events/datacity/entries/{entry.id}/files"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": f"csrf_token={token}".encode(),
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"cookie", cookie.encode()),
        ],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 80),
    }
    sent_part = 5 * MB + 256 * 1024  # past the first part: a multipart upload is in progress
    messages = [
        {"type": "http.request", "body": body[:sent_part], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        pass

    await app(scope, receive, send)

    assert await EntryFile.all().count() == 0
    assert s3_bucket.keys() == []
    assert s3_bucket.uploads() == []


async def test_a_file_missing_from_the_bucket_is_a_404(s3_bucket, alice, entry):
    await upload(alice, entry, b"slides.pdf", PDF)
    record = await EntryFile.get(entry_id=entry.id)
    s3_bucket.delete(f"files/{record.storage_key}")

    response = await alice.get(_file_url(entry, record))

    assert response.status_code == 404


@pytest.mark.parametrize("storage_options", [{"download": "signed", "expires": "45"}])
async def test_a_signed_download_redirects_to_the_store_after_the_same_access_check(
    s3_bucket, world, alice, entry, make_client
):
    await upload(alice, entry, "Présentation finale.pdf".encode(), PDF)
    record = await EntryFile.get(entry_id=entry.id)
    olga = await signed_in(make_client, world.olga)
    bob = await signed_in(make_client, world.bob)

    answer = await alice.get(_file_url(entry, record))
    organiser = await olga.get(_file_url(entry, record))
    other_team = await bob.get(_file_url(entry, record))
    anonymous = await make_client().get(_file_url(entry, record))

    assert answer.status_code == 303
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    location = answer.headers["location"]
    assert location.startswith(f"{s3_bucket.server.endpoint}/{s3_bucket.name}/files/{record.storage_key}?")
    assert "X-Amz-Expires=45" in location
    assert organiser.status_code == 303
    assert (other_team.status_code, anonymous.status_code) == (404, 404)
    assert "location" not in other_team.headers
    async with httpx.AsyncClient() as browser:
        from_store = await browser.get(location)
    assert from_store.content == PDF
    assert from_store.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Pr%C3%A9sentation%20finale.pdf"
    )
    assert from_store.headers["content-type"] == "application/octet-stream"
    assert from_store.headers["cache-control"] == "private, no-store"

    s3_bucket.delete(f"files/{record.storage_key}")
    assert (await alice.get(_file_url(entry, record))).status_code == 404


async def test_a_store_that_does_not_answer_is_a_clear_503_and_leaves_nothing(
    s3_bucket, settings, app, alice, entry, monkeypatch
):
    from events import storage_s3
    from tests.conftest import free_port

    monkeypatch.setattr(storage_s3, "MAX_ATTEMPTS", 1)  # no retry after a growing delay
    await app.state.storage.close()
    down = s3_bucket.url().replace(str(s3_bucket.server.port), str(free_port()))
    app.state.storage = storage_s3.S3Storage(parse_storage_url(down))

    small = await upload(alice, entry, b"slides.pdf", PDF)
    large = await upload_in_chunks(alice, entry, b"big.pdf", LARGE)

    for response in (small, large):
        assert response.status_code == 503
        assert (
            "The file could not be stored just now: nothing was saved. Try again in a few minutes."
            in response.text
        )
        assert 'id="file-error"' in response.text
    assert await EntryFile.all().count() == 0
    assert s3_bucket.keys() == []
