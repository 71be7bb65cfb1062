"""The OpenAPI 3.1 document is generated from the routes: every API route is in it, its references
resolve, and what the API answers matches it; `/api/docs` shows it to people, in their language."""

from __future__ import annotations

import html
import re

import jsonschema_rs
import pytest
from starlette.routing import Route

from events import i18n
from events.api.openapi import openapi_path
from seeds.demo import load_demo
from tests.routes.test_pages import H1_RE, browser, in_language, text

LYON = "hackathon-mobilite-lyon-2026"


async def _document(client) -> dict:
    answer = await client.get("/api/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    return answer.json()


def _api_routes(app) -> set[tuple[str, str]]:
    return {
        (openapi_path(route.path), method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/v1")
        for method in route.methods - {"HEAD", "OPTIONS"}
    }


async def test_every_api_route_is_in_the_document(app, client):
    document = await _document(client)
    served = _api_routes(app)
    described = {(path, method) for path, methods in document["paths"].items() for method in methods}

    assert len(served) >= 20
    assert served - described == set(), "API routes missing from /api/openapi.json"
    assert described - served == set(), "operations in /api/openapi.json that the app does not serve"


async def test_a_route_added_without_its_declaration_would_be_missing(app, client):
    """The check above sees a route that was not declared as an Operation."""
    document = await _document(client)

    async def stray(request):  # pragma: no cover - never called
        raise AssertionError

    app.router.routes.insert(0, Route("/api/v1/stray", stray, methods=["GET"]))
    described = {(path, method) for path, methods in document["paths"].items() for method in methods}

    assert _api_routes(app) - described == {("/api/v1/stray", "get")}


async def test_the_document_is_openapi_3_1_with_bearer_tokens_and_resolvable_schemas(client):
    document = await _document(client)
    schemas = document["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(document).replace("'", '"'))

    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://testserver"}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert refs and set(refs) <= set(schemas)
    for schema in schemas.values():
        jsonschema_rs.meta.validate(schema)
    token_ops = public_ops = 0
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            parameters = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert parameters == set(re.findall(r"\{([a-z_]+)\}", path)), path
            if path.startswith("/api/v1/events/{slug}/manage") or path == "/api/v1/token":
                token_ops += 1
                assert op["security"] == [{"bearer": []}], path
                assert {"401", "403", "429"} <= set(op["responses"]), path
            else:
                public_ops += 1
                assert op["security"] == [], path
            assert "404" in op["responses"]
            if method == "get":
                assert "ETag" in next(iter(op["responses"].values()))["headers"]
    assert (token_ops, public_ops) == (10, 12)


def _validator(document: dict, name: str) -> jsonschema_rs.Draft202012Validator:
    """A validator of one schema of the document, its references resolved within the document (the
    JSON Schema library schemathesis uses)."""
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    )


async def test_public_answers_match_their_schema_on_the_demo_data(client):
    await load_demo()
    document = await _document(client)
    checked = 0
    for path, methods in document["paths"].items():
        op = methods.get("get")
        if op is None or op["security"] or "{" in path.replace("{slug}", ""):
            continue
        url = path.replace("{slug}", LYON)
        answer = await client.get(url)
        assert answer.status_code == 200, url
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        errors = list(_validator(document, ref.rsplit("/", 1)[1]).iter_errors(answer.json()))
        assert errors == [], (url, errors[:1])
        checked += 1
    error = await client.get("/api/v1/events/none")
    assert list(_validator(document, "Error").iter_errors(error.json())) == []
    assert checked == 9


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_docs_page_shows_every_operation_in_the_readers_language(client, make_client, language):
    document = await _document(client)
    reader = await browser(make_client, "anonymous", language)

    page = await reader.get("/api/docs")

    assert page.status_code == 200
    assert [html.unescape(h1) for h1 in H1_RE.findall(page.text)] == [
        in_language(language, text("hackcity API"))
    ]
    summaries = [op["summary"] for methods in document["paths"].values() for op in methods.values()]
    assert len(summaries) == 22
    for summary in summaries:
        shown = in_language(language, lambda _params, s=summary: i18n.gettext(s))
        assert html.escape(shown, quote=False) in page.text.replace("&#39;", "'"), summary
    assert 'href="/api/openapi.json"' in page.text
    assert "<script" not in page.text
    if language == "fr":
        assert "Published and archived events" not in page.text
        assert "cursor (dans la requête)" in page.text
        assert "(in the query)" not in page.text


async def test_the_footer_links_to_the_api_docs(client):
    page = await client.get("/")

    footer = page.text.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/api/docs">' in footer
