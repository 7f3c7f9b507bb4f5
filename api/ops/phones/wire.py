"""A phone's one WebSocket: graphql-transport-ws, carrying both its stream and its mutations."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from types import TracebackType
from typing import Any, Literal, NotRequired, TypedDict

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from mobile_contract import operation

PROTOCOL = Subprotocol("graphql-transport-ws")


class ServerMessage(TypedDict):
    type: Literal["connection_ack", "next", "error", "complete", "ping", "pong"]
    id: NotRequired[str]
    payload: NotRequired[Any]


class OperationFailed(Exception):
    """The server answered an operation with GraphQL errors."""

    def __init__(self, name: str, errors: list[dict[str, Any]]) -> None:
        self.codes = [str((e.get("extensions") or {}).get("code")) for e in errors]
        super().__init__(f"{name}: {'; '.join(str(e.get('message')) for e in errors)}")


class GraphQLSocket:
    """`async with GraphQLSocket(url, token) as ws`: run operations over one connection."""

    def __init__(self, url: str, token: str, open_timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.open_timeout = open_timeout
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        # One queue per running operation; None in it means the connection is gone.
        self._results: dict[str, asyncio.Queue[ServerMessage | None]] = {}
        self._ids = itertools.count(1)

    async def __aenter__(self) -> GraphQLSocket:
        self._ws = await connect(
            self.url, subprotocols=[PROTOCOL], open_timeout=self.open_timeout, max_queue=4
        )
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}
        await self._ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(self._ws.recv(), self.open_timeout))
        if ack.get("type") != "connection_ack":
            await self._ws.close()
            raise ConnectionError(f"connection refused: {ack}")
        self._reader = asyncio.create_task(self._read(self._ws))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def execute(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query or mutation from the mobile contract; its `data`, or OperationFailed."""
        async with aclosing(self.stream(name, variables)) as results:
            async for data in results:
                return data
        raise ConnectionError(f"{name}: no result")

    async def stream(
        self, name: str, variables: dict[str, Any] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Each result of an operation (a subscription yields until the socket closes)."""
        if self._ws is None:
            raise RuntimeError("GraphQLSocket used outside `async with`")
        op_id = str(next(self._ids))
        queue: asyncio.Queue[ServerMessage | None] = asyncio.Queue()
        self._results[op_id] = queue
        payload = {"query": operation(name), "variables": variables or {}}
        try:
            await self._ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
            while (message := await queue.get()) is not None:
                if message["type"] == "complete":
                    return
                if message["type"] == "error":
                    raise OperationFailed(name, message.get("payload") or [])
                result: dict[str, Any] = message.get("payload") or {}
                if result.get("errors"):
                    raise OperationFailed(name, result["errors"])
                yield result["data"]
            raise ConnectionError(f"{name}: connection closed")
        finally:
            self._results.pop(op_id, None)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message: ServerMessage = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif (queue := self._results.get(message.get("id", ""))) is not None:
                    queue.put_nowait(message)
        finally:
            for queue in self._results.values():
                queue.put_nowait(None)  # the connection is gone
