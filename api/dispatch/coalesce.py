"""Run a piece of background work at most once at a time, and once more if asked again.

A full-fleet batch is asked for by every booking, edit and heal; running one per ask
queued bookings behind each other's batches. Asks while one runs collapse into a
single re-run, which sees everything that changed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from api.core.errors import NextjobError
from api.core.tasks import cancel_all
from api.persistence.driver_errors import mapped_driver_errors

log = logging.getLogger(__name__)


class Coalescer:
    """At most one run in flight; asks during a run make exactly one more run."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._started = False
        self.runs = 0  # how many runs began (tests, metrics)

    @property
    def started(self) -> bool:
        """Whether runs go to the background (an app's lifespan); else the caller awaits."""
        return self._started

    def start(self) -> None:
        self._started = True

    async def stop(self) -> None:
        """Stop taking asks and cancel the run in flight (its writes are each atomic)."""
        self._started = False
        if self._task is not None:
            await cancel_all([self._task])
            self._task = None

    def ask(self, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work` soon in the background, unless a run already will see this ask."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._loop(work), name="coalesced-batch")

    async def idle(self) -> None:
        """Wait until no run is in flight (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _loop(self, work: Callable[[], Awaitable[object]]) -> None:
        while True:
            self._again = False
            self.runs += 1
            try:
                with mapped_driver_errors():
                    await work()
            except NextjobError as exc:
                log.warning("background batch skipped: %s", exc.message)
            if not self._again:
                return
