"""Size limits at the door, enforced before anything is buffered.

- Request line plus headers over `max_header_bytes`: HTTP 431, code
  `HEADERS_TOO_LARGE` (a WebSocket handshake is refused before it is accepted).
  `nextjob serve` enforces the same limit earlier, while uvicorn reads them
  (`api.ops.http_limits`); this check holds under any ASGI server.
- A body over `max_body_bytes`: HTTP 413, code `REQUEST_TOO_LARGE`, and the connection
  is closed. A declared `Content-Length` is judged before a byte is read; a chunked
  body is counted as it streams and cut off at the limit, whatever the app had read.

WebSocket messages are limited by the server (`ws_max_size`: close 1009).
"""

from __future__ import annotations

import contextlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.transport.http_spec import error_response, negotiate


class _BodyTooLarge(Exception):
    """Raised into the app by `receive` once the body passes the limit."""


def header_bytes(scope: Scope) -> int:
    """Bytes of the request line and headers, as they were on the wire (near enough)."""
    line = len(scope.get("method", "")) + len(scope.get("raw_path") or b"") + 11
    line += len(scope.get("query_string", b""))
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


class RequestLimitsMiddleware:
    """413 for bodies over `max_body_bytes`, 431 for headers over `max_header_bytes`."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if header_bytes(scope) > self.max_header_bytes:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1009})
                return
            await self._refuse(scope, receive, send, 431, "HEADERS_TOO_LARGE", "headers")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send, 413, "REQUEST_TOO_LARGE", "body")
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        over = started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # whatever the app makes of the cut-off body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if over and not started:
            await self._refuse(scope, receive, send, 413, "REQUEST_TOO_LARGE", "body")

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, what: str
    ) -> None:
        limit = self.max_body_bytes if what == "body" else self.max_header_bytes
        media_type = negotiate(Headers(scope=scope).get("accept"))
        response = error_response(
            f"request {what} over {limit} bytes",
            code,
            status,
            media_type,
            {"Connection": "close"},
            maxBytes=limit,
        )
        await response(scope, receive, send)
