"""The WebSocket door: token (or API key) in `connection_init`, persisted documents and
rate limits on every `subscribe` / `start`.

strawberry reads only `payload.query` of a subscribe message; here `documentId` and
`extensions.persistedQuery` are resolved into the query first, with the same rules as
over HTTP (`api.access.persisted`).
"""

from __future__ import annotations

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
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from api.access.front_door import Access
from api.core.errors import InvalidInput, NextjobError, Unauthenticated, Unavailable
from api.core.principal import Principal
from schema.context import Context


async def principal_from_params(params: Any, access: Access) -> Principal:
    """Read the token (or API key) a client sends in `connection_init`'s payload."""
    if not isinstance(params, dict):
        raise Unauthenticated("connection_init payload must carry a token")
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return await access.authenticate(header, None)
    api_key = params.get("apiKey") or params.get("X-API-Key")
    if isinstance(api_key, str) and api_key:
        return await access.authenticate(None, api_key)
    token = params.get("token")
    if isinstance(token, str) and token:
        return await access.authenticate(f"Bearer {token}", None)
    raise Unauthenticated("connection_init payload must carry a token")


def _access(context: Context) -> Access:
    if context.request is None:
        raise Unavailable("no connection")
    access: Access = context.request.app.state.access
    return access


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


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if not self.connection_init_received and not self.connection_timed_out:
            try:
                self.context.principal = await principal_from_params(
                    message.get("payload"), _access(self.context)
                )
            except NextjobError as exc:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                close_code = 4401 if isinstance(exc, Unauthenticated) else 4500
                await self.websocket.close(code=close_code, reason=exc.message)
                return
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
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


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (legacy); authentication happens in the view's `on_ws_connect`."""

    async def handle_start(self, message: StartMessage) -> None:
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
