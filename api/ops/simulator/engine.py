"""A discrete-event loop over a virtual clock: actions run in time order, one at a time."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

Action = Callable[[], Awaitable[None]]


class EventQueue:
    """A heap of (time, sequence, action); equal times run in the order they were scheduled.

    `clock` is what the dispatch service is given, so every state change it writes carries
    the virtual time of the action that caused it.
    """

    def __init__(self, start: datetime) -> None:
        self.now = _ms(start)
        self._heap: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def clock(self) -> datetime:
        return self.now

    def at(self, when: datetime, action: Action) -> None:
        heapq.heappush(self._heap, (max(_ms(when), self.now), next(self._order), action))

    def __len__(self) -> int:
        return len(self._heap)

    async def run(self) -> int:
        """Run every action, including those scheduled while running; the number run."""
        done = 0
        while self._heap:
            when, _, action = heapq.heappop(self._heap)
            self.now = when
            await action()
            done += 1
        return done


def _ms(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: a virtual time read back must equal the one written.
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
