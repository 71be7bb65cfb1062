"""The `hackcity` command: serve, migrate, seed, createadmin, remind, sweep-uploads, migrate-uploads,
recount, purge, api-token."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tortoise import Tortoise
from tortoise.context import TortoiseContext

from events.db import tortoise_config
from events.settings import Settings, SettingsError


async def apply_migrations(database_url: str, *, quiet: bool = False) -> None:
    """Bring the database schema up to date with the committed migrations."""
    from tortoise.migrations.api import migrate as migrate_api

    config = tortoise_config(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await migrate_api(
            config=config,
            progress=None if quiet else (lambda event, app, name: print(f"  {event} {app}.{name}")),
        )


async def _with_orm(database_url: str, work):
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def cmd_migrate(settings: Settings, _args) -> int:
    asyncio.run(apply_migrations(settings.database_url))
    print("Database is up to date.")
    return 0


def cmd_seed(settings: Settings, args) -> int:
    from events.storage_backends import storage_for
    from seeds.demo import DemoAlreadyLoaded, load_demo

    large = args.scale == "large"

    async def work():
        from events.models import User

        storage = storage_for(settings)
        try:
            if large:
                from seeds import large as large_seed

                if not args.force and await User.exists():
                    return False, None
                await load_demo(only_if_empty=True, storage=storage)
                return True, await large_seed.load_large(scale=large_seed.LARGE, storage=storage)
            return await load_demo(only_if_empty=not args.force, storage=storage), None
        finally:
            await storage.close()

    from seeds.large import LargeAlreadyLoaded

    try:
        loaded, event = asyncio.run(_with_orm(settings.database_url, work))
    except (DemoAlreadyLoaded, LargeAlreadyLoaded) as error:
        print(error, file=sys.stderr)
        return 1
    if not loaded:
        print("The database already holds data: demo data not loaded (use --force to add it anyway).")
    elif event is not None:
        print(
            f"Demo data and the large event loaded: /events/{event.slug}, jury sessions "
            f"{event.national_session_id} (published) and {event.live_session_id} (live now); "
            f"check a session with `hackcity recount {event.national_session_id}`."
        )
    else:
        print("Demo data loaded.")
    return 0


def cmd_createadmin(settings: Settings, args) -> int:
    from events.domain.accounts import create_admin
    from events.domain.errors import FormErrors

    password = os.environ.get("HACKCITY_ADMIN_PASSWORD") or (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )

    async def work():
        return await create_admin(email=args.email, name=args.name or "", password=password)

    try:
        user = asyncio.run(_with_orm(settings.database_url, work))
    except FormErrors as error:
        for field, message in error.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 2
    print(f"Platform admin ready: {user.email}")
    return 0


def cmd_api_token(settings: Settings, args) -> int:
    """Make a personal API token for an organiser and print it (for scripts and CI; the account page
    does the same for people)."""
    from events.domain.api_tokens import create_token
    from events.domain.errors import FormErrors
    from events.models import Event, User

    async def work():
        user = await User.get_or_none(email=args.email.strip().lower(), is_active=True)
        event = await Event.get_or_none(slug=args.event)
        if user is None or event is None:
            return None
        return await create_token(user=user, name=args.name, event_id=str(event.id), scope=args.scope)

    try:
        made = asyncio.run(_with_orm(settings.database_url, work))
    except FormErrors as error:
        for field, message in error.errors.items():
            print(f"{field or 'token'}: {message}", file=sys.stderr)
        return 2
    if made is None:
        print("No active account with this email address, or no event with this slug.", file=sys.stderr)
        return 2
    print(made.secret)
    return 0


def cmd_remind(settings: Settings, _args) -> int:
    """Mail the teams whose entry is still a draft 24 hours before a deadline (run it from cron,
    e.g. every 15 minutes: a reminder is never sent twice)."""
    from events.domain.entries import send_deadline_reminders

    async def work():
        return await send_deadline_reminders(base_url=settings.base_url)

    count = asyncio.run(_with_orm(settings.database_url, work))
    print(f"Reminders queued for {count} draft entries.")
    return 0


def cmd_sweep_uploads(settings: Settings, _args) -> int:
    """Delete uploaded files that no entry or image names (left by a crash between move and commit)."""
    from events.domain.entries import sweep_orphan_files
    from events.storage_backends import storage_for

    async def work():
        storage = storage_for(settings)
        try:
            return await sweep_orphan_files(storage)
        finally:
            await storage.close()

    count = asyncio.run(_with_orm(settings.database_url, work))
    print(f"Removed {count} orphan files.")
    return 0


def cmd_migrate_uploads(settings: Settings, args) -> int:
    """Copy every uploaded file the database names to another storage, verified against its recorded
    size and SHA-256, skipping those already there. Exit code 1 when a file is missing or differs."""
    from events.domain.file_moves import migrate_uploads
    from events.storage import StorageURLError
    from events.storage_backends import open_storage, storage_for

    try:
        source = open_storage(args.source) if args.source else storage_for(settings)
        target = open_storage(args.to)
    except StorageURLError as error:
        print(f"hackcity: {error}", file=sys.stderr)
        return 2

    async def work():
        try:
            return await migrate_uploads(source=source, target=target)
        finally:
            await source.close()
            await target.close()

    report = asyncio.run(_with_orm(settings.database_url, work))
    for key in report.missing:
        print(f"missing from the source: {key}", file=sys.stderr)
    for key in report.differing:
        print(f"differs from its recorded size or SHA-256, not copied: {key}", file=sys.stderr)
    print(
        f"Files copied: {report.copied}, already there: {report.present}, missing from the source: "
        f"{len(report.missing)}, differing from their record: {len(report.differing)}."
    )
    return 0 if report.complete else 1


def cmd_recount(settings: Settings, args) -> int:
    """Recount a jury session's results from its score log alone and compare them, entry by entry,
    with the stored results (frozen at closing, or computed now from the stored scores). Exit code:
    0 when they are equal, 1 when they differ, 2 when there is no such session."""
    from events.domain.score_log import format_score, recount
    from events.forms import as_id
    from events.models import JurySession

    session_id = as_id(args.session_id)

    async def work():
        session = await JurySession.get_or_none(id=session_id) if session_id else None
        return None if session is None else await recount(session=session)

    result = asyncio.run(_with_orm(settings.database_url, work))
    if result is None:
        print(f"hackcity: no jury session {args.session_id!r}", file=sys.stderr)
        return 2
    session = result.session
    stored = (
        "the results frozen when the session was locked"
        if result.frozen
        else "the results computed now from the stored scores (the session is not locked)"
    )
    print(f'Jury session {session.id} "{session.name}": the score log recounted against {stored}.')
    for line in result.lines:
        stored_score = format_score(line.stored["score"]) if line.stored else "-"
        recounted = format_score(line.recounted["score"]) if line.recounted else "-"
        sheets = "/".join(str(row["sheets"]) if row else "-" for row in (line.stored, line.recounted))
        verdict = "equal" if line.equal else "DIFFERENT (" + ", ".join(line.differing) + ")"
        print(
            f'entry {line.entry_id} "{line.entry}" ({line.team}): stored {stored_score}, '
            f"recounted {recounted}, counted sheets {sheets}: {verdict}"
        )
    if result.equal:
        print(f"Equal: the recount gives the stored results for all {len(result.lines)} entries.")
        return 0
    print(
        f"Different: the recount differs from the stored results for {result.differences} "
        f"of {len(result.lines)} entries."
    )
    return 1


def cmd_purge(settings: Settings, args) -> int:
    """Purge the personal data of events past their retention period, expired sessions, old rate-limit
    counters and old mail (the running app does it every hour). `--dry-run` only says what it would do."""
    from events.auth import SESSION_LIFETIME
    from events.domain.retention import KINDS, purge

    async def work():
        return await purge(
            session_lifetime=SESSION_LIFETIME, dry_run=args.dry_run, language=settings.default_language
        )

    report = asyncio.run(_with_orm(settings.database_url, work))
    would = "would be " if report.dry_run else ""
    if report.dry_run:
        print("Dry run: nothing is changed.")
    if not report.events:
        print("No event is past its retention period.")
    for item in report.events:
        print(f"Event {item.slug} (id {item.event_id}), retention over since {item.purge_on.isoformat()}:")
        for kind, action in KINDS.items():
            print(f"  {kind}: {item.counts[kind]} {would}{action}")
    labels = {
        "expired_sessions": "Expired sessions",
        "old_rate_limits": "Old rate-limit counters",
        "old_mail": "Old mail",
        "old_webhook_deliveries": "Old webhook deliveries",
    }
    for kind, count in report.other.items():
        print(f"{labels[kind]}: {count} {would}deleted")
    return 0


def _worker_count(args) -> int:
    """--workers, else WEB_CONCURRENCY (which uvicorn would read by itself), else one."""
    if args.workers is not None:
        return args.workers
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 0


def _metrics_directory() -> str | None:
    """prometheus_client's multiprocess mode: each worker writes its metrics to files in
    PROMETHEUS_MULTIPROC_DIR and /metrics adds them up (events/metrics.py). Set before the app is
    imported, emptied at each start (the files of a previous run would count twice); a temporary
    directory when unset, returned to be removed at the end."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()
        return None
    directory = tempfile.mkdtemp(prefix="hackcity-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def cmd_serve(settings: Settings, args) -> int:
    from events.logs import uvicorn_log_config

    workers = _worker_count(args)
    if workers < 1:
        print("hackcity: --workers (or WEB_CONCURRENCY) must be a number, at least 1", file=sys.stderr)
        return 2
    if workers > 1 and settings.database_url.startswith("sqlite"):
        print(
            f"hackcity: {workers} workers asked for, but SQLite serves one process: its writes go "
            "through one connection and live updates travel in memory. Drop --workers (and "
            "WEB_CONCURRENCY), or set DATABASE_URL to a PostgreSQL database for several workers.",
            file=sys.stderr,
        )
        return 2
    temporary = _metrics_directory() if settings.metrics_token else None
    log_config = uvicorn_log_config(settings.log_format)
    try:
        _run_uvicorn(settings, args, workers, log_config)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


def _run_uvicorn(settings: Settings, args, workers: int, log_config: dict | None) -> None:
    import uvicorn

    uvicorn.run(
        "events.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        # The app reads X-Forwarded-For itself, from the proxies FORWARDED_ALLOW_IPS names only
        # (ForwardedClientMiddleware). uvicorn's own handling would trust 127.0.0.1 by default.
        proxy_headers=False,
        # libuv's event loop and the httptools parser rather than asyncio's and h11: about a third
        # less server CPU a request (docs/PERFORMANCE.md, "Server"). Both are dependencies.
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=False,  # AccessLogMiddleware logs requests without the tokens in mailed links
        workers=workers,
        **({"log_config": log_config} if log_config else {}),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hackcity", description="Open-data challenges and hackathons.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the web app (HOST, PORT)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=None)
    sub.add_parser("migrate", help="apply the database migrations")
    seed = sub.add_parser("seed", help="load the deterministic demo data (only into an empty database)")
    seed.add_argument("--force", action="store_true", help="load even if the database holds data")
    seed.add_argument(
        "--scale",
        choices=("demo", "large"),
        default="demo",
        help="large: the demo, then one event of 800 teams, 300 datasets and two juries (for benchmarks)",
    )
    sub.add_parser("remind", help="mail draft entries' teams 24 hours before a deadline (for cron)")
    sub.add_parser("sweep-uploads", help="delete uploaded files that no entry or image names")
    move = sub.add_parser(
        "migrate-uploads",
        help="copy every uploaded file to another storage (verified, skipping those already there)",
    )
    move.add_argument("--to", required=True, help="s3://bucket?endpoint=https://host, or file:///folder")
    move.add_argument(
        "--from", dest="source", help="default: the current storage (UPLOAD_STORAGE or UPLOAD_DIR)"
    )
    recount = sub.add_parser(
        "recount",
        help="recount a jury session's results from its score log (exit 1: they differ from the stored ones)",
    )
    recount.add_argument("session_id", help="the jury session's number (as in its page's address)")
    purge = sub.add_parser(
        "purge", help="purge personal data past its retention period (events, sessions, login failures, mail)"
    )
    purge.add_argument("--dry-run", action="store_true", help="print what would be purged, change nothing")
    admin = sub.add_parser("createadmin", help="create or promote a platform admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    token = sub.add_parser(
        "api-token", help="make a personal API token for an event's organiser and print it"
    )
    token.add_argument("--email", required=True, help="the organiser's account")
    token.add_argument("--event", required=True, help="the event's slug")
    token.add_argument("--scope", choices=("read", "write"), default="read")
    token.add_argument("--name", default="command line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "serve":
            settings.check()
    except SettingsError as error:
        print(f"hackcity: {error}", file=sys.stderr)
        return 2
    commands = {
        "serve": cmd_serve,
        "migrate": cmd_migrate,
        "seed": cmd_seed,
        "createadmin": cmd_createadmin,
        "remind": cmd_remind,
        "sweep-uploads": cmd_sweep_uploads,
        "migrate-uploads": cmd_migrate_uploads,
        "recount": cmd_recount,
        "purge": cmd_purge,
        "api-token": cmd_api_token,
    }
    return commands[args.command](settings, args)


if __name__ == "__main__":
    raise SystemExit(main())
