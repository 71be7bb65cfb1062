"""Stream a large upload through the ASGI app and report peak memory: it should stay flat.

    .venv/bin/python bench/upload.py            # 200 MB
    .venv/bin/python bench/upload.py --mb 50

A benchmark, not a test: it prints the size sent, the time taken, the Python heap peak seen by
tracemalloc while the body streams, and the process's peak RSS (resource.getrusage). With the
streaming parser (events/multipart.py) the heap peak stays around the 1 MB write buffer plus the
chunk size, whatever the file's size.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from argon2 import PasswordHasher
from tortoise.context import tortoise_test_context

from events.app import create_app
from events.db import MODEL_MODULES
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    Event,
    EventStatus,
    Round,
    Team,
    TeamMember,
    User,
)
from events.settings import Settings

CHUNK = 64 * 1024
BOUNDARY = "benchboundary0123456789"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _PeakRSS(threading.Thread):
    """The highest RSS of this process while it runs (the whole-life peak would count the set-up)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss_mb())

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.peak = max(self.peak, _rss_mb())


def _stored_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


async def run(megabytes: int) -> None:
    upload_dir = Path(tempfile.mkdtemp(prefix="hackcity-bench-"))
    settings = Settings(
        testing=True,
        secret_key=secrets.token_urlsafe(48),
        base_url="http://testserver",
        database_url="sqlite://:memory:",
        upload_dir=upload_dir,
        max_upload_mb=megabytes + 1,
        team_quota_mb=megabytes + 1,
        default_language="en",
    )
    async with tortoise_test_context(MODEL_MODULES, db_url="sqlite://:memory:"):
        password = secrets.token_urlsafe(16)
        user = await User.create(
            email="bench@example.org",
            name="Bench",
            password_hash=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password),
            email_verified_at=datetime.now(UTC),
        )
        event = await Event.create(slug="bench", title="Bench", status=EventStatus.PUBLISHED)
        now = datetime.now(UTC)
        stage = await Round.create(
            event=event, name="R", opens_at=now - timedelta(days=1), deadline=now + timedelta(days=1)
        )
        challenge = await Challenge.create(event=event, slug="c", title="C", status=ChallengeStatus.PUBLISHED)
        team = await Team.create(event=event, name="T", name_key="t", invite_token_hash="0" * 64)
        await TeamMember.create(team=team, event=event, user=user, is_captain=True)
        entry = await Entry.create(event=event, team=team, round=stage, challenge=challenge, title="E")

        app = create_app(settings, manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=600
        ) as client:
            login = await client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
            await client.post("/login", data={"csrf_token": token, "email": user.email, "password": password})
            page = await client.get(f"/events/bench/entries/{entry.id}/edit")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

            async def body():
                yield (
                    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
                    "Content-Type: application/zip\r\n\r\n"
                ).encode() + b"PK\x03\x04"
                block = b"\x00" * CHUNK
                for _ in range(megabytes * 1024 * 1024 // CHUNK):
                    yield block
                yield f"\r\n--{BOUNDARY}--\r\n".encode()

            rss_before = _rss_mb()
            sampler = _PeakRSS()
            sampler.start()
            tracemalloc.start()
            started = time.perf_counter()
            response = await client.post(
                f"/events/bench/entries/{entry.id}/files?csrf_token={token}",
                content=body(),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            sampler.stop()
    stored = _stored_bytes(upload_dir)
    shutil.rmtree(upload_dir, ignore_errors=True)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    print(f"status            {response.status_code} (303 = stored)")
    print(f"sent              {megabytes} MB in {elapsed:.1f} s ({megabytes / elapsed:.0f} MB/s)")
    print(f"stored on disk    {stored / 1024 / 1024:.1f} MB (then removed)")
    print(f"heap peak         {peak / 1024 / 1024:.1f} MB (tracemalloc, while streaming)")
    print(f"RSS before        {rss_before:.1f} MB (the process, just before the upload)")
    print(f"process peak RSS  {rss_kb / 1024:.1f} MB (getrusage, whole process)")
    print(f"RSS peak, upload  {sampler.peak:.1f} MB (sampled every 5 ms while the upload streams)")
    print(
        f"growth            {sampler.peak - rss_before:.1f} MB (RSS peak during the upload minus RSS before)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the upload in MB (default 200)")
    asyncio.run(run(parser.parse_args().mb))


if __name__ == "__main__":
    main()
