"""The API's description for machines (`/api/openapi.json`) and for people (`/api/docs`).

Both come from the same document, generated from the app's routes (`events/api/openapi.py`). The
page is our own template: no script, no CDN; its words go through the catalogue, the summaries and
field descriptions of the document included (they are English source text marked with `lazy`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events.api import openapi
from events.auth import PUBLIC, route
from events.i18n import _
from events.templating import render

MAX_DEPTH = 4


@dataclass
class FieldRow:
    name: str
    kind: str
    required: bool
    description: str


@dataclass
class OperationView:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    needs_token: bool
    parameters: list[FieldRow] = field(default_factory=list)
    body: list[FieldRow] = field(default_factory=list)
    answer: list[FieldRow] = field(default_factory=list)
    status: str = "200"
    errors: list[tuple[str, str]] = field(default_factory=list)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return components.get(ref.rsplit("/", 1)[-1], {})
    return schema


def _translated(text: Any) -> str:
    return _(text) if isinstance(text, str) and text else ""


def type_label(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A schema's type in words, in the reader's language."""
    if "anyOf" in schema:
        kinds = [type_label(part, components) for part in schema["anyOf"]]
        if len(kinds) == 1:
            return kinds[0]
        return _("%(first)s or %(last)s", first=", ".join(kinds[:-1]), last=kinds[-1])
    schema = _resolve(schema, components)
    if "enum" in schema:
        return _("one of %(values)s", values=", ".join(json.dumps(v) for v in schema["enum"]))
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        return _("list of %(kind)s", kind=type_label(schema.get("items", {}), components))
    labels = {
        "string": _("date and time (ISO 8601)") if schema.get("format") == "date-time" else _("text"),
        "integer": _("whole number"),
        "number": _("number"),
        "boolean": _("true or false"),
        "object": _("object"),
        "null": "null",
    }
    return labels.get(kind, _("any value")) if isinstance(kind, str) else _("any value")


def _object_of(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any] | None:
    """The object a schema holds (itself, the items of a list, or the non-null branch)."""
    schema = _resolve(schema, components)
    if schema.get("type") == "object" and "properties" in schema:
        return schema
    if schema.get("type") == "array":
        return _object_of(schema.get("items", {}), components)
    for part in schema.get("anyOf", []):
        found = _object_of(part, components)
        if found is not None:
            return found
    return None


def field_rows(
    schema: dict[str, Any], components: dict[str, Any], prefix: str = "", depth: int = 0
) -> list[FieldRow]:
    """The fields of an object schema, nested ones as dotted names (`data.licence.spdx`)."""
    target = _object_of(schema, components)
    if target is None or depth > MAX_DEPTH:
        return []
    rows = []
    required = set(target.get("required", []))
    for name, part in target.get("properties", {}).items():
        resolved = _resolve(part, components)
        is_list = resolved.get("type") == "array"
        full = f"{prefix}{name}" + ("[]" if is_list else "")
        description = part.get("description") or resolved.get("description", "")
        rows.append(FieldRow(full, type_label(part, components), name in required, _translated(description)))
        rows += field_rows(part, components, prefix=full + ".", depth=depth + 1)
    return rows


def _parameter_name(name: str, where: str) -> str:
    if where == "path":
        return _("%(name)s (in the path)", name=name)
    return _("%(name)s (in the query)", name=name)


def operation_views(document: dict[str, Any]) -> dict[str, list[OperationView]]:
    """The document's operations grouped by tag, ready for the template."""
    components = document["components"]["schemas"]
    grouped: dict[str, list[OperationView]] = {tag["name"]: [] for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            status, success = next(iter(op["responses"].items()))
            content = success.get("content", {}).get("application/json", {}).get("schema")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            grouped[op["tags"][0]].append(
                OperationView(
                    anchor=op["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=_translated(op["summary"]),
                    description=_translated(op.get("description")),
                    needs_token=bool(op["security"]),
                    parameters=[
                        FieldRow(
                            _parameter_name(p["name"], p["in"]),
                            type_label(p["schema"], components),
                            p["required"],
                            _translated(p.get("description")),
                        )
                        for p in op["parameters"]
                    ],
                    body=field_rows(body, components) if body else [],
                    answer=field_rows(content, components) if content else [],
                    status=status,
                    errors=[
                        (code, _translated(answer["description"]))
                        for code, answer in op["responses"].items()
                        if code != status
                    ],
                )
            )
    return grouped


def _document(request: Request) -> dict[str, Any]:
    return openapi.document(request.app.routes, base_url=request.app.state.settings.base_url.rstrip("/"))


async def openapi_json(request: Request):
    """The OpenAPI 3.1 document, generated from the routes."""
    body = json.dumps(_document(request), ensure_ascii=False, indent=1).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match", "").strip() == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def api_docs(request: Request):
    """The API's documentation page, rendered from the OpenAPI document."""
    document = _document(request)
    base_url = request.app.state.settings.base_url.rstrip("/")
    return render(
        request,
        "api/docs.html",
        {
            "groups": operation_views(document),
            "tags": {tag["name"]: _translated(tag["description"]) for tag in document["tags"]},
            "intro": _translated(document["info"]["description"]),
            "base_url": base_url,
            "version": document["info"]["version"],
        },
    )


routes = [
    route("/api/openapi.json", openapi_json, access=PUBLIC, name="api_openapi"),
    route("/api/docs", api_docs, access=PUBLIC),
]
