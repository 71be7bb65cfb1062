"""A background job in a process of its own, for the tests that race two processes on PostgreSQL.

`python -m tests.worker_process outbox|remind|webhooks DATABASE_URL [SMTP_URL]` connects, prints `ready`,
waits for a line on standard input (so that the test starts every process at the same moment),
runs the job once and prints its count.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise import Tortoise

from events.db import tortoise_config


async def run(job: str, database_url: str, smtp_url: str) -> int:
    from events.domain import webhooks
    from events.domain.entries import send_deadline_reminders
    from events.mail import deliver_pending

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        if job == "outbox":
            return await deliver_pending(smtp_url=smtp_url, mail_from="hackcity <noreply@testserver>")
        if job == "webhooks":  # the receiver listens on 127.0.0.1, as FETCH_ALLOW_PRIVATE allows
            return await webhooks.deliver_pending(allow_private=True)
        return await send_deadline_reminders(base_url="http://testserver")
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    job, database_url, *rest = sys.argv[1:]
    print(asyncio.run(run(job, database_url, rest[0] if rest else "")), flush=True)
