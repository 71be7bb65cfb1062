"""Logs carry no secrets: mailed tokens are redacted, user input cannot forge a line."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from events.app import create_app
from events.logs import JsonFormatter, new_request_id, request_id, safe_log
from events.middleware import loggable_path
from events.settings import Settings, SettingsError
from tests.helpers import csrf_from


def test_tokens_in_paths_are_redacted():
    assert loggable_path("/password/reset/abc.def.ghi") == "/password/reset/[redacted]"
    assert loggable_path("/verify/secret-token") == "/verify/[redacted]"
    assert loggable_path("/events/x") == "/events/x"


def test_control_characters_cannot_forge_a_log_line():
    assert "\n" not in safe_log("a\r\nFAKE line")
    assert safe_log("a\r\nb") == "a\\x0d\\x0ab"
    assert safe_log("x" * 500, 10) == "x" * 10


async def test_access_log_has_no_token_and_no_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="hackcity.access"):
        await client.get("/password/reset/THE-SECRET-TOKEN?next=also-secret")
    lines = [r.getMessage() for r in caplog.records if r.name == "hackcity.access"]
    assert len(lines) == 1
    assert "/password/reset/[redacted] 400" in lines[0]
    assert "THE-SECRET-TOKEN" not in caplog.text
    assert "also-secret" not in caplog.text


async def test_a_malformed_multipart_body_logs_no_warning_from_the_parser(client, caplog):
    """python-multipart warns for each malformed part: a hostile client could fill the log."""
    caplog.set_level(logging.INFO)  # the root logger only: the app's own level for the parser stands
    token = await csrf_from(client, "/login")  # any visitor gets one: the body reaches the parser
    malformed = {"Content-Type": "multipart/form-data; boundary=xyz", "X-CSRF-Token": token}

    for body in (b"--abc\r\n\r\nhello", b"--xyzX\r\n\r\nhello", b"--xyz\r\nX"):
        response = await client.post("/login", content=body, headers=malformed)
        assert response.status_code == 400

    parser_records = [r for r in caplog.records if r.name.startswith("python_multipart")]
    assert parser_records == []
    assert logging.getLogger("python_multipart").getEffectiveLevel() == logging.ERROR


# --- request ids and JSON lines (LOG_FORMAT=json) --------------------------------------------------


def _record(message: str, *args, **extra) -> logging.LogRecord:
    record = logging.LogRecord("hackcity.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_is_one_object_on_one_line_whatever_the_message_holds():
    line = JsonFormatter().format(_record("user typed %s", 'a\r\n{"level": "FAKE"}\u2028é'))

    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    data = json.loads(line)
    assert data["message"] == 'user typed a\r\n{"level": "FAKE"}\u2028é'
    assert (data["level"], data["logger"]) == ("WARNING", "hackcity.test")
    assert data["time"].endswith("+00:00")
    assert "request_id" not in data  # written outside any request


def test_a_json_line_carries_the_current_request_id_and_the_traceback():
    token = request_id.set("abcdef0123456789")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = _record("failed")
            record.exc_info = sys.exc_info()
        data = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert data["request_id"] == "abcdef0123456789"
    assert "ValueError: boom" in data["exception"]


def test_a_request_id_from_the_proxy_is_kept_only_when_it_is_a_plain_token():
    assert new_request_id("0123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    for hostile in (None, "", "short", "a b c d e f g h", "x" * 65, "id\nFAKE line", "é" * 10):
        made = new_request_id(hostile)
        assert re.fullmatch(r"[0-9a-f]{16}", made), made


async def test_every_response_names_its_request_and_the_access_log_gives_its_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="hackcity.access"):
        mine = await client.get("/healthz")
        forwarded = await client.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
        hostile = await client.get("/healthz", headers={"X-Request-ID": "x\u00e9y FAKE".encode("latin-1")})

    assert re.fullmatch(r"[0-9a-f]{16}", mine.headers["x-request-id"])
    assert forwarded.headers["x-request-id"] == "nginx-0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{16}", hostile.headers["x-request-id"])
    records = [r for r in caplog.records if r.name == "hackcity.access"]
    assert [(r.method, r.path, r.status, r.client) for r in records] == [
        ("GET", "/healthz", 200, "203.0.113.7")
    ] * 3
    lines = [json.loads(JsonFormatter().format(record)) for record in records]
    assert [line.get("request_id") for line in lines] == [
        mine.headers["x-request-id"],
        "nginx-0123456789abcdef",
        hostile.headers["x-request-id"],
    ]
    assert all(line["duration_ms"] >= 0 and line["status"] == 200 for line in lines)
    assert request_id.get() == ""  # reset after each request


def test_log_format_json_adds_one_json_handler_to_the_root_logger(settings, monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # restored after the test
    monkeypatch.setattr(root, "level", root.level)

    create_app(settings.with_overrides(log_format="json"), manage_database=False)
    create_app(settings.with_overrides(log_format="json"), manage_database=False)

    json_handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(json_handlers) == 1


def test_log_format_is_text_or_json():
    base = Settings(testing=True, secret_key="k" * 40)
    base.with_overrides(log_format="json").check()
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        base.with_overrides(log_format="xml").check()
