"""The Starlette application: GraphQL on /graphql (HTTP and WebSocket), the live map at
/map, health checks.

Clients (MongoDB, the broker) are made in the lifespan and reach resolvers through
`app.state` and the GraphQL context; nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from api.access.front_door import Access, open_access
from api.core.clock import Clock, utcnow
from api.core.settings import Settings
from api.core.tasks import cancel_all
from api.customers.company import company_source
from api.customers.delivery import DeliveryRules, OutboxWorker
from api.customers.eta_policy import EtaRules
from api.customers.notifications import Notifier
from api.customers.timing import CustomerTiming
from api.dispatch.deps import Dispatch
from api.dispatch.skills import ensure_catalogue
from api.insight.lookahead import LookaheadPlanner
from api.persistence.reads import Reader
from api.persistence.store import Store
from api.transport.auth_routes import auth_routes, open_people
from api.transport.exposure import guarded_metrics, per_client_address
from api.transport.graphiql import graphiql_routes
from api.transport.graphql_view import NextjobGraphQL
from api.transport.health import healthz, readyz
from api.transport.home import home_routes
from api.transport.housekeeping import heal_forever
from api.transport.metrics import Metrics, metrics_endpoint
from api.transport.middleware.idempotency import IdempotencyMiddleware
from api.transport.middleware.limits import RequestLimitsMiddleware
from api.transport.middleware.metrics import MetricsMiddleware
from api.transport.middleware.request_id import RequestIdMiddleware
from api.transport.middleware.security_headers import SecurityHeadersMiddleware
from api.transport.pages import console_routes, map_routes, tech_routes, tracking_routes
from api.transport.people_pages import people_page_routes
from api.transport.positions_route import positions_endpoint
from api.transport.sockets import SocketRegistry, credential_event
from api.voice.alerts import AlertBoard, notification_failed
from realtime import Broker, create_broker, credentials_channel
from schema import build_schema

log = logging.getLogger(__name__)


def create_app(settings: Settings, mongodb_uri: str, clock: Clock = utcnow) -> Starlette:
    """Build the app for a resolved MongoDB URI (embedded or configured)."""
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(mongodb_uri, settings.db_name)
        broker = create_broker(settings.redis_url, metrics.broker_delivery.observe)
        healer: asyncio.Task[None] | None = None
        dispatch: Dispatch | None = None
        listener: asyncio.Task[None] | None = None
        sockets: SocketRegistry | None = None
        access: Access | None = None
        planner: LookaheadPlanner | None = None
        outbox: OutboxWorker | None = None
        try:
            await store.ensure_indexes()
            await ensure_catalogue(store, clock())
            await broker.connect()
            metrics.count_subscriptions(broker.listener_count)
            app.state.metrics = metrics
            app.state.settings = settings
            app.state.clock = clock
            app.state.store = store
            app.state.broker = broker
            app.state.reader = Reader(store)
            app.state.access = access = await open_access(settings, store)
            access.announce = _announcer(broker)
            app.state.sockets = sockets = SocketRegistry(access, settings.max_sockets_per_principal)
            listening = asyncio.Event()
            listener = asyncio.create_task(
                sockets.listen(broker, listening, settings.token_revocation_cache_seconds)
            )
            await asyncio.wait_for(listening.wait(), 10)
            app.state.signin = await open_people(store, access, broker, settings)
            app.state.accounts = app.state.signin.accounts
            notifier = Notifier(
                store,
                company_source(store, settings),
                clock,
                _eta_rules(settings),
                delivers=bool(settings.notify_webhook_url),
            )
            outbox = OutboxWorker(store, _delivery_rules(settings), clock)
            notifier.committed = outbox.wake
            await outbox.start()
            app.state.timing = timing = CustomerTiming(store, notifier, settings.base_url())
            app.state.dispatch = dispatch = Dispatch.build(
                store,
                broker,
                settings,
                clock=clock,
                customer_timing=timing,
                notifier=notifier,
                on_assignment=metrics.assignment,
            )
            app.state.reader.live = dispatch.positions.overlay
            app.state.board = board = AlertBoard(store, broker, clock)
            outbox.on_failure = notification_failed(board)
            await dispatch.start()
            app.state.planner = planner = LookaheadPlanner(dispatch)
            await planner.start()
            timing.expected = planner.expected
            healer = asyncio.create_task(heal_forever(dispatch, board, timing, planner))
            # Start-up objects live for the process: keep them out of the collector's full
            # passes, which otherwise showed up as 300-440 ms pauses with 1,000 sockets.
            gc.collect()
            gc.freeze()
            yield
        finally:
            # Also runs when start-up fails, so a half-started app leaves nothing open.
            if healer is not None:
                await cancel_all([healer])
            if listener is not None:
                await cancel_all([listener])
            if sockets is not None:
                await sockets.close_all()
            if planner is not None:
                await planner.stop()
            if outbox is not None:
                await outbox.stop()
            if dispatch is not None:
                await dispatch.stop()
            if access is not None:
                await access.close()
            await broker.disconnect()
            await store.close()

    graphql = NextjobGraphQL(
        build_schema(),
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        keep_alive_interval=settings.ws_ping_seconds,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        max_subscriptions_per_connection=10,
    )
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", guarded_metrics(metrics_endpoint, settings), methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/positions", positions_endpoint, methods=["POST"]),
            *tracking_routes(
                lambda page: per_client_address(
                    page, "track", settings.tracking_rate_limit_per_minute
                )
            ),
            WebSocketRoute("/graphql", graphql),
            *map_routes(),
            *home_routes(),
            *graphiql_routes(),
            *console_routes(),
            *tech_routes(),
            *auth_routes(),
            *people_page_routes(),
        ],
        # Outermost first: the request id reaches every log line and the metrics
        # count the idempotent replays too.
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware, tile_url=settings.map_tile_url),
            Middleware(MetricsMiddleware, metrics=metrics),
            # Sizes are judged before anything below reads or buffers a byte.
            Middleware(
                RequestLimitsMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_header_bytes=settings.max_header_bytes,
            ),
            Middleware(IdempotencyMiddleware),
        ],
        lifespan=lifespan,
    )


def _announcer(broker: Broker) -> Callable[[str], Awaitable[None]]:
    """Revocations go out on the credentials channel to every process (this one too)."""

    async def announce(credential_key: str) -> None:
        await broker.publish(credentials_channel(), credential_event(credential_key))

    return announce


def _eta_rules(settings: Settings) -> EtaRules:
    return EtaRules(
        material=timedelta(minutes=settings.eta_material_minutes),
        stable=timedelta(seconds=settings.eta_stable_seconds),
        interval=timedelta(minutes=settings.eta_notice_interval_minutes),
    )


def _delivery_rules(settings: Settings) -> DeliveryRules:
    return DeliveryRules(
        url=settings.notify_webhook_url,
        secret=settings.notify_webhook_secret,
        max_attempts=settings.notify_max_attempts,
        backoff=timedelta(seconds=settings.notify_backoff_seconds),
        lease=timedelta(seconds=settings.notify_lease_seconds),
    )
