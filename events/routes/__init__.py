"""Thin HTTP handlers, grouped by audience. `all_routes()` is the app's whole URL map."""

from starlette.routing import BaseRoute, Mount

from events.api import api_routes
from events.routes import (
    account,
    admin,
    announcements,
    api_tokens,
    auth,
    awards,
    branding,
    challenges,
    criteria,
    datapackage,
    datasets,
    entries,
    explain,
    gallery,
    jury,
    jury_results,
    jury_sessions,
    live,
    metrics,
    organiser,
    people_import,
    public,
    reuses,
    rounds,
    score_log,
    selection,
    teams,
    votes,
    webhooks,
)
from events.templating import STATIC_DIR, StaticAssets


def all_routes() -> list[BaseRoute]:
    return [
        # Organiser routes first: /events/new must win over the public /events/{slug}.
        *organiser.routes,
        *branding.routes,
        *people_import.routes,
        *announcements.routes,
        *webhooks.routes,
        *datapackage.routes,
        *rounds.routes,
        *criteria.routes,
        *jury_sessions.routes,
        *jury_results.routes,
        *score_log.routes,
        *live.routes,
        *explain.routes,
        *awards.routes,
        *reuses.routes,
        *challenges.routes,
        *datasets.routes,
        *teams.routes,
        *entries.routes,
        *selection.routes,
        *gallery.routes,
        *jury.routes,
        *votes.routes,
        *public.routes,
        *metrics.routes,
        *auth.routes,
        *account.routes,
        *api_tokens.routes,
        *admin.routes,
        *api_routes(),
        Mount("/static", app=StaticAssets(directory=STATIC_DIR), name="static"),
    ]
