"""The legacy `graphql-ws` protocol, with the same door, init timeout and close codes
as graphql-transport-ws (`api.transport.ws_handlers`).

strawberry's legacy handler runs every `start` through `schema.subscribe`, which refuses
anything but a subscription (the client saw INTERNAL_SERVER_ERROR). Clients such as
`gql` send their queries and mutations over the same socket by default, so every
operation runs through `schema.stream` here: one `data` then `complete` for a query or
mutation, a `data` per event for a subscription.
"""

from __future__ import annotations

import asyncio
import contextlib

from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    CompleteMessage,
    ConnectionErrorMessage,
    ErrorMessage,
    StartMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    OperationMessage as LegacyMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from api.core.errors import NextjobError
from api.transport.sockets import EXPIRED, INIT_TIMEOUT, TOO_MANY
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


class LegacyWSHandler(Membership, BaseGraphQLWSHandler[Context, None]):
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
                message.get("payload"), access_of(self.context), client_of(self.context)
            )
        except NextjobError as exc:
            refusal = ConnectionErrorMessage(
                type="connection_error", payload=dict(error_payload(exc))
            )
            await self.send_message(refusal)
            await self.end(close_code(exc), exc.message)
            return
        if not self.admit(principal):
            await self.end(TOO_MANY, "too many open sockets for this credential")
            return
        self.context.principal = principal
        await super().handle_connection_init(message)

    async def handle_message(self, message: LegacyMessage) -> None:
        if not well_formed(message):
            await self.end(4400, "a message is a JSON object with a string type")
            return
        if message["type"] == "stop" and not isinstance(message.get("id"), str):
            await self.end(4400, "stop needs a string id")
            return
        await super().handle_message(message)

    async def handle_start(self, message: StartMessage) -> None:
        if not operation_shaped(message):
            await self.end(4400, "start needs a string id and a payload object")
            return
        if self.connection_acknowledged and self.spent():
            await self.end(EXPIRED, "token expired")
            return
        if self.connection_acknowledged:
            payload = message["payload"]
            try:
                query = await resolve_query(self.context, payload, self.schema)
            except NextjobError as exc:
                await self.send_message(
                    {"type": "error", "id": message["id"], "payload": error_payload(exc)}
                )
                return
            message = {"id": message["id"], "type": "start", "payload": {**payload, "query": query}}
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        try:
            source = await self.schema.stream(
                query,
                variable_values=variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation_name,
            )
            self.subscriptions[operation_id] = source
            first = True
            async for result in source:
                if first and isinstance(result, PreExecutionError) and result.errors:
                    error = ErrorMessage(
                        type="error", id=operation_id, payload=result.errors[0].formatted
                    )
                    await self.send_message(error)
                    return
                first = False
                if isinstance(result, ExecutionResult):
                    await self.send_data_message(result, operation_id)
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)
