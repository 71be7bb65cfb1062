"""The JSON API (`/api/v1`), its OpenAPI document (`/api/openapi.json`) and its documentation page
(`/api/docs`). docs/ARCHITECTURE.md ("The API") describes how the pieces fit."""

from starlette.routing import BaseRoute

from events.api import docs, organiser, public


def api_routes() -> list[BaseRoute]:
    return [*public.routes, *organiser.routes, *docs.routes]
