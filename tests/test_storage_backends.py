"""One behaviour, two backends: the local folder and an S3-compatible object store (a local moto
server over real HTTP, tests/s3.py) pass the same tests; then what only the object store does
(multipart uploads, its layout, signed addresses) and the addresses `UPLOAD_STORAGE` accepts."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import pytest

from events.settings import Settings, SettingsError
from events.storage import (
    FileTooLarge,
    LocalStorage,
    S3Location,
    StorageUnavailable,
    StorageURLError,
    parse_storage_url,
)
from events.storage_backends import open_storage, storage_for
from events.storage_s3 import PART_SIZE, S3Storage

MB = 1024 * 1024


class Folder:
    """What is in a local storage: finished files, and what an unfinished upload leaves."""

    def __init__(self, tmp_path: Path) -> None:
        self.storage = LocalStorage(tmp_path / "uploads")

    def files(self) -> list[str]:
        root = self.storage.files_dir
        return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []

    def leftovers(self) -> list[str]:
        root = self.storage.temp_dir
        return sorted(p.name for p in root.iterdir()) if root.exists() else []


class ObjectStore:
    """The same, read from the bucket by another client: objects, and multipart uploads in progress."""

    def __init__(self, bucket) -> None:
        self.bucket = bucket
        self.storage = open_storage(bucket.url())

    def files(self) -> list[str]:
        return [key.removeprefix("files/") for key in self.bucket.keys()]

    def leftovers(self) -> list[str]:
        return self.bucket.uploads()


@pytest.fixture(params=["folder", "s3"])
async def backend(request, tmp_path):
    if request.param == "folder":
        world = Folder(tmp_path)
    else:
        world = ObjectStore(request.getfixturevalue("s3_bucket"))
    yield world
    await world.storage.close()


async def _stored(storage, data: bytes = b"x", **options):
    pending = storage.begin(max_bytes=max(len(data), 1), **options)
    await pending.write(data)
    return await pending.commit()


async def _read(storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.open(key)])


def _chunks(total: int, size: int = 64 * 1024):
    """`total` bytes in chunks, the same few objects over and over (no allocation per chunk)."""
    pattern = [bytes([i]) * size for i in range(7)]
    sent = 0
    while sent < total:
        chunk = pattern[(sent // size) % 7][: total - sent]
        sent += len(chunk)
        yield chunk


def _expected_sha(total: int) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(total):
        digest.update(chunk)
    return digest.hexdigest()


# --- the same behaviour on both -----------------------------------------------------------------------


async def test_a_file_is_stored_under_a_generated_key_only_when_committed(backend):
    storage = backend.storage
    pending = storage.begin(max_bytes=1000)
    await pending.write(b"hello ")
    await pending.write(b"open data")
    assert backend.files() == []  # nothing under a key before commit

    stored = await pending.commit()

    assert stored.size == 15
    assert stored.sha256 == hashlib.sha256(b"hello open data").hexdigest()
    assert stored.head == b"hello open data"
    assert backend.files() == [stored.key]
    assert backend.leftovers() == []
    assert await _read(storage, stored.key) == b"hello open data"
    assert await storage.size_of(stored.key) == 15


async def test_a_file_of_several_parts_comes_back_whole(backend):
    storage = backend.storage
    total = 2 * PART_SIZE + 12345  # two full parts and a short last one on S3
    pending = storage.begin(max_bytes=total)
    for chunk in _chunks(total):
        await pending.write(chunk)

    stored = await pending.commit()

    assert (stored.size, stored.sha256) == (total, _expected_sha(total))
    assert len(stored.head) == 8192
    digest, size = hashlib.sha256(), 0
    async for chunk in storage.open(stored.key):
        digest.update(chunk)
        size += len(chunk)
    assert (size, digest.hexdigest()) == (total, stored.sha256)
    assert backend.files() == [stored.key]
    assert backend.leftovers() == []


@pytest.mark.parametrize("written", [100, PART_SIZE + 100])
async def test_discard_leaves_nothing(backend, written):
    pending = backend.storage.begin(max_bytes=10 * MB)
    for chunk in _chunks(written):
        await pending.write(chunk)

    await pending.discard()
    await pending.discard()  # twice is fine

    assert backend.files() == []
    assert backend.leftovers() == []


@pytest.mark.parametrize("limit", [10, PART_SIZE + 10])
async def test_more_bytes_than_allowed_discard_the_upload(backend, limit):
    pending = backend.storage.begin(max_bytes=limit)
    for chunk in _chunks(limit):
        await pending.write(chunk)

    with pytest.raises(FileTooLarge):
        await pending.write(b"!")

    assert backend.files() == []
    assert backend.leftovers() == []


async def test_delete_removes_the_file(backend):
    stored = await _stored(backend.storage)

    await backend.storage.delete(stored.key)
    await backend.storage.delete(stored.key)  # twice is fine

    assert backend.files() == []
    assert await backend.storage.size_of(stored.key) is None


async def test_a_missing_file_is_file_not_found(backend):
    with pytest.raises(FileNotFoundError):
        await _read(backend.storage, "0" * 32)
    assert await backend.storage.size_of("0" * 32) is None


async def test_a_file_can_be_stored_under_a_given_key(backend):
    stored = await _stored(backend.storage, b"moved", key="ab" * 16)

    assert stored.key == "ab" * 16
    assert await _read(backend.storage, "ab" * 16) == b"moved"


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/../../x", "", "A" * 32, "a" * 31, "a" * 32 + "/"])
async def test_only_generated_keys_name_a_file(backend, key):
    with pytest.raises(ValueError):
        backend.storage.begin(max_bytes=10, key=key)
    with pytest.raises(ValueError):
        await backend.storage.size_of(key)
    with pytest.raises(ValueError):
        await backend.storage.delete(key)


async def test_sweep_keeps_young_files_then_removes_old_orphans_and_abandoned_uploads(backend):
    storage = backend.storage
    kept = await _stored(storage)
    orphan = await _stored(storage)

    assert await storage.sweep_orphans([kept.key]) == 0  # both younger than an hour
    assert backend.files() == sorted([kept.key, orphan.key])

    abandoned = storage.begin(max_bytes=10 * MB)  # a process that died mid-upload
    for chunk in _chunks(PART_SIZE + 1):
        await abandoned.write(chunk)
    assert len(backend.leftovers()) == 1

    assert await storage.sweep_orphans([kept.key], min_age_seconds=0) == 2

    assert backend.files() == [kept.key]
    assert backend.leftovers() == []
    await abandoned.discard()  # what the dead process never did: nothing left to do


async def test_sweep_of_the_database_keeps_files_with_rows(db, backend):
    from events.domain.entries import sweep_orphan_files
    from events.models import Entry, EntryFile
    from tests.entry_world import make_entry_world

    world = await make_entry_world()
    entry = await Entry.create(
        event=world.event, team=world.team_a, round=world.stage, challenge=world.challenge, title="T"
    )
    kept, orphan = await _stored(backend.storage), await _stored(backend.storage)
    await EntryFile.create(
        entry=entry,
        storage_key=kept.key,
        original_name="a.txt",
        content_type="text/plain",
        size=1,
        sha256="0" * 64,
    )

    assert await sweep_orphan_files(backend.storage) == 0  # young
    assert await sweep_orphan_files(backend.storage, min_age_seconds=0) == 1

    assert backend.files() == [kept.key]
    assert orphan.key not in backend.files()


async def test_a_30_mb_upload_holds_at_most_two_parts_at_once(backend):
    """Streaming, not a timed test: whatever the file's size, an upload holds one part being
    filled and one being sent (S3, 5 MiB parts), or one write buffer (folder, 1 MiB), and reading
    it back holds a chunk or so. The traced memory of the whole process agrees (the S3 server runs
    in a process of its own)."""
    storage = backend.storage
    await storage.delete((await _stored(storage)).key)  # the S3 client and its model, loaded once
    total = 30 * MB
    pending = storage.begin(max_bytes=total)
    tracemalloc.start()
    try:
        for chunk in _chunks(total):
            await pending.write(chunk)
        stored = await pending.commit()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == total
    assert stored.sha256 == _expected_sha(total)
    if isinstance(storage, S3Storage):
        assert pending.max_buffered < PART_SIZE + 64 * 1024  # a part, and the chunk that completed it
        assert peak < 2 * PART_SIZE + 2 * MB, f"{peak / MB:.1f} MiB traced for a 30 MiB upload"
    else:
        assert peak < 4 * MB, f"{peak / MB:.1f} MiB traced for a 30 MiB upload"

    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        async for chunk in storage.open(stored.key):
            digest.update(chunk)
        _current, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == stored.sha256
    assert read_peak < 2 * MB, f"{read_peak / MB:.1f} MiB traced to read a 30 MiB file"
    await storage.delete(stored.key)


# --- what only the object store does ------------------------------------------------------------------


async def test_objects_live_under_the_prefix_with_download_headers(s3_bucket):
    storage = open_storage(s3_bucket.url("/city/uploads"))
    try:
        small = await _stored(storage, b"small")
        pending = storage.begin(max_bytes=PART_SIZE + 1)
        for chunk in _chunks(PART_SIZE + 1):
            await pending.write(chunk)
        large = await pending.commit()
    finally:
        await storage.close()

    assert s3_bucket.keys() == sorted([f"city/uploads/files/{small.key}", f"city/uploads/files/{large.key}"])
    for key in (small.key, large.key):
        head = s3_bucket.head(f"city/uploads/files/{key}")
        assert (head["ContentType"], head["ContentDisposition"]) == ("application/octet-stream", "attachment")
    assert s3_bucket.read(f"city/uploads/files/{small.key}") == b"small"


async def test_the_sweep_leaves_what_is_not_a_key_under_files_alone(s3_bucket):
    s3_bucket.put("files/notes.txt", b"not ours")
    s3_bucket.put("elsewhere/" + "a" * 32, b"not under files/")
    storage = open_storage(s3_bucket.url())
    try:
        orphan = await _stored(storage)
        removed = await storage.sweep_orphans([], min_age_seconds=0)
    finally:
        await storage.close()

    assert removed == 1
    assert s3_bucket.keys() == ["elsewhere/" + "a" * 32, "files/notes.txt"]
    assert orphan.key not in str(s3_bucket.keys())


async def test_a_signed_address_makes_the_store_send_an_attachment(s3_bucket):
    import httpx

    storage = open_storage(s3_bucket.url(download="signed", expires="30"))
    try:
        stored = await _stored(storage, b"<html><script>alert(1)</script>")
        url = await storage.download_url(stored.key, filename="Présentation <finale>.html")
    finally:
        await storage.close()

    assert url.startswith(f"{s3_bucket.server.endpoint}/{s3_bucket.name}/files/{stored.key}?")
    assert "X-Amz-Expires=30" in url
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == b"<html><script>alert(1)</script>"
    assert response.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Pr%C3%A9sentation%20%3Cfinale%3E.html"
    )
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_proxied_store_gives_no_download_address(s3_bucket):
    storage = open_storage(s3_bucket.url())
    try:
        assert await storage.download_url("a" * 32, filename="x.pdf") is None
    finally:
        await storage.close()


async def test_a_store_that_cannot_be_reached_fails_the_upload_and_leaves_nothing(s3_bucket, monkeypatch):
    from events import storage_s3
    from tests.conftest import free_port

    monkeypatch.setattr(storage_s3, "MAX_ATTEMPTS", 1)  # no retry after a growing delay

    storage = open_storage(s3_bucket.url().replace(str(s3_bucket.server.port), str(free_port())))
    pending = storage.begin(max_bytes=100)
    await pending.write(b"data")
    try:
        with pytest.raises(StorageUnavailable) as raised:
            await pending.commit()
    finally:
        await storage.close()
    assert "Could not connect to the endpoint URL" in str(raised.value)
    await pending.discard()  # already discarded by the failed commit
    assert s3_bucket.keys() == []


# --- the address ----------------------------------------------------------------------------------------


def test_the_settings_choose_the_folder_or_the_store(tmp_path):
    folder = storage_for(Settings(upload_dir=tmp_path / "up"))
    store = storage_for(Settings(upload_storage="s3://city-uploads?endpoint=http://127.0.0.1:9000"))

    assert isinstance(folder, LocalStorage) and folder.root == (tmp_path / "up").resolve()
    assert isinstance(store, S3Storage)
    assert store.location == S3Location(
        bucket="city-uploads", endpoint="http://127.0.0.1:9000", addressing="path"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://city-uploads", S3Location(bucket="city-uploads")),
        (
            "s3://city.uploads/hack/city/?endpoint=https://s3.fr-par.scw.cloud/&region=fr-par"
            "&download=signed&expires=120",
            S3Location(
                bucket="city.uploads",
                prefix="hack/city/",
                endpoint="https://s3.fr-par.scw.cloud",
                region="fr-par",
                download="signed",
                expires=120,
                addressing="path",
            ),
        ),
        ("s3://abc?endpoint=http://minio:9000&addressing=virtual", None),
        ("file:///srv/uploads", Path("/srv/uploads")),
        ("/srv/uploads", Path("/srv/uploads")),
        ("data/uploads", Path("data/uploads")),
    ],
)
def test_addresses_that_are_accepted(url, expected):
    parsed = parse_storage_url(url)
    if expected is None:
        assert parsed.addressing == "virtual"
    else:
        assert parsed == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("https://bucket.example.org", "must start with s3://"),
        ("s3://AB", "is not a bucket name"),
        ("s3://bucket_with_underscore", "is not a bucket name"),
        ("s3://bucket:9000", "is not a bucket name"),
        ("s3://key:secret@bucket", "put no credentials in the s3:// address"),
        ("s3://bucket/a//b", "a prefix is"),
        ("s3://bucket?endpont=http://x", "unknown option 'endpont'"),
        ("s3://bucket?region=a&region=b", "given twice"),
        ("s3://bucket?endpoint=minio:9000", "give the object store's address"),
        ("s3://bucket?endpoint=http://", "give the object store's address"),
        ("s3://bucket?endpoint=http://u:p@minio:9000", "give the object store's address"),
        ("s3://bucket?region=EU West", "is not a region name"),
        ("s3://bucket?download=direct", "choose proxy (the default) or signed"),
        ("s3://bucket?download=signed&expires=0", "a number of seconds from 1 to 604800"),
        ("s3://bucket?expires=soon", "a number of seconds"),
        ("s3://bucket?addressing=dns", "choose path or virtual"),
        ("file://host/srv/uploads", "file:///absolute/path"),
    ],
)
def test_a_malformed_address_is_refused_with_its_reason(url, says):
    with pytest.raises(StorageURLError) as refused:
        parse_storage_url(url)
    assert says in str(refused.value)


def test_the_app_refuses_to_start_on_a_malformed_upload_storage():
    settings = Settings(testing=True, upload_storage="s3://Uploads?endpoint=http://127.0.0.1:9000")

    with pytest.raises(SettingsError) as refused:
        settings.check()

    assert str(refused.value).startswith("UPLOAD_STORAGE: 'Uploads' is not a bucket name")


def test_serve_refuses_a_malformed_upload_storage_with_a_message(monkeypatch, capsys):
    from events.cli import main

    monkeypatch.setenv("UPLOAD_STORAGE", "s3://uploads?endpoint=http://127.0.0.1:9000&region=eu-west-3&x=1")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)

    assert main(["serve"]) == 2

    assert capsys.readouterr().err == (
        "hackcity: UPLOAD_STORAGE: unknown option 'x' in the s3:// address "
        "(known: endpoint, region, download, expires, addressing)\n"
    )
