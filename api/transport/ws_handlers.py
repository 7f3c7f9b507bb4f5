"""The WebSocket door: token (or API key) in `connection_init`, persisted documents and
rate limits on every `subscribe` / `start`, both protocols alike.

strawberry reads only `payload.query` of a subscribe message; here `documentId` and
`extensions.persistedQuery` are resolved into the query first, with the same rules as
over HTTP (`api.access.persisted`). An authenticated socket joins this process's
registry (`api.transport.sockets`: close codes, expiry, revocation, caps) until it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLFormattedError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionErrorMessage,
    StartMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)

from api.access.front_door import Access, RateLimited
from api.core.errors import Forbidden, InvalidInput, NextjobError, Unauthenticated, Unavailable
from api.core.principal import Principal
from api.transport.legacy_ws import LegacyOperations
from api.transport.sockets import (
    EXPIRED,
    INIT_TIMEOUT,
    REVOKED,
    TOO_MANY,
    SocketRegistry,
    expired,
)
from schema.context import Context


async def principal_from_params(
    params: Any, access: Access, client: str | None = None
) -> Principal:
    """Read the token (or API key) a client sends in `connection_init`'s payload."""
    if not isinstance(params, dict):
        raise Unauthenticated("connection_init payload must carry a token")
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return await access.authenticate(header, None, client)
    api_key = params.get("apiKey") or params.get("X-API-Key")
    if isinstance(api_key, str) and api_key:
        return await access.authenticate(None, api_key, client)
    token = params.get("token")
    if isinstance(token, str) and token:
        return await access.authenticate(f"Bearer {token}", None, client)
    raise Unauthenticated("connection_init payload must carry a token")


def _access(context: Context) -> Access:
    if context.request is None:
        raise Unavailable("no connection")
    access: Access = context.request.app.state.access
    return access


def _client(context: Context) -> str | None:
    request = context.request
    return request.client.host if request is not None and request.client else None


def _registry(context: Context) -> SocketRegistry:
    if context.request is None:
        raise Unavailable("no connection")
    registry: SocketRegistry = context.request.app.state.sockets
    return registry


async def resolve_query(context: Context, payload: Mapping[str, Any]) -> str:
    """The document to run for a subscribe payload, after the rate limit and PQ rules."""
    access = _access(context)
    if context.principal is not None:
        await access.check_rate(context.principal)
    query = await access.documents.resolve(
        context.principal,
        payload.get("query"),
        payload.get("extensions"),
        payload.get("documentId"),
    )
    if query is None:
        raise InvalidInput("no GraphQL query (or documentId) in the message", "query")
    return query


def _error(exc: NextjobError) -> GraphQLFormattedError:
    return {"message": exc.message, "extensions": {"code": exc.code}}


def close_code(exc: NextjobError) -> int:
    """The close code for a credential refused at `connection_init`."""
    if isinstance(exc, Unauthenticated):
        return EXPIRED
    if isinstance(exc, Forbidden):
        return REVOKED
    if isinstance(exc, RateLimited):
        return TOO_MANY
    return 4500


class _Membership:
    """A socket's place in the registry: admitted after authentication, left on close."""

    context: Context
    _admitted: Principal | None = None
    _ended = False

    @property
    def principal(self) -> Principal | None:
        return self.context.principal

    async def end(self, code: int, reason: str) -> None:
        raise NotImplementedError

    def admit(self, principal: Principal) -> bool:
        if not _registry(self.context).admit(self, principal):
            return False
        self._admitted = principal
        return True

    def leave(self) -> None:
        if self._admitted is not None:
            _registry(self.context).remove(self, self._admitted)
            self._admitted = None

    def spent(self) -> bool:
        """True once the socket is ending; its credential may no longer act."""
        p = self.context.principal
        return self._ended or (p is not None and expired(p))


class TransportWSHandler(_Membership, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with a keep-alive `ping` every `keep_alive_interval`."""

    _pinger: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            self.leave()

    async def shutdown(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        await super().shutdown()

    async def end(self, code: int, reason: str) -> None:
        """Stop every operation and close the socket (called by the registry)."""
        if self._ended:
            return
        self._ended = True
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.websocket.close(code=code, reason=reason)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if not self.connection_init_received and not self.connection_timed_out:
            try:
                principal = await principal_from_params(
                    message.get("payload"), _access(self.context), _client(self.context)
                )
            except NextjobError as exc:
                await self._refuse(close_code(exc), exc.message)
                return
            if not self.admit(principal):
                await self._refuse(TOO_MANY, "too many open sockets for this credential")
                return
            self.context.principal = principal
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._pinger is None:
            self._pinger = asyncio.create_task(self._ping_forever())

    async def _refuse(self, code: int, reason: str) -> None:
        self.connection_init_received = True
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=code, reason=reason)

    async def _ping_forever(self) -> None:
        interval = float(getattr(self.view, "keep_alive_interval", None) or 15.0)
        with contextlib.suppress(Exception):  # ends with the socket
            while True:
                await asyncio.sleep(interval)
                await self.send_message({"type": "ping"})

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and self.spent():
            await self.end(EXPIRED, "token expired")
            return
        if self.connection_acknowledged and message["id"] not in self.operations:
            payload = message["payload"]
            try:
                query = await resolve_query(self.context, payload)
            except NextjobError as exc:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [_error(exc)]}
                )
                return
            message = {
                "id": message["id"],
                "type": "subscribe",
                "payload": {**payload, "query": query},
            }
        await super().handle_subscribe(message)


class LegacyWSHandler(_Membership, LegacyOperations, BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (legacy): the same door, init timeout and close codes as the modern one;
    queries and mutations run too (`LegacyOperations`)."""

    async def handle(self) -> None:
        timeout = self.view.connection_init_wait_timeout.total_seconds()
        timer = asyncio.create_task(self._close_unless_initialised(timeout))
        try:
            await super().handle()
        finally:
            timer.cancel()
            self.leave()

    async def _close_unless_initialised(self, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self.connection_acknowledged:
            await self.end(INIT_TIMEOUT, "Connection initialisation timeout")

    async def end(self, code: int, reason: str) -> None:
        """Stop every operation and close the socket (called by the registry)."""
        if self._ended:
            return
        self._ended = True
        with contextlib.suppress(Exception):
            await self.cleanup()
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def handle_connection_init(self, message: LegacyInitMessage) -> None:
        if self.connection_acknowledged or self._ended:
            return
        try:
            principal = await principal_from_params(
                message.get("payload"), _access(self.context), _client(self.context)
            )
        except NextjobError as exc:
            refusal = ConnectionErrorMessage(type="connection_error", payload=dict(_error(exc)))
            await self.send_message(refusal)
            await self.end(close_code(exc), exc.message)
            return
        if not self.admit(principal):
            await self.end(TOO_MANY, "too many open sockets for this credential")
            return
        self.context.principal = principal
        await super().handle_connection_init(message)

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged and self.spent():
            await self.end(EXPIRED, "token expired")
            return
        if self.connection_acknowledged:
            payload = message["payload"]
            try:
                query = await resolve_query(self.context, payload)
            except NextjobError as exc:
                await self.send_message(
                    {"type": "error", "id": message["id"], "payload": _error(exc)}
                )
                return
            message = {"id": message["id"], "type": "start", "payload": {**payload, "query": query}}
        await super().handle_start(message)
