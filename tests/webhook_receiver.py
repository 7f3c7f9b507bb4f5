"""A local HTTP endpoint that speaks the notification webhook's contract, for tests.

It checks each request's Standard Webhooks signature, keeps every delivery (duplicates
included, by `webhook-id`), and answers as the test tells it: a status code, or not
at all until released (a slow provider, to kill the sender mid-request).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from api.customers import webhooks

SECRET = "whsec_" + base64.b64encode(b"nextjob-test-webhook-secret-0001").decode()


@dataclass
class Delivery:
    msg_id: str
    signed_ok: bool
    body: dict[str, Any]


@dataclass
class Receiver:
    secret: str = SECRET
    status: int = 200
    statuses: list[int] = field(default_factory=list)  # answered first, in order
    hold: asyncio.Event | None = None  # set: answer; unset: keep the request hanging
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    server: asyncio.Server | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/sms"

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            if self.hold is not None:
                self.hold.set()

    async def wait_for(self, count: int) -> list[Delivery]:
        """Until at least `count` deliveries arrived (duplicates count; 30 s at most)."""
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.deliveries) >= count), 30)
        return list(self.deliveries)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in head[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            ok = webhooks.verify(self.secret, headers, body, int(time.time()))
            async with self.arrived:
                self.deliveries.append(
                    Delivery(headers.get("webhook-id", ""), ok, json.loads(body))
                )
                self.arrived.notify_all()
            if self.hold is not None:
                await self.hold.wait()
            status = self.statuses.pop(0) if self.statuses else self.status
            reason = "OK" if status < 300 else "Error"
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\n"
                "connection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
