"""Each API process's in-memory index of the open (booked) jobs, for routing.

A decision reads its candidates from here, so it costs no database round trip but
the atomic assignment itself. The index is kept fresh three ways:

- a load at start, then a resync every period that compares `version`s with
  MongoDB and re-reads only what differs (heals anything a lost event left);
- the board's "job" events: re-read that one job and upsert or drop it;
- the service's own writes, applied directly (no wait for the broker round trip).

A stale entry is harmless: the assignment's conditional write refuses it with
Conflict, dispatch tries the runner-up, and `refresh` corrects the entry.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from api.core.clock import Clock
from api.core.domain import JobStatus
from api.dispatch.board_follower import BoardFollower
from api.dispatch.profiles import open_job
from api.persistence import lookups
from api.persistence.store import Doc, Store
from realtime import Broker, Event
from routing import JobPool, JobTable

log = logging.getLogger(__name__)

_BOOKED = JobStatus.BOOKED.value
_FETCH_CHUNK = 1000


class OpenJobIndex(BoardFollower):
    """The booked jobs of one process, as a `JobPool` that routing scores in place."""

    what = "open-job index"

    def __init__(self, store: Store, broker: Broker, clock: Clock, resync_seconds: float) -> None:
        super().__init__(broker, resync_seconds)
        self.store = store
        self.clock = clock
        self.pool = JobPool()
        self._versions: dict[str, int] = {}  # newest version applied, booked or not
        self._pending: set[str] | None = None  # ids applied while a resync reads
        self._loaded_at: datetime | None = None  # on the service's clock
        self._resync_lock = asyncio.Lock()

    # ---- lifecycle ---------------------------------------------------------------------

    async def ensure_fresh(self) -> None:
        """Without `start` (the simulator, scripts), resync when a period has passed on
        the service's clock, so a virtual day sees direct database writes too."""
        if self.following:
            return
        period = timedelta(seconds=self.resync_every)
        if self._loaded_at is None or self.clock() - self._loaded_at >= period:
            await self.resync()

    # ---- reads -------------------------------------------------------------------------

    def table(self) -> JobTable:
        """The open jobs as routing's table: valid until the index next changes."""
        return self.pool.table()

    def __len__(self) -> int:
        return len(self.pool)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self.pool

    # ---- updates -----------------------------------------------------------------------

    def apply(self, doc: Doc) -> None:
        """Take a job document just written or read: booked means open, anything else
        means gone. An older version than one already applied is ignored."""
        job_id = str(doc["_id"])
        version = int(doc.get("version", 0))
        if version < self._versions.get(job_id, -1):
            return
        self._versions[job_id] = version
        if self._pending is not None:
            self._pending.add(job_id)
        if doc.get("status") != _BOOKED:
            self.pool.remove(job_id)
            return
        try:
            self.pool.upsert(open_job(doc))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("open job %s left out of the index: %s", job_id, exc)
            self.pool.remove(job_id)

    async def refresh(self, job_id: str) -> None:
        """Re-read one job from MongoDB and apply it (dropping it if it is gone)."""
        doc = await lookups.job_or_none(self.store, job_id)
        if doc is not None:
            self.apply(doc)
            return
        self.pool.remove(job_id)
        if self._pending is not None:
            self._pending.add(job_id)

    async def heal(self) -> None:
        await self.resync()

    async def resync(self) -> None:
        """Make the index equal MongoDB's booked jobs, re-reading only what changed."""
        async with self._resync_lock:
            self._pending = set()
            try:
                await self._resync()
            finally:
                self._pending = None
            self._loaded_at = self.clock()

    async def _resync(self) -> None:
        if not self.pool:
            async for doc in lookups.booked_jobs(self.store):
                self.apply(doc)
        booked = await lookups.booked_versions(self.store)
        changed = [
            job_id
            for job_id, version in booked.items()
            if job_id not in self.pool or self._versions.get(job_id) != version
        ]
        for start in range(0, len(changed), _FETCH_CHUNK):
            chunk = changed[start : start + _FETCH_CHUNK]
            async for doc in lookups.jobs_by_ids(self.store, chunk):
                self.apply(doc)
        pending = self._pending or set()
        for job_id in self.pool.ids():
            # Applied during this resync means newer than the snapshot: keep it.
            if job_id not in booked and job_id not in pending:
                self.pool.remove(job_id)
        self._versions = {
            job_id: v
            for job_id, v in self._versions.items()
            if job_id in self.pool or job_id in pending
        }

    # ---- background --------------------------------------------------------------------

    async def on_event(self, event: Event) -> None:
        if event["kind"] == "job" and event["version"] > self._versions.get(event["id"], -1):
            await self.refresh(event["id"])
