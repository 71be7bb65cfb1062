"""A writer on a SQLite file in a process of its own, for tests/test_sqlite_transactions.py.

`python -m tests.sqlite_writer_process PATH COUNT` connects with the app's configuration, prints
`ready`, waits for a line on standard input (so that both
processes start together), then runs COUNT transactions that each read a counter, wait a moment
and write it back plus one: the shape of most of the app's writes (read, check, then write).
It prints one JSON line: how many committed, and the errors.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from events.db import tortoise_config


async def run(path: str, count: int) -> dict:
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))
    committed, errors = 0, []
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        for _ in range(count):
            try:
                async with in_transaction() as connection:
                    _, rows = await connection.execute_query("SELECT value FROM counter WHERE id = 1")
                    await asyncio.sleep(0.002)  # the checks a write does between its reads and its write
                    await connection.execute_query(
                        "UPDATE counter SET value = ? WHERE id = 1", [rows[0]["value"] + 1]
                    )
                committed += 1
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
    finally:
        await Tortoise.close_connections()
    return {"committed": committed, "errors": errors}


if __name__ == "__main__":
    path, count = sys.argv[1:]
    print(json.dumps(asyncio.run(run(path, int(count)))), flush=True)
