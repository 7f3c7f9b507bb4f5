"""The WebSocket door, graphql-transport-ws: token (or API key) in `connection_init`,
persisted documents and rate limits on every `subscribe`, a keep-alive `ping`.

strawberry reads only `payload.query` of a subscribe message; here `documentId` and
`extensions.persistedQuery` are resolved into the query first, with the same rules as
over HTTP (`api.access.persisted`). An authenticated socket joins this process's
registry (`api.transport.sockets`: close codes, expiry, revocation, caps) until it
closes. The legacy `graphql-ws` protocol gets the same door (`api.transport.legacy_ws`).
"""

from __future__ import annotations

import asyncio
import contextlib

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message as TransportMessage,
)

from api.core.errors import NextjobError
from api.transport.legacy_ws import LegacyWSHandler
from api.transport.sockets import EXPIRED, TOO_MANY
from api.transport.ws_door import (
    Membership,
    access_of,
    client_of,
    close_code,
    error_payload,
    operation_shaped,
    principal_from_params,
    resolve_query,
    well_formed,
)
from schema.context import Context

__all__ = ["LegacyWSHandler", "TransportWSHandler", "principal_from_params"]


class TransportWSHandler(Membership, BaseGraphQLTransportWSHandler[Context, None]):
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
                    message.get("payload"), access_of(self.context), client_of(self.context)
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

    async def handle_message(self, message: TransportMessage) -> None:
        if not well_formed(message):
            await self.handle_invalid_message("a message is a JSON object with a string type")
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not operation_shaped(message):
            await self.handle_invalid_message("subscribe needs a string id and a payload object")
            return
        if self.connection_acknowledged and self.spent():
            await self.end(EXPIRED, "token expired")
            return
        if self.connection_acknowledged and message["id"] not in self.operations:
            payload = message["payload"]
            try:
                query = await resolve_query(self.context, payload, self.schema)
            except NextjobError as exc:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error_payload(exc)]}
                )
                return
            message = {
                "id": message["id"],
                "type": "subscribe",
                "payload": {**payload, "query": query},
            }
        await super().handle_subscribe(message)
