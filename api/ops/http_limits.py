"""uvicorn's httptools protocol, answering 431 once a request's headers pass a limit.

httptools hands a header to uvicorn only once it is complete, and keeps the partial
one in its own buffer meanwhile: a 20 MB header would be buffered whole before any
ASGI middleware could look at it. So the bytes are counted here, as they arrive,
until the end of the headers; past `max_header_bytes` the client gets 431 and the
connection is closed. (The ASGI middleware in `api.transport.middleware.limits`
checks the same limit again, for other servers.)
"""

from __future__ import annotations

import asyncio
import json
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_END = b"\r\n\r\n"


class HeaderLimitedProtocol(HttpToolsProtocol):
    """Counts the bytes of each request's line and headers; over the limit: 431."""

    max_header_bytes: ClassVar[int] = 16 * 1024
    _in_body = False
    _header_bytes = 0
    _tail = b""
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if not self._in_body:
            probe = self._tail + data
            end = probe.find(_END)
            self._header_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = probe[-3:]
            if self._header_bytes > self.max_header_bytes:
                self._refuse()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_body, self._header_bytes, self._tail = True, 0, b""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        super().on_message_complete()

    def _refuse(self) -> None:
        self._refused = True
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"request headers over {self.max_header_bytes} bytes",
                        "extensions": {
                            "code": "HEADERS_TOO_LARGE",
                            "maxBytes": self.max_header_bytes,
                        },
                    }
                ]
            },
            separators=(",", ":"),
        ).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()


def header_limited(max_header_bytes: int) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http=` option, with this limit."""
    return type(
        "HeaderLimitedProtocol", (HeaderLimitedProtocol,), {"max_header_bytes": max_header_bytes}
    )
