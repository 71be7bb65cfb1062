"""Jinja2 environment: autoescaped `.html` templates, i18n, and the helpers every page uses."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from events import i18n
from events.csrf import masked_csrf_token
from events.domain import figures
from events.domain.awards import award_title
from events.domain.branding import DEFAULT as DEFAULT_BRANDING
from events.domain.errors import RateLimited
from events.domain.events import role_label
from events.domain.frequencies import frequency_label
from events.domain.links import is_web_url
from events.flash import pop_flashes
from events.markdown import excerpt, render_markdown

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"


_static_versions: dict[str, str] = {}
IMMUTABLE = "public, max-age=31536000, immutable"


def static_version(path: str) -> str:
    """The first 10 hex digits of the file's SHA-256, read once per process: pages link
    `/static/<path>?v=<version>`, so a new version of a file is a new address."""
    if path not in _static_versions:
        try:
            _static_versions[path] = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
        except OSError:
            return "0"
    return _static_versions[path]


class StaticAssets(StaticFiles):
    """Our static files. Asked for with the version of their current content (what `static_url`
    writes), they are cached for a year, `immutable`: a browser never asks again, and a change is a
    new address. Otherwise (no version, an old one) they must be revalidated (ETag)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = QueryParams(scope.get("query_string", b"")).get("v")
            current = bool(asked) and asked == static_version(path.replace("\\", "/"))
            response.headers["Cache-Control"] = IMMUTABLE if current else "no-cache"
        return response


_JSON_IN_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_ld(data: dict[str, Any]) -> Markup:
    """Linked data for a page's head: a `<script type="application/ld+json">` whose JSON cannot end
    the script element, whatever the titles hold (`</script>` becomes `\\u003c/script\\u003e`)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_IN_HTML.items():
        text = text.replace(char, escaped)
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704 - escaped above


_ids = itertools.count(1)


@jinja2.pass_context
def unique_id(context: jinja2.runtime.Context, prefix: str) -> str:
    """An id no other element of the page has (a table's caption, named by its scroll region):
    numbered from 1 in each page (the request keeps the count), so a page reads the same each time."""
    request = context.get("request")
    if request is None:  # a template rendered outside a request: unique in the process
        return f"{prefix}-x{next(_ids)}"
    number = getattr(request.state, "template_ids", 0) + 1
    request.state.template_ids = number
    return f"{prefix}-{number}"


def figure_bars(items, labels: dict | None = None, **options: Any) -> figures.Figure:
    """`figures.bars` for a template, the items' keys replaced by their `labels` in the reader's language."""
    if labels:
        items = [(labels.get(key, key), value) for key, value in items]
    return figures.bars(items, **options)


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext_for_templates, newstyle=True)
    env.filters["markdown"] = render_markdown
    env.filters["excerpt"] = excerpt
    env.filters["frequency"] = frequency_label
    # Numbers and sizes in the reader's language ("76,79", "0,6 Ko"); exports stay machine-readable.
    env.filters["number"] = i18n.format_number
    env.filters["percent"] = i18n.format_percent
    env.filters["filesize"] = i18n.format_size
    env.filters["megabytes"] = i18n.format_megabytes
    env.filters["award_title"] = award_title
    env.tests["web_url"] = is_web_url

    def static_url(path: str) -> str:
        return f"/static/{path}?v={static_version(path)}"

    env.globals.update(
        static_url=static_url,
        format_when=i18n.format_when,
        format_day=i18n.format_day,
        format_calendar_day=i18n.format_calendar_day,
        unique_id=unique_id,
        bars=figure_bars,
        ranges=figures.ranges,
        days=figures.columns,
        format_time=i18n.format_time,
        timezone_note=i18n.timezone_note,
        get_language=i18n.get_language,
        role_label=role_label,
        json_ld=json_ld,
    )
    return env


templates = Jinja2Templates(env=build_environment())


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200):
    """Render a page with what the base layout needs: user, CSRF token, flash messages, language."""
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": masked_csrf_token(request),
        "flashes": pop_flashes(request),
        "language": i18n.get_language(),
        "nav": getattr(request.state, "nav", {}),
        "errors": {},
        "values": {},
        "page_url": page_url(request),
        "site_url": site_url(request),
        # the instance's name, colours, logo and footer links (read by the middleware, cached)
        "branding": getattr(request.state, "branding", DEFAULT_BRANDING),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def site_url(request: Request) -> str:
    """The site's public origin (BASE_URL, never the Host header), for addresses on other sites."""
    settings = getattr(request.app.state, "settings", None) if "app" in request.scope else None
    return settings.base_url.rstrip("/") if settings is not None else ""


def page_url(request: Request) -> str | None:
    """The page's public address (from BASE_URL, never the Host header), for social cards."""
    site = site_url(request)
    return site + request.url.path if site else None


def refused(response, error: RateLimited):
    """A page rendered again for a request that a rate limit refused: 429, with Retry-After."""
    response.status_code = 429
    response.headers["Retry-After"] = error.retry_after
    return response


def render_text(name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template (mail bodies), in the current language."""
    return templates.env.get_template(name).render(context)
