"""The position path: thousands of phone positions a second without a write each.

A reported position goes to `realtime.Positions` (process memory; Redis when there is
one), nothing more. A ticker then, once per `board_position_interval`:

- shares the moved positions through Redis, so every process's board and tracking
  page read the newest one;
- tells the boards once per moved tech (the board coalesces per tech anyway);
- persists to MongoDB each tech's newest position at most once per
  `PERSIST_EVERY_SECONDS` (and everything unpersisted at stop), without a version
  bump: positions are not decisions, and nothing re-reads a tech for one.

Reads that show or use a position (the board, tracking, routing's travel time) lay
the newest known position over the stored document with `overlay`.

Without `start` (the simulator, scripts) a position is written straight to MongoDB,
as before: a virtual day has no ticker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from api.core.errors import NextjobError
from api.core.tasks import cancel_all
from api.persistence import updates
from api.persistence.documents import geo_point
from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel
from realtime.positions import Position, Positions

log = logging.getLogger(__name__)

PERSIST_EVERY_SECONDS = 30.0


class PositionPath:
    """Takes positions fast; shares, announces and persists them on a ticker."""

    def __init__(
        self,
        store: Store,
        broker: Broker,
        positions: Positions,
        version_of: Callable[[str], int],
        tick_seconds: float,
    ) -> None:
        self.store = store
        self.broker = broker
        self.positions = positions
        self.version_of = version_of
        self.tick_seconds = max(tick_seconds, 0.05)
        self.accepted = 0  # positions taken since start (benchmarks)
        self._unpersisted: dict[str, Position] = {}
        self._persisted_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def following(self) -> bool:
        """Whether the ticker runs (a started app); else positions go straight to MongoDB."""
        return self._task is not None

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick_forever(), name="position-ticker")

    async def stop(self) -> None:
        """Stop the ticker, then persist every position not yet in MongoDB."""
        if self._task is not None:
            await cancel_all([self._task])
            self._task = None
        with contextlib.suppress(NextjobError), mapped_driver_errors():
            await self.flush(persist_all=True)
        await self.positions.close()

    def report(self, tech_id: str, lat: float, lon: float, at: datetime) -> None:
        """Take one position (memory only; the ticker does the rest)."""
        self.positions.put(tech_id, lat, lon, at)
        self.accepted += 1

    async def overlay(self, docs: list[Doc]) -> None:
        """Lay each tech's newest known position over its stored one, in place (when
        not following, positions are written to MongoDB directly: nothing to lay)."""
        if not self.following:
            return
        latest = await self.positions.latest([d["_id"] for d in docs])
        for doc in docs:
            pos = latest.get(doc["_id"])
            stored_at = doc.get("location_at")
            if pos is not None and (stored_at is None or _aware(pos[2]) > _aware(stored_at)):
                doc["location"] = geo_point(pos[0], pos[1])
                doc["location_at"] = pos[2]

    async def persist(self, tech_id: str) -> None:
        """Write this tech's newest position to MongoDB now (a status change: what is
        computed from the stored position, like the customer's ETA, sees it)."""
        pos = self.positions.latest_here(tech_id)
        if pos is None or not self.following:
            return
        await updates.tech_locations(self.store, {tech_id: pos})
        self._unpersisted.pop(tech_id, None)
        self._persisted_at[tech_id] = time.monotonic()

    async def flush(self, *, persist_all: bool = False) -> None:
        """Share and announce what moved; persist what is due."""
        moved = self.positions.take_moved()
        if moved:
            await self.positions.share(moved)
            for tech_id in moved:
                event = Event(kind="technician", id=tech_id, version=self.version_of(tech_id))
                await self.broker.publish(board_channel(), event)
            self._unpersisted.update(moved)
        now = time.monotonic()
        due = {
            t: p
            for t, p in self._unpersisted.items()
            if persist_all
            or now - self._persisted_at.get(t, -PERSIST_EVERY_SECONDS) >= PERSIST_EVERY_SECONDS
        }
        if due:
            await updates.tech_locations(self.store, due)
            for tech_id in due:
                del self._unpersisted[tech_id]
                self._persisted_at[tech_id] = now

    async def _tick_forever(self) -> None:
        # A housekeeping timer on the event loop's clock: it paces work in this process.
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                with mapped_driver_errors():
                    await self.flush()
            except NextjobError as exc:
                log.warning("position flush skipped: %s", exc.message)


def _aware(at: datetime) -> datetime:
    # MongoDB hands back naive UTC datetimes unless the client is tz-aware.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
