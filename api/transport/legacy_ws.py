"""Queries and mutations over the legacy `graphql-ws` protocol.

strawberry's legacy handler runs every `start` through `schema.subscribe`, which refuses
anything but a subscription (the client saw INTERNAL_SERVER_ERROR). Clients such as
`gql` send their queries and mutations over the same socket by default, so every
operation runs through `schema.stream` here: one `data` then `complete` for a query or
mutation, a `data` per event for a subscription.
"""

from __future__ import annotations

import asyncio

from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema.context import Context


class LegacyOperations(BaseGraphQLWSHandler[Context, None]):
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
