"""Strawberry's ASGI view, with our front door at both entrances.

HTTP: every request but the GraphiQL page needs a bearer token or an API key, or gets
401; then the caller's rate limit (429 + Retry-After); then persisted documents
(`api.access.persisted`) become the query; responses follow the GraphQL-over-HTTP spec
(`api.transport.http_spec`). WebSocket: see `api.transport.ws_handlers`.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from api.access.front_door import Access
from api.core.errors import NextjobError
from api.transport.graphiql import offline_ide
from api.transport.http_spec import (
    GRAPHQL_RESPONSE,
    JSON,
    SubResponse,
    http_error_response,
    is_request_error,
    negotiate,
    nextjob_error_response,
)
from api.transport.ws_handlers import LegacyWSHandler, TransportWSHandler, principal_from_params
from schema.context import Context


class NextjobGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media_type = negotiate(request.headers.get("accept"))
        request.state.media_type = media_type
        response: Response
        try:
            if not self.should_render_graphql_ide(StarletteRequestAdapter(request)):
                await self._admit(request)
            response = await self.run(request)
        except NextjobError as exc:
            response = nextjob_error_response(exc, media_type)
        except HTTPException as exc:
            response = http_error_response(exc.status_code, exc.reason, media_type)
        await response(scope, receive, send)

    @property
    def graphql_ide_html(self) -> str:
        return offline_ide(super().graphql_ide_html)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET carrying only a persisted document (hash) is an operation, not a browser.
        params = request.query_params
        return super().should_render_graphql_ide(request) and not (
            params.get("extensions") or params.get("documentId")
        )

    async def _admit(self, request: Request) -> None:
        """Who is calling (401 if nobody valid), and whether they may call now (429)."""
        access: Access = request.app.state.access
        principal = await access.authenticate(
            request.headers.get("authorization"), request.headers.get("x-api-key")
        )
        await access.check_rate(principal)
        request.state.principal = principal

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub = SubResponse(getattr(request.state, "media_type", JSON))
        request.state.sub_response = sub
        return sub

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        access: Access = request.app.state.access
        request_data.query = await access.documents.resolve(
            context.principal,
            request_data.query,
            request_data.extensions,
            await _document_id(request_adapter),
        )
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            if request_adapter.method == "GET" and isinstance(
                exc.__cause__, InvalidOperationTypeError
            ):
                raise HTTPException(405, exc.reason) from exc
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        if request.state.media_type == GRAPHQL_RESPONSE and is_request_error(result):
            data.pop("data", None)
            request.state.sub_response.status_code = 400
        return data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if isinstance(sub_response, SubResponse):
            response.headers["content-type"] = sub_response.graphql_media_type
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        principal = (
            getattr(request.state, "principal", None) if isinstance(request, Request) else None
        )
        return Context(
            dispatch=state.dispatch,
            board=state.board,
            reader=state.reader,
            broker=state.broker,
            settings=state.settings,
            timing=state.timing,
            planner=state.planner,
            request=request,
            response=response,
            principal=principal,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Reached directly only by the legacy graphql-ws protocol.
        if context.principal is None and context.request is not None:
            try:
                context.principal = await principal_from_params(
                    context.connection_params, context.request.app.state.access
                )
            except NextjobError as exc:
                raise ConnectionRejectionError(
                    {"message": exc.message, "extensions": {"code": exc.code}}
                ) from exc
        return None


async def _document_id(request: AsyncHTTPRequestAdapter) -> Any:
    """`documentId` (trusted documents), which strawberry's parser does not read."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    try:
        body = json.loads(await request.get_body())
    except ValueError:
        return None
    return body.get("documentId") if isinstance(body, dict) else None
