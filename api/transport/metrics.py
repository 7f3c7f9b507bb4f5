"""Prometheus metrics: one registry per app (made in `create_app`, never at import).

Exposed on `GET /metrics` in the Prometheus text format:

| metric | what |
|---|---|
| `nextjob_http_requests_total{path,method,status}` | HTTP requests answered |
| `nextjob_http_request_seconds{path}` | their latency |
| `nextjob_http_requests_in_flight` | requests being answered now (drains on shutdown) |
| `nextjob_graphql_errors_total{code}` | GraphQL errors by `extensions.code` |
| `nextjob_websocket_connections` | open WebSockets (connected phones and boards) |
| `nextjob_live_subscriptions` | live broker listeners in this process |
| `nextjob_broker_delivery_seconds` | publish (any process) -> local delivery to listeners |
| `nextjob_assignments_total{decided_by}` | assignment decisions (routing, dispatcher) |
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

_LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "nextjob_http_requests", "HTTP requests", ["path", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "nextjob_http_request_seconds",
            "HTTP request latency",
            ["path"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "nextjob_http_requests_in_flight", "HTTP requests being answered", registry=r
        )
        self.graphql_errors = Counter(
            "nextjob_graphql_errors", "GraphQL errors by extensions.code", ["code"], registry=r
        )
        self.websockets = Gauge(
            "nextjob_websocket_connections", "open WebSocket connections", registry=r
        )
        self.subscriptions = Gauge(
            "nextjob_live_subscriptions", "live broker listeners in this process", registry=r
        )
        self.broker_delivery = Histogram(
            "nextjob_broker_delivery_seconds",
            "time from publish to delivery to this process's listeners (push latency)",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.assignments = Counter(
            "nextjob_assignments", "assignment decisions", ["decided_by"], registry=r
        )

    def count_subscriptions(self, source: Callable[[], int]) -> None:
        """Read the live subscription count at scrape time."""
        self.subscriptions.set_function(lambda: float(source()))

    def assignment(self, decided_by: str) -> None:
        self.assignments.labels(decided_by=decided_by).inc()

    def graphql_error(self, code: str) -> None:
        self.graphql_errors.labels(code=code).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
