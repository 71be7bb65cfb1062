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

from events.db import tortoise_config
from events.sqlite_backend import ImmediateSqliteClient

ROOT = Path(__file__).resolve().parents[1]
COUNT = 40


def _counter_database(path: Path) -> None:
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        database.execute("INSERT INTO counter VALUES (1, 0)")


def _race(path: Path, engine: str) -> list[dict]:
    """Two writer processes on one file, released together; each one's JSON report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sqlite_writer_process", str(path), engine, str(COUNT)],
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

    reports = _race(path, "app")

    assert [report["errors"] for report in reports] == [[], []]
    assert [report["committed"] for report in reports] == [COUNT, COUNT]
    assert _value(path) == 2 * COUNT  # every read-then-write saw the other's writes: none lost


def test_with_deferred_transactions_the_same_race_fails_with_database_is_locked(tmp_path):
    """What the app did before: Tortoise's own client begins DEFERRED, and the second writer fails at
    once instead of waiting (the case the test above guards against)."""
    path = tmp_path / "deferred.sqlite3"
    _counter_database(path)

    reports = _race(path, "stock")

    errors = [error for report in reports for error in report["errors"]]
    assert errors
    assert all("locked" in error for error in errors), errors
    assert _value(path) == sum(report["committed"] for report in reports)
