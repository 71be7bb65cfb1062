"""`hackcity serve` as it runs in production: the worker count, JSON logs, and /metrics adding up
every worker's numbers (prometheus_client's multiprocess mode, events/metrics.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ON_POSTGRES, free_port

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "metrics-token-0123456789abcdef"


def _environment(tmp_path: Path, database_url: str, port: int, **env: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "s" * 40,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SMTP_URL": "",
    }
    for name in ("FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT"):
        environment.pop(name, None)
    environment.update(env)
    return environment


def _hackcity(environment: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "events.cli", *args],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Served:
    """`hackcity serve` in a process of its own; `healthy` counts the health checks answered."""

    def __init__(self, tmp_path: Path, environment: dict[str, str], port: int, *args: str) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = tmp_path / f"serve-{port}.log"
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "events.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    *args,
                ],
                env=environment,
                cwd=tmp_path,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.healthy = 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, self.log()
            try:
                if _get(self.base_url + "/healthz")[0] == 200:
                    self.healthy += 1
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _scrape(base_url: str) -> dict:
    status, text = _get(base_url + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _health_check(port: int, base_url: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "PORT": str(port), "BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, str(ROOT / "docker" / "healthcheck.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )


HEALTH = ("hackcity_http_requests_total", (("method", "GET"), ("route", "/healthz"), ("status", "2xx")))


# --- the worker count ----------------------------------------------------------------------------


def test_serve_refuses_several_workers_asked_by_web_concurrency_on_sqlite(tmp_path):
    """uvicorn would read WEB_CONCURRENCY by itself (container platforms set it): it is checked too."""
    environment = _environment(tmp_path, f"sqlite://{tmp_path}/x.sqlite3", 8000, WEB_CONCURRENCY="3")

    result = _hackcity(environment, "serve", cwd=tmp_path)

    assert result.returncode == 2
    assert "3 workers asked for, but SQLite serves one process" in result.stderr
    assert "PostgreSQL" in result.stderr


@pytest.mark.parametrize("args", [("--workers", "0"), ("--workers", "-1")])
def test_serve_refuses_fewer_than_one_worker(tmp_path, args):
    environment = _environment(tmp_path, f"sqlite://{tmp_path}/x.sqlite3", 8000)

    result = _hackcity(environment, "serve", *args, cwd=tmp_path)

    assert result.returncode == 2
    assert "at least 1" in result.stderr


# --- one worker on SQLite: JSON logs, metrics through the multiprocess directory ------------------


def test_served_app_logs_json_lines_and_counts_requests_in_the_metrics_directory(tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left by a previous run")
    environment = _environment(
        tmp_path,
        f"sqlite://{tmp_path}/serve.sqlite3",
        port,
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    assert _hackcity(environment, "migrate", cwd=tmp_path).returncode == 0
    server = Served(tmp_path, environment, port)
    try:
        server.wait_until_healthy()
        for _ in range(4):
            assert _get(server.base_url + "/healthz", {"X-Request-ID": "proxy-id-0123456789"})[0] == 200
        assert _get(server.base_url + "/metrics")[0] == 401
        scrape = _scrape(server.base_url)
        files = sorted(path.name for path in metrics_dir.iterdir())
        # the image's health check (docker/healthcheck.py) sends BASE_URL's host, which the app accepts
        checks = [
            _health_check(port, base_url).returncode
            for base_url in (server.base_url, "https://somewhere-else.example.org")
        ]
    finally:
        server.stop()

    assert checks == [0, 1]

    assert scrape[HEALTH] == server.healthy + 4
    assert scrape[("hackcity_queue_length", (("queue", "outbox"),))] == 0
    assert "counter_999999.db" not in files  # the stale file was removed at start
    assert any(name.startswith("counter_") for name in files)

    records = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    assert records, server.log()
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "uvicorn.error" and "Started server process" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "hackcity.access" and r.get("path") == "/healthz"]
    assert [r["status"] for r in access] == [200] * (server.healthy + 4 + 1) + [400]
    access = access[: server.healthy + 4]
    last = access[-1]
    assert (last["method"], last["status"], last["request_id"]) == ("GET", 200, "proxy-id-0123456789")
    assert last["duration_ms"] >= 0
    assert last["level"] == "INFO"
    refused = [r for r in records if r["logger"] == "hackcity.access" and r.get("path") == "/metrics"]
    assert [r["status"] for r in refused] == [401, 200]
    assert all(len(r["request_id"]) == 16 for r in refused)  # no id from the client: one of ours


# --- two workers on PostgreSQL: one scrape adds up both ------------------------------------------


@pytest.mark.skipif(
    not ON_POSTGRES, reason="several workers need PostgreSQL: set TEST_DATABASE_URL=postgres://... to run"
)
def test_two_workers_report_their_requests_together(tmp_path, db, postgres_run_database):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    environment = _environment(
        tmp_path, postgres_run_database, port, METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    server = Served(tmp_path, environment, port, "--workers", "2")
    try:
        server.wait_until_healthy()
        deadline = time.monotonic() + 60
        while len(list(metrics_dir.glob("gauge_livesum_*.db"))) < 2:  # the second worker is up
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        for _ in range(30):  # a new connection each: both workers take some
            assert _get(server.base_url + "/healthz")[0] == 200
        scrapes = [_scrape(server.base_url) for _ in range(4)]
    finally:
        server.stop()

    assert [scrape[HEALTH] for scrape in scrapes] == [server.healthy + 30] * 4
    pids = {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}
    assert len(pids) >= 1
