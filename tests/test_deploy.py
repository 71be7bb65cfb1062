"""The production files (Dockerfile, compose.yaml, docker/) and the health check they rely on.

Docker is not run here: the files are read, parsed and checked against the app they start (every
variable compose sets is one the app or the entrypoint reads; the image runs as a user, exposes the
port and checks /healthz). docs/DEPLOY.md is checked against the metrics the app exports.
`tests/test_serve.py` runs docker/healthcheck.py against a served app."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families
from tortoise.context import TortoiseContext

from events import auth
from events.app import create_app
from events.db import tortoise_config
from events.settings import Settings
from tests.conftest import BASE_URL, free_port
from tests.test_docs import settings_read_by_from_env

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


# --- Dockerfile -----------------------------------------------------------------------------------


def test_the_image_is_python_3_12_slim_and_runs_as_an_unprivileged_user():
    steps = instructions(DOCKERFILE)
    assert steps[0] == ("FROM", "python:3.12-slim")
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users, "no USER: the app would run as root"
    assert users[-1] not in ("root", "0", "0:0")
    assert "useradd" in DOCKERFILE and users[-1].split(":")[0] in DOCKERFILE.split("useradd", 1)[1]
    # nothing runs after the last USER that would need root
    after = steps[[keyword for keyword, _ in steps].index("USER") :]
    assert "RUN" not in [keyword for keyword, _ in after]


def test_the_image_installs_the_app_exposes_its_port_and_checks_its_health():
    steps = dict(instructions(DOCKERFILE))
    runs = " ".join(arguments for keyword, arguments in instructions(DOCKERFILE) if keyword == "RUN")
    assert re.search(r"pip install (--editable|-e) \.", runs)
    assert steps["EXPOSE"] == "8000"
    assert "healthcheck.py" in steps["HEALTHCHECK"]
    assert "/healthz" in (ROOT / "docker" / "healthcheck.py").read_text()
    assert "entrypoint.sh" in steps["ENTRYPOINT"]
    copied = " ".join(arguments for keyword, arguments in instructions(DOCKERFILE) if keyword == "COPY")
    for needed in ("events", "seeds", "templates", "static", "pyproject.toml", "docker/entrypoint.sh"):
        assert needed in copied, needed


def test_the_entrypoint_migrates_then_serves_the_workers_asked_for():
    script = ENTRYPOINT.read_text()
    assert script.index("hackcity migrate") < script.index("hackcity serve")
    assert re.search(r'exec hackcity serve .*--workers "\$\{WORKERS:-2\}"', script)
    assert '"${SEED:-0}" = "1"' in script and "hackcity seed" in script
    assert ENTRYPOINT.stat().st_mode & 0o111, "not executable"
    if shutil.which("sh"):
        assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True).returncode == 0


def test_the_build_context_leaves_out_the_secrets_and_the_local_data():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".git", ".venv", "data", "tests"} <= ignored


# --- compose.yaml ---------------------------------------------------------------------------------


def test_compose_runs_the_app_on_postgres_16_with_volumes():
    services = compose()["services"]
    assert set(services) == {"app", "db"}
    db, app = services["db"], services["app"]
    assert db["image"] == "postgres:16"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert db["healthcheck"]["test"]
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    environment = app["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://hackcity:${POSTGRES_PASSWORD}@db:5432/")
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # from .env, or compose refuses
    assert environment["WORKERS"] == "${WORKERS:-2}"
    assert "BASE_URL" in environment
    uploads = environment["UPLOAD_DIR"]
    assert any(volume.split(":", 1)[1] == uploads for volume in app["volumes"])
    assert set(compose()["volumes"]) >= {volume.split(":")[0] for volume in app["volumes"] + db["volumes"]}
    # published on the host's loopback only, for the reverse proxy
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])


def test_every_variable_compose_gives_the_app_is_read_by_it(monkeypatch):
    known = set(settings_read_by_from_env(monkeypatch)) | {"WORKERS", "SEED"}  # the entrypoint's
    given = set(compose()["services"]["app"]["environment"])
    assert sorted(given - known) == []


# --- docs/DEPLOY.md -------------------------------------------------------------------------------


async def test_the_deploy_guide_lists_every_metric_the_app_exports(settings, db):
    app = create_app(settings.with_overrides(metrics_token="t" * 16), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        await client.get("/healthz")
        text = (await client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 16})).text
    exported = {family.name for family in text_string_to_metric_families(text)}
    guide = (ROOT / "docs/DEPLOY.md").read_text()
    documented = set(re.findall(r"`(hackcity_[a-z_]+)`", guide))
    counters = {"hackcity_http_requests"}  # exported as hackcity_http_requests_total
    assert exported - counters <= documented
    assert documented <= exported | {name + "_total" for name in counters}


# --- /healthz -------------------------------------------------------------------------------------


async def test_healthz_answers_200_while_the_database_answers(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "set-cookie" not in response.headers


async def test_healthz_answers_503_when_the_database_is_unreachable():
    url = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    settings = Settings(testing=True, secret_key="k" * 40, base_url=BASE_URL, database_url=url)
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        app = create_app(settings, manage_database=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
            response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


async def test_the_probes_skip_the_session_lookup(settings, db, monkeypatch):
    """No sign-in lookup for what a monitor asks every few seconds (CurrentUserMiddleware)."""
    looked_up: list[str] = []

    async def load_user(request):
        looked_up.append(request.url.path)
        return None

    monkeypatch.setattr(auth, "load_user", load_user)
    app = create_app(settings.with_overrides(metrics_token="t" * 16), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        client.cookies.set("hackcity_session", "anything")
        assert (await client.get("/healthz")).status_code == 200
        assert (
            await client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 16})
        ).status_code == 200
        assert (await client.get("/privacy")).status_code == 200

    assert looked_up == ["/privacy"]
