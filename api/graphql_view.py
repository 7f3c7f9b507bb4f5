"""Strawberry's ASGI view, with our authentication at both doors.

HTTP: every request but the GraphiQL page needs a bearer token, or gets 401.
WebSocket: the token travels in `connection_init`; a bad one closes the socket
with 4401 and a reason (graphql-transport-ws) or a `connection_error` (graphql-ws).
"""

from __future__ import annotations

from typing import Any

from cross_web import StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types.unset import UnsetType

from api.auth import Principal, bearer_from_header, verify_token
from api.errors import Unauthenticated
from schema.context import Context


def principal_from_params(params: Any, secret: str) -> Principal:
    """Read the token a phone sends in `connection_init`'s payload."""
    if not isinstance(params, dict):
        raise Unauthenticated("connection_init payload must carry a token")
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return verify_token(secret, bearer_from_header(header))
    token = params.get("token")
    if isinstance(token, str) and token:
        return verify_token(secret, token)
    raise Unauthenticated("connection_init payload must carry a token")


class _TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if not self.connection_init_received and not self.connection_timed_out:
            try:
                self.context.principal = principal_from_params(
                    message.get("payload"), self.context.settings.signing_secret()
                )
            except Unauthenticated as exc:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=4401, reason=exc.message)
                return
        await super().handle_connection_init(message)


class NextjobGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = _TransportWSHandler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                self._authenticate(request)
            except Unauthenticated as exc:
                await _unauthorized(exc)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _authenticate(self, request: Request) -> None:
        if request.method == "GET" and self.should_render_graphql_ide(
            StarletteRequestAdapter(request)
        ):
            return
        settings = request.app.state.settings
        principal = verify_token(
            settings.signing_secret(), bearer_from_header(request.headers.get("authorization"))
        )
        request.state.principal = principal

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        principal = (
            getattr(request.state, "principal", None) if isinstance(request, Request) else None
        )
        return Context(
            service=state.service,
            reader=state.reader,
            broker=state.broker,
            settings=state.settings,
            voice=state.voice,
            timing=state.timing,
            request=request,
            response=response,
            principal=principal,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Reached directly only by the legacy graphql-ws protocol.
        if context.principal is None:
            try:
                context.principal = principal_from_params(
                    context.connection_params, context.settings.signing_secret()
                )
            except Unauthenticated as exc:
                raise ConnectionRejectionError(
                    {"message": exc.message, "extensions": {"code": exc.code}}
                ) from exc
        return None


def _unauthorized(exc: Unauthenticated) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="nextjob"'},
    )
