"""`/metrics`: the app's metrics in Prometheus' text format (events/metrics.py), for the token only.

No session is read and no page is rendered on the way (`CurrentUserMiddleware` skips the path): a
scrape every few seconds costs the count of requests it reads, and the queues' two queries each.
Without METRICS_TOKEN the address does not exist (404, like any unknown page); with it, a request
without `Authorization: Bearer <METRICS_TOKEN>` gets 401 and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from events.auth import PUBLIC, route
from events.metrics import exposition

# Prometheus' text format, version 0.0.4: what every Prometheus server reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


def token_matches(header: str, token: str) -> bool:
    """`Bearer <token>`, compared in constant time (digests: neither the length nor non-ASCII
    characters change the comparison's time or raise)."""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(_digest(credentials.strip()), _digest(token))


async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if not token:
        raise HTTPException(status_code=404)
    if not token_matches(request.headers.get("authorization", ""), token):
        return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(await exposition(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


routes = [route("/metrics", metrics, access=PUBLIC)]
