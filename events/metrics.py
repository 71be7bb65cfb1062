"""Prometheus metrics, read at `/metrics` with the METRICS_TOKEN (events/routes/metrics.py).

What is measured:
- `hackcity_http_requests_total{method, route, status}`: requests by route template
  (`/events/{slug}`, never the address itself: the number of series stays bounded whatever is
  requested) and status class (`2xx` … `5xx`); `route="unmatched"` for addresses no route serves.
- `hackcity_http_request_duration_seconds{method, route}`: a histogram of the time to serve a
  request, to the end of its body (a live page's stream counts its whole life: read its route apart).
- `hackcity_http_requests_in_progress`, `hackcity_sse_connections`: requests being served now, and
  among them the open server-sent event streams (the live pages).
- `hackcity_queue_length{queue}`, `hackcity_queue_oldest_seconds{queue}`: the backlog of each queue
  in `QUEUES` (the mail outbox…) and the age of its oldest item, read from the database at each scrape.

Several processes (`hackcity serve --workers N`): a scrape reaches one worker, and each worker
counts only its own requests. `hackcity serve` therefore turns on prometheus_client's multiprocess
mode: every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR and the worker that
answers a scrape adds them all up, so one scrape shows the whole app (the counters of a worker that
exits stay counted; the gauges count live workers only). Without that directory (the tests, an app
run by another server) the values are the process's own.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.models import DeliveryStatus, MailStatus, OutboxMessage, WebhookDelivery

log = logging.getLogger("hackcity")
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"

# The `_created` timestamps of counters and histograms: not exported in multiprocess mode, so not
# exported at all (one app process shows what several would).
disable_created_metrics()
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "hackcity_http_requests",
    "HTTP requests served, by route template and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "hackcity_http_request_duration_seconds",
    "Time to serve an HTTP request, to the end of its body.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0),
    registry=REGISTRY,
)
IN_PROGRESS = Gauge(
    "hackcity_http_requests_in_progress",
    "HTTP requests being served now.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
SSE_CONNECTIONS = Gauge(
    "hackcity_sse_connections",
    "Server-sent event streams open now (the live pages).",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)


@dataclass(frozen=True)
class Queue:
    """A table used as a queue: its rows matching `waiting` are the backlog, `since` dates them."""

    model: Any
    waiting: dict[str, Any] = field(default_factory=dict)
    since: str = "created_at"

    async def backlog(self) -> tuple[int, float]:
        """How many items wait, and for how many seconds the oldest has waited (0 when none)."""
        rows = self.model.filter(**self.waiting)
        count = await rows.count()
        oldest = await rows.order_by(self.since).limit(1).values_list(self.since, flat=True)
        age = (time.time() - oldest[0].timestamp()) if oldest and oldest[0] else 0.0
        return count, max(age, 0.0)


# Every queue the app keeps in its database, by the name of its `queue` label: a new queue is one line.
QUEUES: dict[str, Queue] = {
    "outbox": Queue(OutboxMessage, {"status": MailStatus.PENDING}),
    "webhooks": Queue(WebhookDelivery, {"status": DeliveryStatus.PENDING}),
}


def route_template(scope: Scope, status: int) -> str:
    """The template of the route that served the request, which the router records in the scope:
    `/events/{slug}`, `/static/{path}` for the static files' mount. A request refused before routing
    (CSRF, body limit) is matched here, so its refusal is counted on its route."""
    route = scope.get("route")
    if route is None and status != 404 and "app" in scope:
        for candidate in getattr(scope["app"], "routes", ()):
            match, _child = candidate.matches(scope)
            if match is not Match.NONE:
                route = candidate
                break
    return getattr(route, "path_format", None) or UNMATCHED


class MetricsMiddleware:
    """Counts every request, by the template of the route that served it, and times it.

    Placed near the outside of the stack, so that refusals made by the middleware inside it (413,
    CSRF, errors) are counted with their final status. The route is read from the scope after the
    request, where Starlette's router wrote it: the middleware inside pass the scope on as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        stream = False
        started = time.perf_counter()

        async def counting_send(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if content_type.startswith("text/event-stream"):
                    stream = True
                    SSE_CONNECTIONS.inc()
            await send(message)

        IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, counting_send)
        finally:
            IN_PROGRESS.dec()
            if stream:
                SSE_CONNECTIONS.dec()
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            route = route_template(scope, status)
            REQUESTS.labels(method, route, f"{status // 100}xx").inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


class _Backlogs:
    """The queues' gauges, read once per scrape by the process that answers it."""

    def __init__(self, backlogs: dict[str, tuple[int, float]]) -> None:
        self.backlogs = backlogs

    def collect(self):
        length = GaugeMetricFamily("hackcity_queue_length", "Items waiting in a queue.", labels=["queue"])
        oldest = GaugeMetricFamily(
            "hackcity_queue_oldest_seconds", "Age of the oldest item waiting in a queue.", labels=["queue"]
        )
        for name, (count, age) in self.backlogs.items():
            length.add_metric([name], count)
            oldest.add_metric([name], round(age, 3))
        yield length
        yield oldest


def _forget_stopped_workers(directory: str) -> None:
    """Live gauges of workers that are gone (a crash leaves their files) no longer count."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        try:
            pid = int(path.stem.rsplit("_", 1)[1])
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:
            continue  # alive, under another user


async def exposition() -> bytes:
    """The metrics in Prometheus' text format: every worker's, and the queues read now."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        _forget_stopped_workers(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    backlogs: dict[str, tuple[int, float]] = {}
    for name, queue in QUEUES.items():
        try:
            backlogs[name] = await queue.backlog()
        except Exception:
            log.warning("metrics: the backlog of queue %s could not be read", name, exc_info=True)
    queues = CollectorRegistry()
    queues.register(_Backlogs(backlogs))
    return text + generate_latest(queues)
