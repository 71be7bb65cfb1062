"""Logs carry no secrets: mailed tokens are redacted, user input cannot forge a line."""

from __future__ import annotations

import logging

from events.logs import safe_log
from events.middleware import loggable_path
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
