"""Configuration read from the environment (and an optional `.env` file), nothing else."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config

DEFAULT_SECRET_KEY = "change-me"  # noqa: S105 (the value the app refuses to start with)
LANGUAGES = ("fr", "en")
LOG_FORMATS = ("text", "json")


class SettingsError(RuntimeError):
    """The configuration is unusable; the message says which setting and why."""


@dataclass(frozen=True)
class Settings:
    debug: bool = False
    database_url: str = "sqlite://data/hackcity.sqlite3"
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    upload_dir: Path = Path("data/uploads")
    # Where uploaded files live instead of UPLOAD_DIR: s3://bucket?endpoint=… (events/storage.py).
    upload_storage: str = ""
    max_upload_mb: int = 20
    team_quota_mb: int = 200  # all the files of a team's entries together
    smtp_url: str = ""
    mail_from: str = "hackcity <noreply@localhost>"
    default_language: str = "fr"
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    # Proxies whose X-Forwarded-For names the client (addresses or networks). None by default: the
    # client is the socket's peer. Behind a proxy, unset means every client is rate-limited as one.
    forwarded_allow_ips: tuple[str, ...] = field(default_factory=tuple)
    testing: bool = False
    # Let the portal fetcher reach loopback/private addresses: for tests' local portal server only.
    fetch_allow_private: bool = False
    # Requests a personal API token may make in an hour before the API answers 429.
    api_rate_limit: int = 1000
    # Operations: the token Prometheus sends to read /metrics (empty: /metrics is 404), and the
    # log format ("text" for people, "json" for a log collector: one object per line).
    metrics_token: str = ""
    log_format: str = "text"

    @classmethod
    def from_env(cls, env_file: str | os.PathLike | None = ".env") -> Settings:
        config = Config(env_file if env_file and Path(env_file).exists() else None)
        base_url = config("BASE_URL", default="").rstrip("/")
        host = config("HOST", default="127.0.0.1")
        port = config("PORT", cast=int, default=8000)
        if not base_url:
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
            base_url = f"http://{shown}:{port}"
        hosts = config("ALLOWED_HOSTS", default="")
        proxies = config("FORWARDED_ALLOW_IPS", default="")
        settings = cls(
            debug=config("DEBUG", cast=bool, default=False),
            database_url=config("DATABASE_URL", default=cls.database_url),
            secret_key=config("SECRET_KEY", default=DEFAULT_SECRET_KEY),
            base_url=base_url,
            host=host,
            port=port,
            upload_dir=Path(config("UPLOAD_DIR", default=str(cls.upload_dir))),
            upload_storage=config("UPLOAD_STORAGE", default=""),
            max_upload_mb=config("MAX_UPLOAD_MB", cast=int, default=20),
            team_quota_mb=config("TEAM_QUOTA_MB", cast=int, default=200),
            smtp_url=config("SMTP_URL", default=""),
            mail_from=config("MAIL_FROM", default=cls.mail_from),
            default_language=config("DEFAULT_LANGUAGE", default="fr"),
            allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
            forwarded_allow_ips=tuple(p.strip() for p in proxies.split(",") if p.strip()),
            fetch_allow_private=config("FETCH_ALLOW_PRIVATE", cast=bool, default=False),
            api_rate_limit=config("API_RATE_LIMIT", cast=int, default=1000),
            metrics_token=config("METRICS_TOKEN", default=""),
            log_format=config("LOG_FORMAT", default="text").strip().lower(),
        )
        return settings

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def production(self) -> bool:
        return not self.debug and not self.testing

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        return self.production and self.base_url.startswith("https://")

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        if self.allowed_hosts:
            return self.allowed_hosts
        hostname = urlsplit(self.base_url).hostname or "localhost"
        return (hostname,)

    @property
    def trusted_proxies(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in self.forwarded_allow_ips)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def team_quota_bytes(self) -> int:
        return self.team_quota_mb * 1024 * 1024

    def check(self) -> None:
        """Refuse settings that would be unsafe or unusable; called before the app serves."""
        if self.default_language not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        if not self.base_url.startswith(("http://", "https://")):
            raise SettingsError("BASE_URL must start with http:// or https://")
        if self.max_upload_mb < 1:
            raise SettingsError("MAX_UPLOAD_MB must be at least 1")
        if self.api_rate_limit < 1:
            raise SettingsError("API_RATE_LIMIT must be at least 1")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.metrics_token and len(self.metrics_token) < 16:
            raise SettingsError("METRICS_TOKEN must be at least 16 characters (or empty: no /metrics)")
        if self.team_quota_mb < self.max_upload_mb:
            raise SettingsError("TEAM_QUOTA_MB must be at least MAX_UPLOAD_MB")
        if self.production and (
            not self.secret_key or self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise SettingsError(
                "SECRET_KEY is missing, the default or shorter than 32 characters; "
                "set a long random value (or DEBUG=1 for local development only)"
            )
        for entry in self.forwarded_allow_ips:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise SettingsError(
                    f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network (like 10.0.0.0/8)"
                ) from None
        if self.upload_storage:
            from events.storage import StorageURLError, parse_storage_url

            try:
                parse_storage_url(self.upload_storage)
            except StorageURLError as error:
                raise SettingsError(f"UPLOAD_STORAGE: {error}") from None
        if not self.database_url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise SettingsError("DATABASE_URL must be a sqlite:// or postgres:// URL")
