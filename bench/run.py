"""`make bench`: hackcity measured against its own ceiling, on the large demo data, in one run.

    .venv/bin/python bench/run.py                 # the full run (about 10 minutes), writes docs/PERFORMANCE.md
    .venv/bin/python bench/run.py --quick         # a one-minute smoke: smaller data, short measures
    .venv/bin/python bench/run.py --seconds 8 --no-postgres --output /tmp/perf.md

For each database (SQLite with one worker; PostgreSQL with two, when a server answers on
127.0.0.1:5432 with trust authentication, in a fresh database `hackcity_bench_<time>` dropped at
the end):

1. migrate and load the large demo data (`seeds.large`) into a fresh database, with 64 more jurors
   seated on its live final (the bench's own), and time the load;
2. start the app with `hackcity serve` (uvicorn) on a free port and time it from the process start
   to the first 200 of /healthz; read its worker's memory (RSS);
3. sign in an organiser, a juror and the 64 bench jurors through the login form;
4. start the ceiling (`bench/ceiling.py`) served the same way: it renders the same templates with
   the same contexts held in memory, and has a bare transactional upsert;
5. measure each page on the app, then on the ceiling, with 32 concurrent connections for a fixed
   time: requests per second, p50, p99, errors (`bench/loadgen.py`);
6. score saves through the autosave endpoint by 64 jurors at once (each its own sheet), then 200 at
   once on one entry, each against the bare upsert, and check that every save answered 200 is in
   the database (the last value of each score) and in the score log (one line per save);
7. the worker's memory once idle again.

Then `bench/upload.py` (a large upload streamed through the app: peak memory) and
`bench/results.py` (the results of a 10,000-entry jury) with their own figures, and the table,
printed and written between the markers of docs/PERFORMANCE.md (the rest of that page, the
analysis, is kept as it is). A benchmark, never a test: nothing here is asserted by `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import loadgen  # noqa: E402

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PAGE_CONNECTIONS = 32
JURORS = 64
ONE_ENTRY = 200
BENCH_PASSWORD = "bench-hackcity-2026"  # the bench jurors' (the seeded accounts use the demo's)
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

# Targets of issue 12.
PAGE_RATIO, PAGE_P99_MS = 0.5, 100.0
SAVES_PER_SECOND = {"SQLite": 500, "PostgreSQL": 1000}
SAVE_P99_MS = 100.0
IDLE_MB, STARTUP_S, UPLOAD_GROWTH_MB, RANKING_S = 150, 2.0, 50, 1.0


@dataclass
class Measure:
    name: str
    app: loadgen.Result
    ceiling: loadgen.Result | None = None
    concurrency: int = PAGE_CONNECTIONS
    checked: str = ""  # what was verified after (saves)

    @property
    def ratio(self) -> float:
        if self.ceiling is None or not self.ceiling.rate:
            return math.nan
        return self.app.rate / self.ceiling.rate


@dataclass
class BackendRun:
    name: str
    workers: int
    version: str = ""
    seed_seconds: float = 0.0
    startup_seconds: float = 0.0
    rss_start_mb: list[float] = field(default_factory=list)
    rss_idle_mb: list[float] = field(default_factory=list)
    pages: list[Measure] = field(default_factory=list)
    saves: list[Measure] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


# --- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def workers_of(pid: int) -> list[int]:
    """The processes answering requests: uvicorn's children when it runs several, else itself."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    # uvicorn's supervisor starts one process per worker (and, with spawn, a resource tracker).
    workers = [
        int(child) for child in children if "uvicorn" in _cmdline(int(child)) or _is_python(int(child))
    ]
    return workers or [pid]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_python(pid: int) -> bool:
    line = _cmdline(pid)
    return "python" in line and "resource_tracker" not in line


