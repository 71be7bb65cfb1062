"""`hackcity migrate-uploads --to URL [--from URL]`, as an operator runs it before switching
UPLOAD_STORAGE: a separate process on a database file, a folder and the local S3 server
(tests/s3.py). The rows and files are made beforehand, in this process, on the same file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tortoise.context import TortoiseContext

from events.db import tortoise_config
from events.models import Entry, EntryFile
from events.storage import LocalStorage
from tests.entry_world import make_entry_world

FILES = [b"%PDF-1.7 slides", b"jour,voyageurs\n1,2\n" * 40000]  # the second is larger than a part


async def _entry_with_files(url: str, folder: Path) -> list[str]:
    storage = LocalStorage(folder)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas()
        world = await make_entry_world()
        entry = await Entry.create(
            event=world.event, team=world.team_a, round=world.stage, challenge=world.challenge, title="T"
        )
        keys = []
        for index, data in enumerate(FILES):
            pending = storage.begin(max_bytes=len(data))
            await pending.write(data)
            stored = await pending.commit()
            await EntryFile.create(
                entry=entry,
                storage_key=stored.key,
                original_name=f"file{index}",
                content_type="application/octet-stream",
                size=stored.size,
                sha256=stored.sha256,
            )
            keys.append(stored.key)
        return keys


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "events.cli", "migrate-uploads", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_migrate_uploads_from_the_folder_to_the_store_and_back(tmp_path, s3_bucket):
    url = f"sqlite://{tmp_path}/hackcity.sqlite3"
    keys = await _entry_with_files(url, tmp_path / "uploads")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40, "UPLOAD_DIR": str(tmp_path / "uploads")}
    env.pop("UPLOAD_STORAGE", None)

    there = _run(env, "--to", s3_bucket.url())
    again = _run(env, "--to", s3_bucket.url())

    assert there.returncode == 0, there.stderr
    assert (
        there.stdout
        == "Files copied: 2, already there: 0, missing from the source: 0, differing from their record: 0.\n"
    )
    assert s3_bucket.keys() == sorted(f"files/{key}" for key in keys)
    assert s3_bucket.read(f"files/{keys[1]}") == FILES[1]
    assert (again.returncode, again.stdout) == (
        0,
        "Files copied: 0, already there: 2, missing from the source: 0, differing from their record: 0.\n",
    )

    # Switched to the store: the current storage is now the source.
    (tmp_path / "back").mkdir()
    back = _run({**env, "UPLOAD_STORAGE": s3_bucket.url()}, "--to", f"file://{tmp_path}/back")

    assert back.returncode == 0, back.stderr
    assert back.stdout.startswith("Files copied: 2, already there: 0,")
    for key, data in zip(keys, FILES, strict=True):
        assert hashlib.sha256(LocalStorage(tmp_path / "back").path(key).read_bytes()).digest() == (
            hashlib.sha256(data).digest()
        )


async def test_migrate_uploads_says_what_is_missing_and_exits_1(tmp_path, s3_bucket):
    url = f"sqlite://{tmp_path}/hackcity.sqlite3"
    keys = await _entry_with_files(url, tmp_path / "uploads")
    LocalStorage(tmp_path / "uploads").path(keys[0]).unlink()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40}

    missing = _run(env, "--from", str(tmp_path / "uploads"), "--to", s3_bucket.url())
    malformed = _run(env, "--to", "s3://Not_A_Bucket")

    assert missing.returncode == 1
    assert missing.stderr == f"missing from the source: {keys[0]}\n"
    assert (
        missing.stdout
        == "Files copied: 1, already there: 0, missing from the source: 1, differing from their record: 0.\n"
    )
    assert s3_bucket.keys() == [f"files/{keys[1]}"]
    assert malformed.returncode == 2
    assert malformed.stderr.startswith("hackcity: 'Not_A_Bucket' is not a bucket name")
