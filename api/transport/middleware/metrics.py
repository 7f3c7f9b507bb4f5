"""Counts HTTP requests by path and status, and open WebSockets, into the app's metrics."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.transport.metrics import Metrics

_PATHS = ("/graphql", "/healthz", "/readyz", "/metrics", "/map", "/track")


def _path_label(path: str) -> str:
    for known in _PATHS:
        if path == known or path.startswith(known + "/"):
            return known
    return "other"


class MetricsMiddleware:
    """Counts HTTP requests by path and status, and open WebSockets."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.metrics.websockets.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.websockets.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _path_label(scope["path"])
        status = 500  # if the app fails before answering
        started = time.perf_counter()

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, record)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.latency.labels(path=path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(
                path=path, method=scope["method"], status=str(status)
            ).inc()
