"""Log helpers shared by every layer: user input made safe to write in a log line, the current
request's id, and the log format (text, or one JSON object per line with LOG_FORMAT=json).

It lives below both the web layer (`events/middleware.py`) and the rules (`events/domain/`), so
that a domain module can log what a user typed without importing the web framework.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from datetime import UTC, datetime


def safe_log(value: object, limit: int = 200) -> str:
    """User input in a log line: no CR/LF or other control characters, bounded length."""
    text = str(value)[:limit]
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else "?" for ch in text)


# --- request ids and the log format ------------------------------------------------------------------

# The id of the request being served, for every log line written while it is (AccessLogMiddleware
# sets it). A contextvar: each request runs in its own task, so concurrent requests never mix.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("hackcity_request_id", default="")
# What an X-Request-ID from the reverse proxy must look like to be reused (nginx's $request_id is
# 32 hex digits); anything else is replaced by an id of our own, so a client cannot forge a log line.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The fields of an access log line (`extra=` of AccessLogMiddleware), written as they are in JSON.
ACCESS_FIELDS = ("client", "method", "path", "status", "duration_ms")


def new_request_id(proposed: str | None = None) -> str:
    """The proxy's id when it looks like one, else 16 random hex digits."""
    if proposed and REQUEST_ID_RE.fullmatch(proposed):
        return proposed
    return secrets.token_hex(8)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request's id when
    the line was written while serving one, the access log's fields, and the traceback if any.
    Every control character is escaped by JSON, so a message cannot break the line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = getattr(record, "request_id", None) or request_id.get()
        if current:
            data["request_id"] = current
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, default=str)


def configure_logging(*, log_format: str, debug: bool) -> None:
    """The root logger's output: text lines (`basicConfig`, the default) or JSON lines on stderr.

    Called by `create_app`, in every worker. Handlers already there (pytest's, or the JSON handler of
    `uvicorn_log_config`) are kept: the JSON handler is added only where none writes JSON yet."""
    level = logging.DEBUG if debug else logging.INFO
    root = logging.getLogger()
    if log_format != "json":
        logging.basicConfig(level=level)
        return
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)


def uvicorn_log_config(log_format: str) -> dict | None:
    """The logging configuration `hackcity serve` gives uvicorn: its own (text) by default; with
    LOG_FORMAT=json, uvicorn's lines and the app's through one JSON handler on stderr."""
    if log_format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "events.logs.JsonFormatter"}},
        "handlers": {
            "json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["json"], "level": "INFO"},
    }
