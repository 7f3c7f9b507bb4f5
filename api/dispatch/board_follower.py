"""A process's copy of some documents, kept fresh by following the board channel.

The open-job index and the technician cache both: subscribe before their first full
read (so no change made during it goes unheard), handle each board event as it comes,
heal with a full read every period and after a broker reconnect (events may have been
lost), and log a failed update instead of dying (the next event or heal corrects it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

from api.core.errors import NextjobError
from api.core.tasks import cancel_all
from api.persistence.driver_errors import mapped_driver_errors
from realtime import Broker, Event, Subscription, board_channel

log = logging.getLogger(__name__)


class BoardFollower:
    """Subclasses say how to `heal` (a full read) and what an event of theirs means."""

    what = "copy"  # named in logs and task names

    def __init__(self, broker: Broker, resync_seconds: float) -> None:
        self.broker = broker
        self.resync_every = resync_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._exit = contextlib.AsyncExitStack()

    async def heal(self) -> None:
        raise NotImplementedError

    async def on_event(self, event: Event) -> None:
        """One board event of this follower's kind (others are ignored)."""
        raise NotImplementedError

    async def start(self) -> None:
        """Load, then follow the board's events and heal periodically until `stop`."""
        sub = await self._exit.enter_async_context(self.broker.subscribe(board_channel()))
        await self.heal()
        self._tasks = [
            asyncio.create_task(self._listen(sub), name=f"{self.what}-listener"),
            asyncio.create_task(self._heal_forever(), name=f"{self.what}-heal"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_all(tasks)
        await self._exit.aclose()

    @property
    def following(self) -> bool:
        """Whether the copy follows the broker (started), or is read on demand."""
        return bool(self._tasks)

    async def _listen(self, sub: Subscription) -> None:
        async for event in sub:
            if event["kind"] == "board" and event["version"] < 0:
                work = self.heal()  # the broker reconnected: events may have been lost
            else:
                work = self.on_event(event)
            await self._safely(work)

    async def _heal_forever(self) -> None:
        # A housekeeping timer on the event loop's clock, not the (maybe virtual) domain
        # clock: it paces work in this process, it does not decide anything.
        while True:
            await asyncio.sleep(self.resync_every)
            await self._safely(self.heal())

    async def _safely(self, work: Awaitable[None]) -> None:
        try:
            with mapped_driver_errors():
                await work
        except NextjobError as exc:
            log.warning("%s update skipped: %s", self.what, exc.message)
