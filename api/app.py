"""The Starlette application: GraphQL on /graphql (HTTP and WebSocket), health checks.

Clients (MongoDB, the broker) are made in the lifespan and reach resolvers through
`app.state` and the GraphQL context; nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api.clock import Clock, utcnow
from api.customer_timing import CustomerTiming
from api.dispatch import DispatchService
from api.errors import NextjobError
from api.graphql_view import NextjobGraphQL
from api.notify import Notifier, make_sender
from api.reads import Reader
from api.settings import Settings
from api.store import Store
from api.tracking import tracking_page
from api.voice import VoiceService
from realtime import create_broker
from schema import build_schema

log = logging.getLogger(__name__)


def create_app(settings: Settings, mongodb_uri: str, clock: Clock = utcnow) -> Starlette:
    """Build the app for a resolved MongoDB URI (embedded or configured)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(mongodb_uri, settings.db_name)
        broker = create_broker(settings.redis_url)
        healer: asyncio.Task[None] | None = None
        service: DispatchService | None = None
        try:
            await store.ensure_indexes()
            await broker.connect()
            service = DispatchService(store, broker, settings, clock)
            app.state.settings = settings
            app.state.store = store
            app.state.broker = broker
            app.state.service = service
            app.state.reader = Reader(store)
            notifier = Notifier(store, make_sender(settings.notify_webhook_url), clock)
            app.state.timing = CustomerTiming(store, notifier, settings.base_url())
            app.state.voice = VoiceService(service, notifier, clock)
            service.customer_timing = app.state.timing
            await service.start()
            healer = asyncio.create_task(
                _heal_forever(service, app.state.timing, settings.resync_seconds)
            )
            yield
        finally:
            # Also runs when start-up fails, so a half-started app leaves nothing open.
            if healer is not None:
                healer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await healer
            if service is not None:
                await service.stop()
            await broker.disconnect()
            await store.close()

    graphql = NextjobGraphQL(
        build_schema(),
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        keep_alive_interval=15,
        connection_init_wait_timeout=timedelta(seconds=10),
        max_subscriptions_per_connection=10,
    )
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/track/{token}", tracking_page, methods=["GET"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers; also the live subscription count (leaks show here)."""
    ok = await request.app.state.store.ping()
    return JSONResponse(
        {
            "status": "ok" if ok else "unavailable",
            "subscriptions": request.app.state.broker.listener_count(),
        },
        status_code=200 if ok else 503,
    )


async def _heal_forever(service: DispatchService, timing: CustomerTiming, every: float) -> None:
    """Periodically assign idle techs (heals anything a lost event or a crash left) and
    send the customers' one-hour heads-up calls that are due."""
    while True:
        await asyncio.sleep(every)
        try:
            await service.dispatch_idle()
            await timing.send_heads_up(service.clock())
        except NextjobError as exc:
            log.warning("periodic dispatch skipped: %s", exc.message)
