"""The broker contract shared by both backends.

Events carry no state, only what to look at again: a subscriber re-reads MongoDB.
That is why a listener's backlog may be replaced when it is full: a full backlog
already holds a pending "look again", so nothing is lost by coalescing it into one.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
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
    """One listener's bounded backlog of events on one channel (one consumer).

    Hand-rolled rather than an `asyncio.Queue`: every phone holds one for hours, so an
    idle listener should cost as little as possible. A Queue carries three deques and an
    Event, and `wait_for` on its `get()` wraps each wait in a Task; this is one deque and,
    only while the consumer waits, one future and one timer.
    """

    __slots__ = ("_events", "_maxsize", "_waiter", "channel")

    def __init__(self, channel: str, maxsize: int = 64) -> None:
        self.channel = channel
        self._events: deque[Event] = deque()
        self._maxsize = maxsize
        self._waiter: asyncio.Future[None] | None = None

    def deliver(self, event: Event) -> None:
        if len(self._events) >= self._maxsize:
            # A slow listener never blocks the publisher. Its backlog is replaced by one
            # "look at everything again" event, so no change is lost, only coalesced.
            self._events.clear()
            event = resync_event(self.channel)
        self._events.append(event)
        _wake(self._waiter)

    async def next(self, within: float | None = None) -> Event | None:
        """The next event, or None when `within` seconds pass without one."""
        if not self._events:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = None if within is None else loop.call_later(within, _wake, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
            if not self._events:
                return None
        return self._events.popleft()

    def drain(self) -> int:
        """Discard queued events (the caller is about to re-read anyway)."""
        n = len(self._events)
        self._events.clear()
        return n

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self.next()
            if event is not None:
                yield event


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class Broker(Protocol):
    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    def listener_count(self) -> int:
        """Live local subscriptions (for leak tests and metrics)."""
        ...
