"""`/metrics` (events/metrics.py, events/routes/metrics.py): Prometheus' text format, behind the
METRICS_TOKEN; requests counted by route template and status class, timed, the queues' backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import StreamingResponse

from events import metrics
from events.app import create_app
from events.models import DeliveryStatus, Event, MailStatus, OutboxMessage, Webhook, WebhookDelivery
from events.routes.metrics import token_matches
from events.settings import Settings, SettingsError
from tests.conftest import BASE_URL
from tests.entry_world import make_entry_world

TOKEN = "metrics-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def metrics_client(settings, db):
    app = create_app(settings.with_overrides(metrics_token=TOKEN), manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 50000)), base_url=BASE_URL
    ) as http:
        yield http


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client: httpx.AsyncClient) -> dict:
    response = await client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    return samples(response.text)


async def test_without_a_metrics_token_the_address_does_not_exist(client):
    for headers in ({}, BEARER):
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == 404
        assert "hackcity_http_requests" not in response.text


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token-0123456789abcdef",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        "Bearer é".encode("latin-1"),
    ],
)
async def test_without_the_right_token_it_is_401_and_nothing_else(metrics_client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await metrics_client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert response.content == b""


def test_the_token_is_compared_whole_and_by_scheme():
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert token_matches(f"bearer  {TOKEN} ", TOKEN)
    assert not token_matches(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not token_matches(TOKEN, TOKEN)
    assert not token_matches("Bearer \udcff", TOKEN)


async def test_with_the_token_the_metrics_parse_as_prometheus_text(metrics_client):
    response = await metrics_client.get("/metrics", headers=BEARER)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    families = {family.name: family.type for family in text_string_to_metric_families(response.text)}
    assert families["hackcity_http_requests"] == "counter"
    assert families["hackcity_http_request_duration_seconds"] == "histogram"
    assert families["hackcity_http_requests_in_progress"] == "gauge"
    assert families["hackcity_sse_connections"] == "gauge"
    assert families["hackcity_queue_length"] == "gauge"
    assert families["hackcity_queue_oldest_seconds"] == "gauge"
    # the scrape itself is being served while the metrics are read
    assert value(samples(response.text), "hackcity_http_requests_in_progress") >= 1


async def test_requests_are_counted_by_route_template_and_status_class(metrics_client):
    await make_entry_world()
    before = await scrape(metrics_client)

    for _ in range(2):
        assert (await metrics_client.get("/events/datacity")).status_code == 200
    assert (await metrics_client.get("/events/no-such-event")).status_code == 404
    assert (await metrics_client.get("/no/such/page")).status_code == 404
    assert (await metrics_client.get("/static/css/app.css")).status_code == 200
    after = await scrape(metrics_client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    event = {"method": "GET", "route": "/events/{slug}"}
    assert grew("hackcity_http_requests_total", **event, status="2xx") == 2
    assert grew("hackcity_http_requests_total", **event, status="4xx") == 1
    assert grew("hackcity_http_requests_total", method="GET", route="unmatched", status="4xx") == 1
    assert grew("hackcity_http_requests_total", method="GET", route="/static/{path}", status="2xx") == 1
    assert grew("hackcity_http_request_duration_seconds_count", **event) == 3
    assert grew("hackcity_http_request_duration_seconds_bucket", **event, le="+Inf") == 3
    assert grew("hackcity_http_request_duration_seconds_sum", **event) > 0
    # the addresses themselves never become labels
    routes = {dict(labels).get("route", "") for (_name, labels) in after}
    assert not any("datacity" in route or "no-such" in route or "app.css" in route for route in routes)


async def test_refusals_before_routing_are_counted_on_their_route(metrics_client):
    before = await scrape(metrics_client)
    # no CSRF token: refused by the middleware, before the router has seen the request
    assert (await metrics_client.post("/login", data={"email": "a@example.org"})).status_code == 403
    await metrics_client.request("BREW", "/")  # a method outside HTTP's own: "other"
    after = await scrape(metrics_client)

    def grew(**labels: str) -> float:
        return value(after, "hackcity_http_requests_total", **labels) - value(
            before, "hackcity_http_requests_total", **labels
        )

    assert grew(method="POST", route="/login", status="4xx") == 1
    assert grew(method="other", route="/", status="4xx") == 1


async def test_the_outbox_backlog_counts_pending_mail_and_the_age_of_the_oldest(metrics_client):
    assert value(await scrape(metrics_client), "hackcity_queue_length", queue="outbox") == 0
    old = await OutboxMessage.create(to="a@example.org", subject="A", body="B")
    await OutboxMessage.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(minutes=10))
    await OutboxMessage.create(to="b@example.org", subject="B", body="B")
    await OutboxMessage.create(to="c@example.org", subject="C", body="B", status=MailStatus.SENT)

    after = await scrape(metrics_client)

    assert value(after, "hackcity_queue_length", queue="outbox") == 2
    assert 590 < value(after, "hackcity_queue_oldest_seconds", queue="outbox") < 900


async def test_the_webhook_deliveries_waiting_are_a_queue_too(metrics_client):
    event = await Event.create(slug="e", title="E")
    webhook = await Webhook.create(event=event, url="https://example.org/hook", secret="s", kinds=["ping"])
    await WebhookDelivery.create(webhook=webhook, kind="ping", payload="{}")
    await WebhookDelivery.create(webhook=webhook, kind="ping", payload="{}", status=DeliveryStatus.DELIVERED)

    after = await scrape(metrics_client)

    assert value(after, "hackcity_queue_length", queue="webhooks") == 1


async def test_a_queue_is_one_line_of_queues(metrics_client, monkeypatch):
    monkeypatch.setitem(
        metrics.QUEUES, "failed-mail", metrics.Queue(OutboxMessage, {"status": MailStatus.FAILED})
    )
    await OutboxMessage.create(to="a@example.org", subject="A", body="B", status=MailStatus.FAILED)

    after = await scrape(metrics_client)

    assert value(after, "hackcity_queue_length", queue="failed-mail") == 1
    assert value(after, "hackcity_queue_length", queue="outbox") == 0


async def test_open_event_streams_are_counted_while_they_are_open():
    seen: list[float | None] = []

    def gauge() -> float | None:
        return metrics.REGISTRY.get_sample_value("hackcity_sse_connections")

    async def events():
        seen.append(gauge())
        yield b"event: slot\ndata: {}\n\n"
        seen.append(gauge())

    async def app(scope, receive, send):
        await StreamingResponse(events(), media_type="text/event-stream")(scope, receive, send)

    before = gauge()
    transport = httpx.ASGITransport(app=metrics.MetricsMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        response = await http.get("/live")

    assert response.status_code == 200
    assert seen == [before + 1, before + 1]
    assert gauge() == before


def test_a_metrics_token_must_be_long_enough():
    base = Settings(testing=True, secret_key="k" * 40)
    base.with_overrides(metrics_token="").check()
    base.with_overrides(metrics_token="x" * 16).check()
    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        base.with_overrides(metrics_token="short").check()
