"""Thin HTTP handlers, grouped by audience. `all_routes()` is the app's whole URL map."""

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from events.routes import account, admin, auth, datasets, organiser, public
from events.templating import STATIC_DIR


def all_routes() -> list[BaseRoute]:
    return [
        *public.routes,
        *auth.routes,
        *account.routes,
        *organiser.routes,
        *datasets.routes,
        *admin.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
