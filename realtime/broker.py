"""The broker contract shared by both backends.

Events carry no state, only what to look at again: a subscriber re-reads MongoDB.
That is why a listener's queue may drop an event when it is full: a full queue
already holds a pending "look again", so nothing is lost by dropping another.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol, TypedDict

EventKind = Literal["job", "technician", "board", "message", "alert", "credential"]


class Event(TypedDict):
    kind: EventKind
    id: str
    version: int


def tech_channel(tech_id: str) -> str:
    return f"tech:{tech_id}"


def board_channel() -> str:
    return "board"


def credentials_channel() -> str:
    """Where revocations are announced: an event of kind "credential" whose id is one of
    a principal's credential keys (`sub:<subject>`, `session:<id>`, `jti:<id>`); every
    process re-checks the sockets holding such a credential and closes the dead ones."""
    return "credentials"


def encode(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"))


def decode(raw: str | bytes) -> Event | None:
    """Parse a wire event; anything malformed is dropped rather than crashing a reader."""
    try:
        data = json.loads(raw)
    except (ValueError, TypeError, RecursionError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("kind") not in ("job", "technician", "board", "message", "alert", "credential")
        or not isinstance(data.get("id"), str)
        or not isinstance(data.get("version"), int)
        or isinstance(data.get("version"), bool)
    ):
        return None
    return Event(kind=data["kind"], id=data["id"], version=data["version"])


def resync_event(channel: str) -> Event:
    """Tells a listener to re-read everything it shows (version -1 is never real)."""
    return Event(kind="board", id=channel, version=-1)


class Subscription:
    """One listener's bounded queue of events on one channel."""

    def __init__(self, channel: str, maxsize: int = 64) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)

    def deliver(self, event: Event) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            # A slow listener never blocks the publisher. Its backlog is replaced by one
            # "look at everything again" event, so no change is lost, only coalesced.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(resync_event(self.channel))

    async def next(self, within: float | None = None) -> Event | None:
        """The next event, or None when `within` seconds pass without one."""
        try:
            return await asyncio.wait_for(self._queue.get(), within)
        except TimeoutError:
            return None

    def drain(self) -> int:
        """Discard queued events (the caller is about to re-read anyway)."""
        n = 0
        while not self._queue.empty():
            self._queue.get_nowait()
            n += 1
        return n

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self._queue.get()


class Broker(Protocol):
    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    def listener_count(self) -> int:
        """Live local subscriptions (for leak tests and metrics)."""
        ...
