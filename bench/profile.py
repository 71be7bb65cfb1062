"""Profile pages in process: where one request's time goes (pyinstrument), and its SQL statements.

    DATABASE_URL=sqlite:///tmp/large.sqlite3 .venv/bin/python bench/profile.py /events/grand-defi-donnees-2026
    .venv/bin/python bench/profile.py /events/x/manage --as organisation@grand-defi.demo.hackcity.fr -n 20

Against a database that holds the data already (`hackcity seed --scale large`). The app runs in this
process through httpx's ASGI transport (no server, no network): each page is requested once to warm
up, then `-n` times under pyinstrument (`pip install pyinstrument`, in the `bench` extra; without it,
only the timings and the statements). `--as` signs in through the login form first (password: the
demo's, or `--password`).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from tortoise import Tortoise

from events.app import create_app
from events.db import tortoise_config
from events.settings import Settings
from seeds.demo import DEMO_PASSWORD
from tests.querycount import count_queries


async def main(args: argparse.Namespace) -> None:
    settings = Settings.from_env().with_overrides(testing=True, base_url="http://testserver")
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        app = create_app(settings, manage_database=False)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=600
        ) as client:
            if args.user:
                form = await client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
                signed = await client.post(
                    "/login", data={"csrf_token": token, "email": args.user, "password": args.password}
                )
                assert signed.status_code == 303, signed.status_code
            for path in args.paths:
                first = await client.get(path)
                async with count_queries() as queries:
                    await client.get(path)
                profiler = None
                try:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="enabled", interval=0.0005)
                except ImportError:
                    pass
                started = time.perf_counter()
                if profiler:
                    profiler.start()
                for _ in range(args.n):
                    await client.get(path)
                if profiler:
                    profiler.stop()
                each = (time.perf_counter() - started) / args.n
                print(
                    f"\n=== {path}: {first.status_code}, {len(first.content) / 1024:.0f} KB, "
                    f"{len(queries)} statements, {1000 * each:.1f} ms a request (in process, profiled)"
                )
                if args.sql:
                    print(queries.report())
                if profiler:
                    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=True))
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="user", help="sign in as this account first")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("-n", type=int, default=10, help="requests profiled per page (default 10)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    asyncio.run(main(parser.parse_args()))
