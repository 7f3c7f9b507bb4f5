"""In-process broker: one API process, no Redis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from realtime.broker import Event, Subscription


class MemoryBroker:
    def __init__(self) -> None:
        self._listeners: defaultdict[str, set[Subscription]] = defaultdict(set)

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._listeners.clear()

    async def publish(self, channel: str, event: Event) -> None:
        for sub in tuple(self._listeners.get(channel, ())):
            sub.deliver(event)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        sub = Subscription(channel)
        self._listeners[channel].add(sub)
        try:
            yield sub
        finally:
            listeners = self._listeners.get(channel)
            if listeners is not None:
                listeners.discard(sub)
                if not listeners:
                    del self._listeners[channel]

    def listener_count(self) -> int:
        return sum(len(s) for s in self._listeners.values())
