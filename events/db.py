"""Tortoise ORM configuration for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

MODEL_MODULES = [
    "events.models.accounts",
    "events.models.events",
    "events.models.challenges",
    "events.models.datasets",
    "events.models.teams",
    "events.models.entries",
    "events.models.jury",
    "events.models.mail",
    "events.models.announcements",
    "events.models.api_tokens",
    "events.models.reuses",
    "events.models.webhooks",
    "events.models.branding",
]
MIGRATIONS_MODULE = "events.migrations"

# SQLite: one connection per process (Tortoise), WAL so readers never wait for the writer,
# and a busy timeout so a second process (CLI, worker) waits instead of failing; transactions
# begin IMMEDIATE (events/sqlite_backend.py) so that the wait applies to them too.
SQLITE_ENGINE = "events.sqlite_backend"
SQLITE_PRAGMAS = {"journal_mode": "WAL", "foreign_keys": "ON", "busy_timeout": 10000, "synchronous": "NORMAL"}


def normalise_url(database_url: str) -> str:
    if database_url.startswith("postgresql://"):
        return "postgres://" + database_url.removeprefix("postgresql://")
    return database_url


def connection_config(database_url: str) -> dict[str, Any]:
    database_url = normalise_url(database_url)
    conn = expand_db_url(database_url)
    if conn["engine"] == "tortoise.backends.sqlite":
        path = conn["credentials"]["file_path"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn["credentials"].update(SQLITE_PRAGMAS)
        conn["engine"] = SQLITE_ENGINE
    return conn


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _config_from_env() -> dict[str, Any]:
    from events.settings import Settings

    return tortoise_config(Settings.from_env().database_url)


# Read by the `tortoise` CLI (`[tool.tortoise]` in pyproject.toml): makemigrations, migrate.
TORTOISE_ORM = _config_from_env()
