"""Trusted proxies: X-Forwarded-For names the client only when the peer is a proxy that
FORWARDED_ALLOW_IPS names (none by default), so a spoofed header changes no rate limit; and
`hackcity serve` (uvicorn) does not believe the header from 127.0.0.1 on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from events.app import create_app
from events.domain import throttle
from events.middleware import ForwardedClientMiddleware
from events.models import Throttle
from events.settings import Settings, SettingsError
from tests.conftest import BASE_URL, free_port
from tests.helpers import make_user, post_form

EMAIL = "bob@example.org"
PASSWORD = "correct horse battery staple"
PROXY = "203.0.113.7"  # the `client` fixture's peer


def behind(settings: Settings, *proxies: str, peer: str = PROXY) -> httpx.AsyncClient:
    """A browser reaching an app that trusts `proxies`, through the peer `peer`."""
    app = create_app(settings.with_overrides(forwarded_allow_ips=proxies), manage_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 50003)), base_url=BASE_URL)


async def fail_login(browser: httpx.AsyncClient, forwarded: str) -> httpx.Response:
    return await post_form(
        browser,
        "/login",
        {"email": EMAIL, "password": "wrong password"},
        page="/login",
        headers={"X-Forwarded-For": forwarded},
    )


async def counted_clients() -> list[str]:
    keys = await Throttle.filter(rule="login-client").values_list("key_hash", flat=True)
    names = {
        throttle.digest(address): address for address in (PROXY, "198.51.100.20", "192.0.2.1", "192.0.2.9")
    }
    return sorted(names.get(key, key) for key in keys)


async def test_by_default_a_forwarded_for_header_changes_nothing(client):
    await fail_login(client, "198.51.100.20")

    assert await counted_clients() == [PROXY]


async def test_a_named_proxy_forwards_the_client_address(settings, db):
    browser = behind(settings, PROXY)

    response = await fail_login(browser, "198.51.100.20")

    assert response.status_code == 422
    assert await counted_clients() == ["198.51.100.20"]


async def test_a_named_network_of_proxies_and_a_chain_through_them(settings, db):
    browser = behind(settings, "203.0.113.0/24", "10.0.0.0/8")

    # The client wrote 192.0.2.1 itself; the outer proxy saw 198.51.100.20, the inner one 10.1.2.3.
    await fail_login(browser, "192.0.2.1, 198.51.100.20, 10.1.2.3")

    assert await counted_clients() == ["198.51.100.20"]


async def test_a_peer_that_is_not_a_named_proxy_is_not_believed(settings, db):
    browser = behind(settings, PROXY, peer="192.0.2.9")

    await fail_login(browser, "198.51.100.20")

    assert await counted_clients() == ["192.0.2.9"]


async def test_behind_a_named_proxy_one_client_failing_does_not_delay_another(settings, db):
    await make_user(EMAIL)
    browser = behind(settings, PROXY)
    for _ in range(throttle.LOGIN.free):
        await fail_login(browser, "198.51.100.20")
    assert (await fail_login(browser, "198.51.100.20")).status_code == 429

    other = await post_form(
        browser,
        "/login",
        {"email": EMAIL, "password": PASSWORD},
        page="/login",
        headers={"X-Forwarded-For": "192.0.2.1"},
    )

    assert other.status_code == 303


def test_the_middleware_reads_the_chain_from_the_right():
    middleware = ForwardedClientMiddleware(
        None, trusted=Settings(forwarded_allow_ips=("10.0.0.0/8",)).trusted_proxies
    )

    assert middleware.client_for("10.0.0.1", ["1.1.1.1, 2.2.2.2"]) == "2.2.2.2"
    assert middleware.client_for("10.0.0.1", ["1.1.1.1", "2.2.2.2, 10.0.0.5"]) == "2.2.2.2"
    assert middleware.client_for("10.0.0.1", ["10.0.0.9, 10.0.0.5"]) == "10.0.0.9"
    assert middleware.client_for("10.0.0.1", ["not-an-address"]) == "10.0.0.1"
    assert middleware.client_for("10.0.0.1", []) == "10.0.0.1"
    assert middleware.client_for("192.0.2.9", ["2.2.2.2"]) == "192.0.2.9"


def test_forwarded_allow_ips_is_read_and_checked(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert Settings.from_env(env_file=None).forwarded_allow_ips == ()

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", " 10.0.0.1, 172.16.0.0/12 ,,")
    settings = Settings.from_env(env_file=None)
    assert settings.forwarded_allow_ips == ("10.0.0.1", "172.16.0.0/12")
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.1/32", "172.16.0.0/12"]

    with pytest.raises(SettingsError, match="FORWARDED_ALLOW_IPS"):
        Settings(testing=True, forwarded_allow_ips=("*",)).check()


# --- hackcity serve ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _serve(tmp_path: Path, **env: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite://{tmp_path}/serve.sqlite3",
        "SECRET_KEY": "s" * 40,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    environment.pop("FORWARDED_ALLOW_IPS", None)
    environment.update(env)
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "events.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}", log_path


def _client_seen(tmp_path: Path, **env: str) -> str:
    """The client address the app logs for a request from 127.0.0.1 claiming to come from 6.6.6.6."""
    process, base_url, log_path = _serve(tmp_path, **env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                request = urllib.request.Request(
                    base_url + "/healthz", headers={"X-Forwarded-For": "6.6.6.6"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=15)
    lines = [line for line in log_path.read_text().splitlines() if "GET /healthz 200" in line]
    assert lines, log_path.read_text()
    return lines[-1].split("hackcity.access:")[1].split()[0]


def test_serve_ignores_forwarded_for_from_localhost_unless_named(tmp_path):
    assert _client_seen(tmp_path) == "127.0.0.1"
    assert _client_seen(tmp_path, FORWARDED_ALLOW_IPS="127.0.0.1") == "6.6.6.6"


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "events.cli", "serve", "--workers", "2"],
        env={**os.environ, "DATABASE_URL": f"sqlite://{tmp_path}/x.sqlite3", "SECRET_KEY": "s" * 40},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "SQLite serves one process" in result.stderr
