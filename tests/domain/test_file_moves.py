"""Moving the uploaded files between a folder and an object store (events/domain/file_moves.py):
every file a row names is copied under its key, verified, once; what is missing or differs is said."""

from __future__ import annotations

import hashlib

import pytest

from events.domain.file_moves import migrate_uploads
from events.models import Entry, EntryFile
from events.storage import LocalStorage
from events.storage_backends import open_storage
from events.storage_s3 import PART_SIZE
from tests.entry_world import make_entry_world


@pytest.fixture
async def entry(db) -> Entry:
    world = await make_entry_world()
    return await Entry.create(
        event=world.event, team=world.team_a, round=world.stage, challenge=world.challenge, title="T"
    )


@pytest.fixture
async def folder(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    yield storage
    await storage.close()


@pytest.fixture
async def store(s3_bucket):
    storage = open_storage(s3_bucket.url())
    yield storage
    await storage.close()


async def _upload(storage, entry: Entry, data: bytes, name: str) -> EntryFile:
    pending = storage.begin(max_bytes=len(data))
    await pending.write(data)
    stored = await pending.commit()
    return await EntryFile.create(
        entry=entry,
        storage_key=stored.key,
        original_name=name,
        content_type="application/octet-stream",
        size=stored.size,
        sha256=stored.sha256,
    )


async def _read(storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.open(key)])


async def test_files_move_to_the_store_and_back_verified_and_only_once(
    entry, folder, store, s3_bucket, tmp_path
):
    large = bytes(range(256)) * (PART_SIZE // 256 + 1000)  # more than a part
    files = [
        await _upload(folder, entry, b"slides", "a.pdf"),
        await _upload(folder, entry, large, "b.csv"),
        await _upload(folder, entry, b"", "empty.txt"),
    ]

    there = await migrate_uploads(source=folder, target=store)

    assert (there.copied, there.present, there.missing, there.differing) == (3, 0, [], [])
    assert s3_bucket.keys() == sorted(f"files/{f.storage_key}" for f in files)
    assert hashlib.sha256(s3_bucket.read(f"files/{files[1].storage_key}")).hexdigest() == files[1].sha256
    assert s3_bucket.uploads() == []

    again = await migrate_uploads(source=folder, target=store)

    assert (again.copied, again.present) == (0, 3)

    back_folder = LocalStorage(tmp_path / "back")
    back = await migrate_uploads(source=store, target=back_folder)

    assert (back.copied, back.present, back.complete) == (3, 0, True)
    for record, data in zip(files, (b"slides", large, b""), strict=True):
        assert back_folder.path(record.storage_key).read_bytes() == data
    assert list((tmp_path / "back" / "tmp").iterdir()) == []


async def test_a_missing_or_altered_file_is_reported_and_not_copied(entry, folder, store, s3_bucket):
    kept = await _upload(folder, entry, b"kept", "kept.txt")
    lost = await _upload(folder, entry, b"lost", "lost.txt")
    altered = await _upload(folder, entry, b"original", "altered.txt")
    longer = await _upload(folder, entry, b"short", "longer.txt")
    folder.path(lost.storage_key).unlink()
    folder.path(altered.storage_key).write_bytes(b"0riginal")  # same size, other bytes
    folder.path(longer.storage_key).write_bytes(b"short, then more")

    report = await migrate_uploads(source=folder, target=store)

    assert report.copied == 1
    assert report.missing == [lost.storage_key]
    assert report.differing == sorted([altered.storage_key, longer.storage_key])
    assert report.complete is False
    assert s3_bucket.keys() == [f"files/{kept.storage_key}"]
    assert s3_bucket.uploads() == []


async def test_a_file_of_another_size_in_the_target_is_replaced(entry, folder, store, s3_bucket):
    record = await _upload(folder, entry, b"the real bytes", "a.txt")
    s3_bucket.put(f"files/{record.storage_key}", b"truncated")

    report = await migrate_uploads(source=folder, target=store)

    assert (report.copied, report.present) == (1, 0)
    assert await _read(store, record.storage_key) == b"the real bytes"
