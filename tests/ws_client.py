"""Raw WebSocket helpers for the socket tests: open, authenticate, await the close."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

MODERN = "graphql-transport-ws"
LEGACY = "graphql-ws"


async def open_socket(
    url: str, payload: dict[str, Any], protocol: str = MODERN
) -> ClientConnection:
    """A socket that sent `connection_init` with this payload (no ack awaited)."""
    ws = await connect(url, subprotocols=[Subprotocol(protocol)])
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def acked(url: str, payload: dict[str, Any], protocol: str = MODERN) -> ClientConnection:
    """An authenticated socket (the server acknowledged it)."""
    ws = await open_socket(url, payload, protocol)
    msg = await next_message(ws)
    assert msg["type"] == "connection_ack", msg
    return ws


async def next_message(ws: ClientConnection, within: float = 10.0) -> dict[str, Any]:
    """The next message that is not a keep-alive."""
    while True:
        msg: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), within))
        if msg["type"] not in ("ping", "pong", "ka"):
            return msg


async def close_code(ws: ClientConnection, within: float) -> int | None:
    """The code the server closes this socket with, awaited up to `within` seconds."""

    async def drain() -> None:
        try:
            while True:
                await ws.recv()
        except ConnectionClosed:
            return

    await asyncio.wait_for(drain(), within)
    return ws.close_code


async def subscribe(ws: ClientConnection, op_id: str, query: str, protocol: str = MODERN) -> None:
    kind = "subscribe" if protocol == MODERN else "start"
    await ws.send(json.dumps({"id": op_id, "type": kind, "payload": {"query": query}}))