class Server:
    """A server process started by the bench, stopped by its id (SIGINT, then SIGKILL)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        self.started = time.perf_counter()
        self.handle = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str, timeout: float = 120) -> float:
        """Seconds from the process start to the first 200 on `path`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as sock:
                    sock.sendall(
                        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nConnection: close\r\n\r\n".encode()
                    )
                    if sock.recv(64).startswith(b"HTTP/1.1 200"):
                        return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer in {timeout} s: see {self.log}")

    def worker_rss(self) -> list[float]:
        return [rss_mb(pid) for pid in workers_of(self.process.pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()


# --- the data ------------------------------------------------------------------------------------------


async def prepare(url: str, upload_dir: str, divisor: int) -> dict[str, Any]:
    """Migrate, load the demo and the large event, seat the bench's jurors; return what the run needs."""
    from tortoise import Tortoise, connections

    from events.cli import apply_migrations
    from events.db import tortoise_config
    from events.domain import assignments, seats
    from events.domain.passwords import hash_password
    from events.models import (
        Challenge,
        Criterion,
        Dataset,
        Entry,
        EventRole,
        JurySession,
        PitchSlot,
        Role,
        SlotStatus,
        User,
    )
    from events.storage import LocalStorage
    from seeds.demo import load_demo
    from seeds.large import LARGE, load_large

    await apply_migrations(url, quiet=True)
    await Tortoise.init(config=tortoise_config(url))
    try:
        storage = LocalStorage(Path(upload_dir))
        started = time.perf_counter()
        await load_demo(storage=storage)
        large = await load_large(scale=LARGE.divided(divisor) if divisor > 1 else LARGE, storage=storage)
        seed_seconds = time.perf_counter() - started
        final = await JurySession.get(id=large.live_session_id)
        password_hash = await hash_password(BENCH_PASSWORD)
        bench_jurors = [f"bench-juror-{n:02d}@bench.hackcity.example" for n in range(1, JURORS + 1)]
        for email in bench_jurors:
            user = await User.create(
                email=email,
                name=email.split("@")[0],
                password_hash=password_hash,
                email_verified_at=datetime.now(UTC),
                terms_accepted_at=datetime.now(UTC),
            )
            await EventRole.create(event_id=large.event_id, user=user, role=Role.JUROR)
            await seats.add_juror(session=final, user=user)
        await assignments.compute_assignments(session=final)  # open: each new juror gets every entry
        slots = await PitchSlot.filter(session=final).order_by("position").values_list("entry_id", "status")
        unlocked = [entry_id for entry_id, status in slots if status != SlotStatus.LOCKED]
        grid = list(
            await Criterion.filter(round_id=final.round_id, challenge_id=None)
            .order_by("position")
            .values_list("id", flat=True)
        )
        entry = await Entry.filter(event_id=large.event_id).order_by("id").first()
        conn = connections.get("default")
        await conn.execute_script(
            "CREATE TABLE IF NOT EXISTS bench_ceiling (k VARCHAR(64) PRIMARY KEY, v DOUBLE PRECISION NOT NULL)"
        )
        counts = {
            "entries": await Entry.filter(event_id=large.event_id).count(),
            "datasets": await Dataset.filter(event_id=large.event_id).count(),
            "challenges": await Challenge.filter(event_id=large.event_id).count(),
            "participants": await User.filter(email__startswith="participant").count(),
        }
        return {
            "seed_seconds": seed_seconds,
            "slug": large.slug,
            "national": large.national_session_id,
            "live": large.live_session_id,
            "organiser": large.organiser,
            "juror": large.live_jurors[0],
            "bench_jurors": bench_jurors,
            "challenge": (await Challenge.filter(event_id=large.event_id).order_by("position").first()).slug,
            "dataset": (await Dataset.filter(event_id=large.event_id).order_by("id").first()).id,
            "entry": entry.id,
            "unlocked": unlocked,
            "grid": grid,
            "counts": counts,
        }
    finally:
        await Tortoise.close_connections()


async def saved_state(url: str, session_id: int, since: str) -> dict[str, list]:
    """The value log lines written since `since` per (juror, entry, criterion), and every stored score."""
    from tortoise import Tortoise

    from events.db import tortoise_config
    from events.models import Score, ScoreLogEntry

    await Tortoise.init(config=tortoise_config(url))
    try:
        lines: dict[tuple[int, int, int], int] = {}
        for juror, entry, criterion in await ScoreLogEntry.filter(
            sheet__session_id=session_id, created_at__gte=datetime.fromisoformat(since), field="value"
        ).values_list("juror_id", "sheet__entry_id", "criterion_id"):
            lines[(juror, entry, criterion)] = lines.get((juror, entry, criterion), 0) + 1
        values = await Score.filter(sheet__session_id=session_id).values_list(
            "sheet__juror_id", "sheet__entry_id", "criterion_id", "value"
        )
        return {"lines": [[*key, count] for key, count in lines.items()], "values": [list(v) for v in values]}
    finally:
        await Tortoise.close_connections()


async def user_ids(url: str, emails: list[str]) -> dict[str, int]:
    from tortoise import Tortoise

    from events.db import tortoise_config
    from events.models import User

    await Tortoise.init(config=tortoise_config(url))
    try:
        return dict(await User.filter(email__in=emails).values_list("email", "id"))
    finally:
        await Tortoise.close_connections()


TASKS = {"prepare": prepare, "saved_state": saved_state, "user_ids": user_ids}


def db_task(task: str, **params: Any) -> Any:
    """Run one of the database steps above in a process of its own: Tortoise keeps per-model state
    (its compiled queries) from the first database it was given, so one process cannot go from
    SQLite to PostgreSQL."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__)), "--task", task, json.dumps(params)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench step {task} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- signing in ----------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')


async def sign_in(base_url: str, email: str, password: str, page: str | None = None) -> tuple[str, str]:
    """The session cookie of `email` signed in through the login form, and the CSRF token of `page`."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120, headers={"Origin": base_url}) as client:
        form = await client.get("/login")
        token = CSRF_FIELD.search(form.text).group(1)
        answer = await client.post("/login", data={"csrf_token": token, "email": email, "password": password})
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in of {email} answered {answer.status_code}")
        csrf = ""
        if page:
            shown = await client.get(page)
            if shown.status_code != 200:
                raise RuntimeError(f"{page} answered {shown.status_code} to {email}")
            found = CSRF_DATA.search(shown.text)
            csrf = found.group(1) if found else ""
        return f"hackcity_session={client.cookies['hackcity_session']}", csrf


# --- measures --------------------------------------------------------------------------------------------


async def measure_get(port: int, path: str, cookie: str, seconds: float, warmup: float) -> loadgen.Result:
    headers = (("Cookie", cookie),) if cookie else ()
    request = loadgen.Request("GET", path, headers)
    await loadgen.run(
        host=HOST,
        port=port,
        concurrency=PAGE_CONNECTIONS,
        seconds=warmup,
        next_request=lambda _c, _n: request,
    )
    return await loadgen.run(
        host=HOST,
        port=port,
        concurrency=PAGE_CONNECTIONS,
        seconds=seconds,
        next_request=lambda _c, _n: request,
    )


@dataclass
class Writer:
    """Who saves what: connection number -> (juror cookie, CSRF token, juror id, entry id, criteria)."""

    seats: list[tuple[str, str, int, int, list[int]]]
    sent: dict[tuple[int, int, int], float] = field(default_factory=dict)  # last value answered 200
    saved: dict[tuple[int, int, int], int] = field(default_factory=dict)  # answers 200

    def value(self, connection: int, number: int) -> tuple[int, float]:
        """Request `number` of a connection: its criteria in turn, each value one more than the last (mod 11),
        so that every save changes the score and leaves exactly one log line."""
        criteria = self.seats[connection][4]
        return criteria[number % len(criteria)], float((number // len(criteria) + 1) % 11)

    def request(self, slug: str, session: int, origin: str):
        def build(connection: int, number: int) -> loadgen.Request:
            cookie, csrf, _juror, entry, _criteria = self.seats[connection]
            criterion, value = self.value(connection, number)
            body = json.dumps({"field": f"criterion_{criterion}", "value": value}).encode()
            return loadgen.Request(
                "POST",
                f"/events/{slug}/jury/{session}/entries/{entry}/score",
                (
                    ("Cookie", cookie),
                    ("X-CSRF-Token", csrf),
                    ("Origin", origin),
                    ("Sec-Fetch-Site", "same-origin"),
                    ("Content-Type", "application/json"),
                ),
                body,
            )

        return build

    def answered(self, connection: int, number: int, status: int, _body: bytes) -> None:
        if status != 200:
            return
        _cookie, _csrf, juror, entry, _criteria = self.seats[connection]
        criterion, value = self.value(connection, number)
        self.sent[(juror, entry, criterion)] = value
        self.saved[(juror, entry, criterion)] = self.saved.get((juror, entry, criterion), 0) + 1


def upsert_request(concurrency_key: str):
    def build(connection: int, number: int) -> loadgen.Request:
        body = json.dumps({"key": f"{concurrency_key}-{connection}", "value": number}).encode()
        return loadgen.Request("POST", "/__ceiling/upsert", (("Content-Type", "application/json"),), body)

    return build


async def measure_saves(
    run: BackendRun,
    url: str,
    app_port: int,
    ceiling_port: int,
    plan: dict,
    writer: Writer,
    name: str,
    seconds: float,
    origin: str,
) -> None:
    since = datetime.now(UTC)
    result = await loadgen.run(
        host=HOST,
        port=app_port,
        concurrency=len(writer.seats),
        seconds=seconds,
        next_request=writer.request(plan["slug"], plan["live"], origin),
        on_answer=writer.answered,
    )
    ceiling = await loadgen.run(
        host=HOST,
        port=ceiling_port,
        concurrency=len(writer.seats),
        seconds=seconds,
        next_request=upsert_request(name),
    )
    state = db_task("saved_state", url=url, session_id=plan["live"], since=since.isoformat())
    lines = {(j, e, c): count for j, e, c, count in state["lines"]}
    values = {(j, e, c): value for j, e, c, value in state["values"]}
    lost_log = sum(1 for key, count in writer.saved.items() if lines.get(key, 0) != count)
    wrong = sum(1 for key, value in writer.sent.items() if values.get(key) != value)
    extra = sum(1 for key in lines if key not in writer.saved)
    verdict = (
        f"{sum(writer.saved.values())} saves answered 200: all in the score log and the last value of each "
        f"of the {len(writer.sent)} scores in the database"
        if not (lost_log or wrong or extra)
        else f"MISMATCH: {lost_log} scores whose log lines differ from the saves, {wrong} wrong values, "
        f"{extra} unexpected log lines"
    )
    run.saves.append(Measure(name, result, ceiling, concurrency=len(writer.seats), checked=verdict))


async def bench_backend(
    name: str, url: str, workers: int, args: argparse.Namespace, work: Path, version: str
) -> BackendRun:
    run = BackendRun(name=name, workers=workers, version=version)
    print(f"\n== {name}, {workers} worker(s): loading the large data …", flush=True)
    upload_dir = work / f"uploads-{name.lower()}"
    plan = db_task("prepare", url=url, upload_dir=str(upload_dir), divisor=args.divisor)
    run.seed_seconds, run.counts = plan["seed_seconds"], plan["counts"]
    print(f"   loaded in {run.seed_seconds:.1f} s: {run.counts}", flush=True)
    app_port, ceiling_port = free_port(), free_port()
    base_url = f"http://{HOST}:{app_port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BASE_URL": base_url,
        "UPLOAD_DIR": str(upload_dir),
        "HOST": HOST,
        "PYTHONPATH": str(ROOT),
    }
    serve = [str(BIN / "hackcity"), "serve", "--port", str(app_port)]
    if workers > 1:
        serve += ["--workers", str(workers)]
    app = Server("app", serve, env, app_port, work / f"app-{name}.log")
    ceiling = None
    try:
        run.startup_seconds = app.wait_ready("/healthz")
        await asyncio.sleep(0.5)
        run.rss_start_mb = app.worker_rss()
        print(
            f"   app up in {run.startup_seconds:.2f} s, worker RSS {run.rss_start_mb} MB; signing in …",
            flush=True,
        )
        slug, live = plan["slug"], plan["live"]
        sheet = f"/events/{slug}/jury/{live}/entries/{plan['unlocked'][0]}"
        organiser, _ = await sign_in(base_url, plan["organiser"], demo_password())
        juror, _ = await sign_in(base_url, plan["juror"], demo_password(), sheet)
        pages = [
            ("home", "/", ""),
            ("event", f"/events/{slug}", ""),
            ("challenge", f"/events/{slug}/challenges/{plan['challenge']}", ""),
            ("catalogue", f"/events/{slug}/datasets", ""),
            ("dataset", f"/events/{slug}/datasets/{plan['dataset']}", ""),
            ("gallery", f"/events/{slug}/gallery", ""),
            ("entry", f"/events/{slug}/entries/{plan['entry']}", ""),
            ("results", f"/events/{slug}/results", ""),
            ("juror's sheet", sheet, juror),
            ("organiser's dashboard", f"/events/{slug}/manage", organiser),
            ("organiser's session page", f"/events/{slug}/manage/juries/{live}", organiser),
            ("API: events", "/api/v1/events", ""),
            ("API: entries", f"/api/v1/events/{slug}/entries", ""),
            ("API: datasets", f"/api/v1/events/{slug}/datasets", ""),
        ]
        plan_file = work / f"plan-{name}.json"
        plan_file.write_text(json.dumps({"pages": [{"path": p, "cookie": c} for _n, p, c in pages]}))
        ceiling_command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.ceiling:create_app",
            "--factory",
            "--host",
            HOST,
            "--port",
            str(ceiling_port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
        if workers > 1:
            ceiling_command += ["--workers", str(workers)]
        ceiling = Server(
            "ceiling",
            ceiling_command,
            {**env, "BENCH_PLAN": str(plan_file)},
            ceiling_port,
            work / f"ceiling-{name}.log",
        )
        # Signing the bench's jurors in while the ceiling starts (both wait on the same cores).
        ids = db_task("user_ids", url=url, emails=plan["bench_jurors"])
        signed = []
        for start in range(0, JURORS, 8):
            signed += await asyncio.gather(
                *(
                    sign_in(
                        base_url,
                        email,
                        BENCH_PASSWORD,
                        f"/events/{slug}/jury/{live}/entries/{plan['unlocked'][0]}",
                    )
                    for email in plan["bench_jurors"][start : start + 8]
                )
            )
        ceiling.wait_ready("/__ceiling/ready")
        print(
            f"   measuring {len(pages)} pages, {args.seconds:g} s each on the app and on the ceiling …",
            flush=True,
        )
        for page_name, path, cookie in pages:
            if not wanted(args, page_name):
                continue
            on_app = await measure_get(app_port, path, cookie, args.seconds, args.warmup)
            on_ceiling = await measure_get(ceiling_port, path, cookie, args.seconds, args.warmup)
            measure = Measure(page_name, on_app, on_ceiling)
            run.pages.append(measure)
            print(f"   {page_name:<26} {row_figures(measure)}", flush=True)
        if wanted(args, "saves"):
            # Score saves: 64 jurors, each on their own sheet; then 200 connections on one entry.
            unlocked = plan["unlocked"]
            one, others = unlocked[0], unlocked[1:] or unlocked
            sixty_four = Writer(
                [
                    (cookie, csrf, ids[email], others[n % len(others)], plan["grid"])
                    for n, (email, (cookie, csrf)) in enumerate(
                        zip(plan["bench_jurors"], signed, strict=True)
                    )
                ]
            )
            await measure_saves(
                run,
                url,
                app_port,
                ceiling_port,
                plan,
                sixty_four,
                f"saves, {JURORS} jurors (own sheets)",
                args.seconds,
                base_url,
            )
            print(
                f"   {run.saves[-1].name:<26} {row_figures(run.saves[-1])}\n     {run.saves[-1].checked}",
                flush=True,
            )
            pairs = [(n % JURORS, n // JURORS) for n in range(ONE_ENTRY)]  # (juror, criterion): 200 distinct
            two_hundred = Writer(
                [
                    (
                        signed[juror][0],
                        signed[juror][1],
                        ids[plan["bench_jurors"][juror]],
                        one,
                        [plan["grid"][criterion % len(plan["grid"])]],
                    )
                    for juror, criterion in pairs
                ]
            )
            await measure_saves(
                run,
                url,
                app_port,
                ceiling_port,
                plan,
                two_hundred,
                f"saves, {ONE_ENTRY} at once on one entry",
                args.seconds,
                base_url,
            )
            print(
                f"   {run.saves[-1].name:<26} {row_figures(run.saves[-1])}\n     {run.saves[-1].checked}",
                flush=True,
            )
        await asyncio.sleep(2)
        run.rss_idle_mb = app.worker_rss()
    finally:
        app.stop()
        if ceiling is not None:
            ceiling.stop()
    return run


def wanted(args: argparse.Namespace, name: str) -> bool:
    """Whether `--only` (none: everything) asks for this page or for the saves."""
    return not args.only or any(part in name for part in args.only)


def demo_password() -> str:
    from seeds.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


# --- PostgreSQL --------------------------------------------------------------------------------------------


async def postgres_version() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return None
    try:
        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return None
    try:
        return (await conn.fetchval("SHOW server_version")).split()[0]
    finally:
        await conn.close()


async def postgres_database(action: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        if action == "create":
            await conn.execute(f'CREATE DATABASE "{name}"')
        else:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# --- the other benchmarks ------------------------------------------------------------------------------


def run_script(args: list[str]) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return f"failed ({done.returncode}): {done.stderr[-500:]}"
    return done.stdout


def upload_figures(megabytes: int) -> dict[str, Any]:
    out = run_script(["bench/upload.py", "--mb", str(megabytes)])
    found = {
        key: re.search(pattern, out)
        for key, pattern in {
            "status": r"status\s+(\d+)",
            "seconds": r"in ([\d.]+) s",
            "heap": r"heap peak\s+([\d.]+) MB",
            "before": r"RSS before\s+([\d.]+) MB",
            "peak": r"RSS peak, upload\s+([\d.]+) MB",
        }.items()
    }
    figures = {key: float(match.group(1)) for key, match in found.items() if match}
    figures["megabytes"] = megabytes
    if "peak" in figures and "before" in figures:
        figures["growth"] = figures["peak"] - figures["before"]
    figures["raw"] = out.strip()
    return figures


def results_figures(entries: int, jurors: int) -> dict[str, Any]:
    out = run_script(
        ["bench/results.py", "--entries", str(entries), "--jurors", str(jurors), "--criteria", "6"]
    )
    ranking = re.search(r"ranking\s+normalisation=none\s+trimmed=False\s+best ([\d.]+) s", out)
    zscore = re.search(r"ranking\s+normalisation=zscore\s+trimmed=True\s+best ([\d.]+) s", out)
    close = re.search(r"close\+snapshot normalisation=zscore\s+trimmed=True\s+best ([\d.]+) s", out)
    return {
        "entries": entries,
        "jurors": jurors,
        "ranking": float(ranking.group(1)) if ranking else math.nan,
        "ranking_zscore_trimmed": float(zscore.group(1)) if zscore else math.nan,
        "close": float(close.group(1)) if close else math.nan,
        "raw": out.strip(),
    }


# --- the report -------------------------------------------------------------------------------------------


def fmt(value: float, digits: int = 0) -> str:
    return (
        "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"
    )


def row_figures(measure: Measure) -> str:
    app, ceiling = measure.app, measure.ceiling
    text = (
        f"{fmt(app.rate)} req/s p50 {fmt(app.p50_ms, 1)} ms p99 {fmt(app.p99_ms, 1)} ms errors {app.errors}"
    )
    if ceiling is not None:
        text += f" | ceiling {fmt(ceiling.rate)} req/s p99 {fmt(ceiling.p99_ms, 1)} ms | ratio {fmt(measure.ratio, 2)}"
    if app.first_error:
        text += f" | first error: {app.first_error[:120]}"
    return text


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    import httptools
    import uvicorn
    import uvloop

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "uvicorn": uvicorn.__version__,
        "uvloop": uvloop.__version__,
        "httptools": httptools.__version__,
        "system": platform.platform(),
    }


def report(runs: list[BackendRun], upload: dict, results: dict, info: dict, args: argparse.Namespace) -> str:
    lines = [
        BEGIN,
        "",
        f"Measured on {info['date']} by `{info['command']}` ({info['duration']:.0f} s in all).",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} of memory; {info['system']}.",
        f"  **Shared**: other processes were running (load average {info['load_before']} at the start, "
        f"{info['load_after']} at the end), so every figure here is lower and noisier than on a quiet machine.",
        f"- Python {info['python']}, uvicorn {info['uvicorn']} with uvloop {info['uvloop']} and httptools {info['httptools']} (app and ceiling), "
        f"SQLite {info['sqlite']}"
        + (
            f", PostgreSQL {info['postgres']}."
            if info.get("postgres")
            else "; no PostgreSQL server was reachable."
        ),
        f"- Load: {PAGE_CONNECTIONS} concurrent keep-alive connections per page for {args.seconds:g} s after "
        f"{args.warmup:g} s of warm-up, from `bench/loadgen.py` on the same machine. The ceiling is "
        "`bench/ceiling.py` under the same server and worker count: the same template and context, held in memory.",
        "",
    ]
    for run in runs:
        counts = ", ".join(f"{value:,} {key}" for key, value in run.counts.items())
        lines += [
            f"### {run.name}, {run.workers} worker{'s' if run.workers > 1 else ''}",
            "",
            f"Data: the demo and the large event ({counts}), loaded in {run.seed_seconds:.1f} s.",
            "",
            "| page | req/s | p50 ms | p99 ms | errors | ceiling req/s | ceiling p99 ms | ratio | target: ≥ 50 % of the ceiling, p99 < 100 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for measure in run.pages:
            app, ceiling = measure.app, measure.ceiling
            met = measure.ratio >= PAGE_RATIO and app.p99_ms < PAGE_P99_MS and app.errors == 0
            lines.append(
                f"| {measure.name} | {fmt(app.rate)} | {fmt(app.p50_ms, 1)} | {fmt(app.p99_ms, 1)} | {app.errors} "
                f"| {fmt(ceiling.rate)} | {fmt(ceiling.p99_ms, 1)} | {fmt(100 * measure.ratio)} % | {verdict(met)} |"
            )
        target = SAVES_PER_SECOND.get(run.name, 500)
        lines += [
            "",
            f"| score saves | saves/s | p50 ms | p99 ms | errors | bare upsert/s | upsert p99 ms | ratio | target: ≥ {target:,}/s, p99 < 100 ms, no error, nothing lost |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for measure in run.saves:
            app, ceiling = measure.app, measure.ceiling
            lost = measure.checked.startswith("MISMATCH")
            if measure.concurrency == JURORS:
                met = app.rate >= target and app.p99_ms < SAVE_P99_MS and app.errors == 0 and not lost
                goal = verdict(met)
            else:
                goal = (
                    "no target (no error, nothing lost: "
                    + ("yes" if app.errors == 0 and not lost else "**no**")
                    + ")"
                )
            lines.append(
                f"| {measure.name} | {fmt(app.rate)} | {fmt(app.p50_ms, 1)} | {fmt(app.p99_ms, 1)} | {app.errors} "
                f"| {fmt(ceiling.rate)} | {fmt(ceiling.p99_ms, 1)} | {fmt(100 * measure.ratio)} % | {goal} |"
            )
        lines += ["", *(f"- {m.name}: {m.checked}." for m in run.saves)]
        idle = max(run.rss_idle_mb or [math.nan])
        lines += [
            "",
            "| process | measured | target |",
            "|---|---:|---|",
            f"| start-up, `hackcity serve` to the first 200 of /healthz | {run.startup_seconds:.2f} s "
            f"| < {STARTUP_S:g} s: {verdict(run.startup_seconds < STARTUP_S)} |",
            f"| worker memory (RSS) after start-up | {', '.join(fmt(v) for v in run.rss_start_mb)} MB | |",
            f"| worker memory (RSS) idle after the run | {', '.join(fmt(v) for v in run.rss_idle_mb)} MB "
            f"| < {IDLE_MB} MB: {verdict(idle < IDLE_MB)} |",
            "",
        ]
    if not upload or not results:  # --only: neither was measured
        return "\n".join([*lines, END])
    growth = upload.get("growth", math.nan)
    lines += [
        "### Upload and results",
        "",
        "| what | measured | target |",
        "|---|---:|---|",
        f"| `bench/upload.py --mb {upload['megabytes']}`: growth of the process's memory while the upload streams "
        f"(peak RSS {fmt(upload.get('peak'))} MB − {fmt(upload.get('before'))} MB before; Python heap peak "
        f"{fmt(upload.get('heap'), 1)} MB) | {fmt(growth, 1)} MB | < {UPLOAD_GROWTH_MB} MB: "
        f"{verdict(growth < UPLOAD_GROWTH_MB) if upload['megabytes'] >= 1024 else 'measured below 1 GB: ' + verdict(growth < UPLOAD_GROWTH_MB)} |",
        f"| `bench/results.py --entries {results['entries']:,} --jurors {results['jurors']}` (6 criteria): "
        f"the ranking, no normalisation | {fmt(results['ranking'], 3)} s | < {RANKING_S:g} s: "
        f"{verdict(results['ranking'] < RANKING_S)} |",
        f"| the same, z-scores and trimmed mean | {fmt(results['ranking_zscore_trimmed'], 3)} s | |",
        f"| closing: ranking, per-criterion averages, snapshot written | {fmt(results['close'], 3)} s | |",
        "",
        END,
    ]
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    current = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        current = head + text + tail
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(current)


async def main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    info = machine()
    info["date"] = datetime.now(UTC).strftime("%d %B %Y")
    info["command"] = "make bench QUICK=1" if args.quick else "make bench"
    info["load_before"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="hackcity-bench-"))
    runs: list[BackendRun] = []
    try:
        runs.append(
            await bench_backend("SQLite", f"sqlite://{work / 'bench.sqlite3'}", 1, args, work, info["sqlite"])
        )
        version = None if args.no_postgres else await postgres_version()
        if version:
            info["postgres"] = version
            database = f"hackcity_bench_{datetime.now(UTC):%Y%m%d%H%M%S}"
            await postgres_database("create", database)
            try:
                runs.append(
                    await bench_backend(
                        "PostgreSQL", f"postgres://postgres@127.0.0.1:5432/{database}", 2, args, work, version
                    )
                )
            finally:
                await postgres_database("drop", database)
        print(
            f"\n== upload of {args.upload_mb} MB and results of {args.results_entries:,} entries …",
            flush=True,
        )
        upload = upload_figures(args.upload_mb) if not args.only else {}
        results = results_figures(args.results_entries, 10) if not args.only else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info["load_after"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    info["duration"] = time.perf_counter() - started
    text = report(runs, upload, results, info, args)
    print("\n" + text)
    if args.output:
        write_report(Path(args.output), text)
        print(f"\nWritten to {args.output}.")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: a tenth of the data, short measures"
    )
    parser.add_argument("--seconds", type=float, help="measuring time per page and per save run (default 4)")
    parser.add_argument("--warmup", type=float, help="warm-up before each measure (default 1)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="measure only the pages whose name contains NAME ('saves': the saves); repeatable; "
        "no upload nor results, and nothing written unless --output",
    )
    parser.add_argument(
        "--output", help="the page to write the table into (default docs/PERFORMANCE.md; none with --quick)"
    )
    args = parser.parse_args(argv)
    args.divisor = 10 if args.quick else 1
    args.seconds = args.seconds or (0.5 if args.quick else 4.0)
    args.warmup = args.warmup if args.warmup is not None else (0.2 if args.quick else 1.0)
    args.upload_mb = 20 if args.quick else 1024
    args.results_entries = 1000 if args.quick else 10_000
    if args.output is None and not args.quick and not args.only:
        args.output = str(ROOT / "docs" / "PERFORMANCE.md")
    return args


if __name__ == "__main__":
    if sys.argv[1:2] == ["--task"]:
        print(json.dumps(asyncio.run(TASKS[sys.argv[2]](**json.loads(sys.argv[3])))))
        raise SystemExit(0)
    raise SystemExit(asyncio.run(main(parse())))
