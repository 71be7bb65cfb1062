"""Local storage: temp file → fsync → move into place, generated keys only, orphans swept."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from events.storage import FileTooLarge, LocalStorage


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def _all_files(storage: LocalStorage) -> list:
    return sorted(p for p in storage.root.rglob("*") if p.is_file())


async def test_commit_moves_the_temporary_file_under_a_generated_key(storage):
    pending = storage.begin(max_bytes=1000)
    await pending.write(b"hello ")
    await pending.write(b"open data")
    assert _all_files(storage) == [pending.temp_path]  # nothing in place before commit

    stored = await pending.commit()

    assert stored.size == 15
    assert stored.sha256 == hashlib.sha256(b"hello open data").hexdigest()
    assert stored.head == b"hello open data"
    assert _all_files(storage) == [storage.path(stored.key)]
    assert storage.path(stored.key).read_bytes() == b"hello open data"
    assert b"".join([chunk async for chunk in storage.open(stored.key)]) == b"hello open data"


async def test_discard_leaves_nothing(storage):
    pending = storage.begin(max_bytes=1000)
    await pending.write(b"partial")

    await pending.discard()

    assert _all_files(storage) == []


async def test_more_bytes_than_allowed_discard_the_upload(storage):
    pending = storage.begin(max_bytes=10)
    await pending.write(b"0123456789")

    with pytest.raises(FileTooLarge):
        await pending.write(b"!")

    assert _all_files(storage) == []


async def test_large_writes_are_buffered_then_written(storage):
    pending = storage.begin(max_bytes=10 * 1024 * 1024)
    for _ in range(40):
        await pending.write(b"x" * 65536)

    stored = await pending.commit()

    assert storage.path(stored.key).stat().st_size == 40 * 65536
    assert len(stored.head) == 8192


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/../../x", "", "A" * 32, "a" * 31, "a" * 32 + "/"])
def test_only_generated_keys_name_a_path(storage, key):
    with pytest.raises(ValueError):
        storage.path(key)


async def test_delete_removes_the_file(storage):
    pending = storage.begin(max_bytes=100)
    await pending.write(b"x")
    stored = await pending.commit()

    await storage.delete(stored.key)
    await storage.delete(stored.key)  # twice is fine

    assert _all_files(storage) == []


async def _stored(storage, data=b"x"):
    pending = storage.begin(max_bytes=100)
    await pending.write(data)
    return await pending.commit()


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


async def test_sweep_removes_old_orphans_and_abandoned_temp_files_only(storage):
    kept = await _stored(storage)
    orphan = await _stored(storage)
    young_orphan = await _stored(storage)
    abandoned = storage.begin(max_bytes=100)
    await abandoned.write(b"half")
    for key in (kept.key, orphan.key):
        _age(storage.path(key), 7200)
    _age(abandoned.temp_path, 7200)

    removed = await storage.sweep_orphans([kept.key])

    assert removed == 2
    assert _all_files(storage) == sorted([storage.path(kept.key), storage.path(young_orphan.key)])
    await abandoned.discard()  # what a crashed process would never do: close its handle


async def test_sweep_of_the_database_keeps_files_with_rows(db, storage):
    from events.domain.entries import sweep_orphan_files
    from events.models import Entry, EntryFile
    from tests.entry_world import make_entry_world

    world = await make_entry_world()
    entry = await Entry.create(
        event=world.event, team=world.team_a, round=world.stage, challenge=world.challenge, title="T"
    )
    kept, orphan = await _stored(storage), await _stored(storage)
    await EntryFile.create(
        entry=entry,
        storage_key=kept.key,
        original_name="a.txt",
        content_type="text/plain",
        size=1,
        sha256="0" * 64,
    )
    for key in (kept.key, orphan.key):
        _age(storage.path(key), 7200)

    assert await sweep_orphan_files(storage) == 1
    assert _all_files(storage) == [storage.path(kept.key)]
