"""Who is signed in, and who may do what: server-side sessions and the one authorisation helper.

Every route is declared with `route(path, endpoint, access=...)`. A route without an access
policy cannot be built (new routes fail closed), and the policy runs before the handler.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import events.urls  # noqa: F401 - registers the {name:id} path convertor before any route is built
from events.domain.events import may_create_events
from events.forms import fits
from events.logs import safe_log
from events.models import Event, EventRole, Role, User, UserSession

log = logging.getLogger("hackcity.auth")
SESSION_KEY = "auth"
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
SESSION_LIFETIME = timedelta(days=14)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def session_key_hash(request: Request) -> str | None:
    key = request.session.get(SESSION_KEY)
    return _hash(key) if isinstance(key, str) else None


async def login(request: Request, user: User) -> None:
    """Start a new session: the cookie's whole content (and so its value) changes at login."""
    previous = session_key_hash(request)
    if previous:
        await UserSession.filter(key_hash=previous).delete()
    key = secrets.token_urlsafe(32)
    await UserSession.create(
        key_hash=_hash(key), user=user, user_agent=request.headers.get("user-agent", "")[:200]
    )
    language = request.session.get("lang")
    request.session.clear()
    request.session[SESSION_KEY] = key
    if language:
        request.session["lang"] = language
    user.last_login_at = datetime.now(UTC)
    await user.save(update_fields=["last_login_at"])


async def logout(request: Request) -> None:
    key_hash = session_key_hash(request)
    if key_hash:
        await UserSession.filter(key_hash=key_hash).delete()
    request.session.clear()


async def revoke_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session of a user (but `keep`, the current one's hash, if given)."""
    query = UserSession.filter(user_id=user.id)
    if keep:
        query = query.exclude(key_hash=keep)
    return await query.delete()


async def load_user(request: Request) -> User | None:
    key_hash = session_key_hash(request)
    if not key_hash:
        return None
    session = await UserSession.get_or_none(key_hash=key_hash).select_related("user")
    now = datetime.now(UTC)
    if session is None or session.created_at < now - SESSION_LIFETIME or not session.user.is_active:
        request.session.pop(SESSION_KEY, None)
        return None
    if session.last_seen_at < now - SESSION_TOUCH_INTERVAL:
        await UserSession.filter(id=session.id).update(last_seen_at=now)
    return session.user


# --- access policies --------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may use a route. `check` returns None to let the request through or a response."""

    name: str
    signed_in: bool = False
    admin: bool = False
    event_roles: frozenset[Role] = field(default_factory=frozenset)
    anonymous_only: bool = False
    # Organises at least one event (or is an admin): who may create a new event.
    organises_any_event: bool = False

    async def check(self, request: Request) -> Response | None:
        user: User | None = request.state.user
        if "slug" in request.path_params:
            request.state.event = await visible_event(request, user)
        if self.anonymous_only and user is not None:
            return RedirectResponse("/account", status_code=303)
        if not (self.signed_in or self.admin or self.event_roles):
            return None
        if user is None:
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if self.admin and not user.is_admin:
            raise forbidden(request)
        if self.organises_any_event and not await may_create_events(user):
            raise forbidden(request)
        if self.event_roles and not user.is_admin:
            event = request.state.event
            roles = await roles_in(event, user)
            if not roles & self.event_roles:
                raise forbidden(request)
        return None


PUBLIC = Access("public")
ANONYMOUS_ONLY = Access("anonymous_only", anonymous_only=True)
SIGNED_IN = Access("signed_in", signed_in=True)
ADMIN = Access("admin", admin=True)
# Platform admins, and anyone who already organises an event, may create events.
EVENT_CREATOR = Access("event_creator", signed_in=True, organises_any_event=True)


def event_role(*roles: Role) -> Access:
    return Access("event:" + "+".join(sorted(roles)), signed_in=True, event_roles=frozenset(roles))


ORGANISER = event_role(Role.ORGANISER)


def forbidden(request: Request) -> HTTPException:
    user = request.state.user
    log.warning(
        "refused %s %s for user %s", request.method, safe_log(request.url.path), user.id if user else "-"
    )
    return HTTPException(status_code=403)


def not_found(request: Request) -> HTTPException:
    user = getattr(request.state, "user", None)
    log.info(
        "not found %s %s for user %s", request.method, safe_log(request.url.path), user.id if user else "-"
    )
    return HTTPException(status_code=404)


async def roles_in(event: Event, user: User | None) -> frozenset[Role]:
    if user is None:
        return frozenset()
    rows = await EventRole.filter(event_id=event.id, user_id=user.id).values_list("role", flat=True)
    return frozenset(Role(r) for r in rows)


async def visible_event(request: Request, user: User | None) -> Event:
    """The event named in the URL; drafts are 404 to anyone who holds no role in them."""
    slug = request.path_params["slug"]
    event = await Event.get_or_none(slug=slug) if fits(Event, "slug", slug) else None
    if event is None:
        raise not_found(request)
    if not event.is_published and not (user and (user.is_admin or await roles_in(event, user))):
        raise not_found(request)
    return event


Endpoint = Callable[[Request], Awaitable[Response]]


def route(
    path: str,
    endpoint: Endpoint,
    *,
    access: Access,
    methods: tuple[str, ...] = ("GET",),
    name: str | None = None,
) -> Route:
    if not isinstance(access, Access):
        raise TypeError(f"route {path} needs an access policy")

    async def guarded(request: Request) -> Response:
        refusal = await access.check(request)
        if refusal is not None:
            return refusal
        return await endpoint(request)

    guarded.__name__ = endpoint.__name__
    guarded.__doc__ = endpoint.__doc__
    built = Route(path, guarded, methods=list(methods), name=name or endpoint.__name__)
    built.access = access  # read by the role-matrix test
    return built
