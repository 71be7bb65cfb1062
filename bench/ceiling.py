"""The ceiling of each page: a bare Starlette app that answers the same pages as hackcity with the same
template and the same context, held in memory, and a bare write (one transactional upsert).

    BENCH_PLAN=plan.json python -m uvicorn bench.ceiling:create_app --factory --port 8001 --workers 2

`bench/run.py` serves it the way `hackcity serve` serves the app (uvicorn, same worker count) and
measures both with the same load: the ratio app / ceiling is what hackcity's middleware, sessions,
queries and per-request work cost on top of what the web stack and the templates cost anyway.

At start-up each worker renders every page of the plan once through the real app, in process (the
same database, the cookies of the plan's signed-in people), with a hook on `render` that keeps the
template's name, its context and the language; the API's answers are kept as the data they hold.
Then each request only renders that template with that context again (or serialises that data): no
middleware, no session, no query. `POST /__ceiling/upsert` (JSON `{"key", "value"}`) runs one
`INSERT … ON CONFLICT DO UPDATE` in a transaction on the app's database, the floor of a score save.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise
from tortoise.transactions import in_transaction

from events import i18n
from events.app import create_app as create_hackcity
from events.db import tortoise_config
from events.domain.sql import placeholders
from events.settings import Settings
from events.templating import templates

UPSERT = "INSERT INTO bench_ceiling (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_ceiling (k VARCHAR(64) PRIMARY KEY, v DOUBLE PRECISION NOT NULL)"
)


async def capture(settings: Settings, pages: list[dict[str, str]]) -> dict[str, tuple[str, Any, str]]:
    """Each page rendered once by the real app: path -> ("template", (name, context), language) or
    ("json", data, "")."""
    app = create_hackcity(settings, manage_database=False)
    seen: list[tuple[str, dict[str, Any], str]] = []
    original = templates.TemplateResponse

    def keep(request, name, context=None, *args, **kwargs):
        seen.append((name, dict(context or {}), i18n.get_language()))
        return original(request, name, context, *args, **kwargs)

    captured: dict[str, tuple[str, Any, str]] = {}
    templates.TemplateResponse = keep  # type: ignore[method-assign]
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            for page in pages:
                seen.clear()
                response = await client.get(page["path"], headers={"Cookie": page.get("cookie", "")})
                if response.status_code != 200:
                    raise RuntimeError(f"ceiling: {page['path']} answered {response.status_code}")
                if response.headers["content-type"].startswith("text/html"):
                    name, context, language = seen[-1]
                    context.pop("request", None)
                    captured[page["path"]] = ("template", (name, context), language)
                else:
                    captured[page["path"]] = ("json", response.json(), "")
    finally:
        templates.TemplateResponse = original  # type: ignore[method-assign]
    return captured


def create_app() -> Starlette:
    settings = Settings.from_env()
    plan = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
    pages: dict[str, tuple[str, Any, str]] = {}

    async def page(request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        found = pages.get(path)
        if found is None:
            return Response("not captured", status_code=404)
        kind, data, language = found
        if kind == "json":
            return JSONResponse(data)
        i18n.set_language(language)
        name, context = data
        return templates.TemplateResponse(request, name, dict(context))

    async def upsert(request: Request) -> Response:
        data = json.loads(await request.body())
        async with in_transaction() as conn:
            await conn.execute_query(
                placeholders(conn.capabilities.dialect, UPSERT), [str(data["key"]), float(data["value"])]
            )
        return JSONResponse({"saved": data["key"]})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            pages.update(await capture(settings, plan["pages"]))
            yield

    return Starlette(
        routes=[
            Route("/__ceiling/upsert", upsert, methods=["POST"]),
            Route("/__ceiling/ready", lambda _request: Response("ready")),
            Route("/{path:path}", page),
        ],
        lifespan=lifespan,
    )
