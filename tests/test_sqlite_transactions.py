"""SQLite write transactions begin IMMEDIATE (events/sqlite_backend.py): a second process writing to
the same file (a `hackcity` command beside the server, a second server started by mistake) waits on
the busy timeout instead of failing with "database is locked"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tortoise import connections
from tortoise.exceptions import OperationalError

from events.db import tortoise_config
from events.sqlite_backend import ImmediateSqliteClient

ROOT = Path(__file__).resolve().parents[1]
COUNT = 40


def _counter_database(path: Path) -> None:
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        database.execute("INSERT INTO counter VALUES (1, 0)")


def _race(path: Path) -> list[dict]:
    """Two writer processes on one file, released together; each one's JSON report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sqlite_writer_process", str(path), str(COUNT)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _err in results]


def _value(path: Path) -> int:
    with sqlite3.connect(path) as database:
        return database.execute("SELECT value FROM counter").fetchone()[0]


def test_the_app_configures_its_sqlite_client_to_begin_immediate(tmp_path):
    config = tortoise_config(f"sqlite://{tmp_path / 'app.sqlite3'}")
    assert config["connections"]["default"]["engine"] == "events.sqlite_backend"
    assert config["connections"]["default"]["credentials"]["busy_timeout"] == 10000


async def test_a_transaction_holds_the_write_lock_from_its_first_statement(tmp_path):
    """Inside a transaction that has only read, another connection cannot write: the lock was
    taken by BEGIN IMMEDIATE, not at the first write."""
    from tortoise import Tortoise

    path = tmp_path / "lock.sqlite3"
    _counter_database(path)
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))
    try:
        client = connections.get("default")
        assert isinstance(client, ImmediateSqliteClient)
        async with client._in_transaction() as transaction:
            await transaction.execute_query("SELECT value FROM counter")
            other = sqlite3.connect(path, timeout=0)
            try:
                try:
                    other.execute("UPDATE counter SET value = 99")
                    locked = False
                except sqlite3.OperationalError as error:
                    locked = "locked" in str(error)
            finally:
                other.close()
        assert locked
    finally:
        await Tortoise.close_connections()
    assert _value(path) == 0


def test_two_processes_writing_one_file_wait_for_each_other_and_lose_nothing(tmp_path):
    path = tmp_path / "race.sqlite3"
    _counter_database(path)

    reports = _race(path)

    assert [report["errors"] for report in reports] == [[], []]
    assert [report["committed"] for report in reports] == [COUNT, COUNT]
    assert _value(path) == 2 * COUNT  # every read-then-write saw the other's writes: none lost


async def test_with_deferred_transactions_a_read_then_write_fails_at_once_after_another_write(tmp_path):
    """What the app did before, step by step: Tortoise's own client begins DEFERRED; a transaction
    reads, another connection writes and commits, then the transaction's write fails at once with
    "database is locked" (its snapshot is stale: waiting cannot help, so the busy timeout does not
    apply). With BEGIN IMMEDIATE the other connection is the one that waits, and nothing fails."""
    from tortoise import Tortoise

    path = tmp_path / "deferred.sqlite3"
    _counter_database(path)

    async def read_then_write(engine: str) -> str:
        config = tortoise_config(f"sqlite://{path}")
        if engine == "stock":
            config["connections"]["default"]["engine"] = "tortoise.backends.sqlite"
        await Tortoise.init(config=config)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            async with connections.get("default")._in_transaction() as transaction:
                await transaction.execute_query("SELECT value FROM counter")
                try:
                    other.execute("UPDATE counter SET value = value + 10")  # autocommit
                except sqlite3.OperationalError as error:
                    outcome = f"other: {error}"
                else:
                    outcome = "other: written"
                try:
                    await transaction.execute_query("UPDATE counter SET value = value + 1")
                except OperationalError as error:
                    return f"{outcome}; ours: {error}"
            return f"{outcome}; ours: written"
        finally:
            other.close()
            await Tortoise.close_connections()

    assert await read_then_write("stock") == "other: written; ours: database is locked"
    assert _value(path) == 10
    assert await read_then_write("app") == "other: database is locked; ours: written"
    assert _value(path) == 11
