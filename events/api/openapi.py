"""The OpenAPI 3.1 document of `/api/v1`, generated from the routes' declarations (`Operation`) and
their pydantic models: nothing in it is written by hand but the words of the introduction.

`document(routes, base_url)` reads each API route's `operation`: its path (the `{name:id}` convertor
becomes an integer parameter), method, summary, query parameters, security (bearer token or none),
request body, success answer and the error answers it can give. The schemas come from pydantic in
JSON Schema 2020-12, which OpenAPI 3.1 uses as it is.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from events.api.routing import Error, Operation
from events.domain.numbers import MAX_ID
from events.i18n import lazy

VERSION = "1.0.0"
TITLE = "hackcity API"
INTRO = lazy(
    "Everything public in hackcity, as JSON: events, rounds, challenges, datasets with their licences, "
    "teams, the entries of public galleries, published results and awards. With a personal API token, "
    "an event's organisers read its registrants, teams, entries, scores and results, import datasets, "
    "invite people and move deadlines."
)
PATH_PARAM_RE = re.compile(r"\{([a-z_]+)(?::([a-z]+))?\}")
TAGS = {
    "public": lazy("Public reads: no token needed, open to other sites (CORS)."),
    "organisers": lazy("For an event's organisers, with a personal API token for that event."),
}
PATH_DESCRIPTIONS = {
    "slug": lazy("The event's name in addresses."),
    "challenge": lazy("The challenge's name in addresses."),
}
# What each error answer means, and which operations can give it.
ERRORS = {
    304: lazy("Not modified: the ETag sent in If-None-Match is still the current one."),
    400: lazy("The request could not be read: a page parameter, or the body's JSON."),
    401: lazy("No token, or a token that is not valid, revoked, or whose account is disabled."),
    403: lazy("The token's owner no longer organises the event, or the token is read-only."),
    404: lazy("Nothing here: no such event, object, or nothing the token may read."),
    413: lazy("The body is larger than allowed."),
    415: lazy("The body is not JSON."),
    422: lazy("Some values need to be fixed: the message per field says how."),
    429: lazy("Too many requests with this token: wait as long as Retry-After says."),
}
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": lazy(
        "A personal API token, made on your account page for one event you organise: "
        "Authorization: Bearer hc_…"
    ),
}
HEADERS = {
    "ETag": {
        "description": lazy("A version of the body, to send back in If-None-Match."),
        "schema": {"type": "string"},
    },
    "Link": {"description": lazy('The next page, as <address>; rel="next".'), "schema": {"type": "string"}},
    "Retry-After": {"description": lazy("Seconds to wait."), "schema": {"type": "string"}},
}


def operations(routes: list[BaseRoute]) -> list[Operation]:
    return [route.operation for route in routes if getattr(route, "operation", None) is not None]


def openapi_path(path: str) -> str:
    return PATH_PARAM_RE.sub(lambda match: "{" + match.group(1) + "}", path)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    parameters = []
    for name, convertor in PATH_PARAM_RE.findall(path):
        if convertor == "id":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            description = lazy("An id.")
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": 80}
            description = PATH_DESCRIPTIONS.get(name, "")
        parameters.append(
            {"name": name, "in": "path", "required": True, "schema": schema, "description": description}
        )
    return parameters


def _error_statuses(op: Operation) -> list[int]:
    statuses = [404]
    if op.method == "GET":
        statuses.append(304)
    if op.listing:
        statuses.append(400)
    if op.access.token:
        statuses += [401, 403, 429]
    if op.body is not None:
        statuses += [400, 413, 415, 422]
    return sorted(set(statuses))


def _json(schema_ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": schema_ref}}}


def _operation(op: Operation, refs: dict[tuple[type[BaseModel], str], dict]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": op.summary}
    response_model = op.response_model()
    if response_model is not None:
        success["content"] = {"application/json": {"schema": refs[(response_model, "serialization")]}}
    headers = {}
    if op.method == "GET":
        headers["ETag"] = HEADERS["ETag"]
    if op.listing:
        headers["Link"] = HEADERS["Link"]
    if headers:
        success["headers"] = headers
    responses: dict[str, Any] = {str(op.status): success}
    for status in _error_statuses(op):
        if status == 304:
            responses["304"] = {"description": ERRORS[304]}
            continue
        answer: dict[str, Any] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": refs[(Error, "serialization")]}},
        }
        if status == 429:
            answer["headers"] = {"Retry-After": HEADERS["Retry-After"]}
        responses[str(status)] = answer
    parameters = _path_parameters(op.path) + [
        {
            "name": param.name,
            "in": "query",
            "required": False,
            "schema": param.schema,
            "description": param.description,
        }
        for param in op.params
    ]
    built: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
        "security": [{"bearer": []}] if op.access.token else [],
    }
    if op.description:
        built["description"] = op.description
    if op.body is not None:
        built["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    return built


def document(routes: list[BaseRoute], *, base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API routes among `routes`."""
    ops = operations(routes)
    wanted: list[tuple[type[BaseModel], str]] = [(Error, "serialization")]
    for op in ops:
        response_model = op.response_model()
        if response_model is not None:
            wanted.append((response_model, "serialization"))
        if op.body is not None:
            wanted.append((op.body, "validation"))
    unique = list(dict.fromkeys(wanted))
    refs, schemas = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(openapi_path(op.path), {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": INTRO},
        "servers": [{"url": base_url}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": SECURITY_SCHEME},
        },
    }
