"""The dispatch service's foundation: its clients, lookups and announcements.

Every state change is written by a subclass as one atomic transition; this base class
knows where things are and how to tell the broker which channels should look again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum

from api.core.clock import Clock, utcnow
from api.core.domain import Role
from api.core.errors import Forbidden, NotFound
from api.core.principal import Principal
from api.core.settings import Settings
from api.customers.timing import CustomerTiming
from api.dispatch.open_jobs import OpenJobIndex
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel, tech_channel


class Policy(StrEnum):
    """How the next job is chosen: `revenue` is the product; the others are the
    hand-dispatch baselines the simulator measures it against."""

    REVENUE = "revenue"
    NEAREST = "nearest"
    FIFO = "fifo"


class ServiceCore:
    def __init__(
        self,
        store: Store,
        broker: Broker,
        settings: Settings,
        clock: Clock = utcnow,
        policy: Policy = Policy.REVENUE,
    ) -> None:
        self.policy = policy
        self.store = store
        self.broker = broker
        self.settings = settings
        self.clock = clock
        self._dispatch_lock = asyncio.Lock()
        # Set by the app: tells customers when their tech is on the way.
        self.customer_timing: CustomerTiming | None = None
        # Set by the app: counts assignment decisions by who decided (metrics).
        self.on_assignment: Callable[[str], None] = lambda decided_by: None
        self.open_jobs = OpenJobIndex(store, broker, clock, settings.resync_seconds)

    async def start(self) -> None:
        """Load the open-job index and keep it fresh (call from the app's lifespan)."""
        await self.open_jobs.start()

    async def stop(self) -> None:
        await self.open_jobs.stop()

    # ---- helpers -------------------------------------------------------------------------

    def _tech_id(self, actor: Principal) -> str:
        if actor.role is not Role.TECHNICIAN:
            raise Forbidden("only a technician can do this, for themselves")
        return actor.subject

    async def _technician(self, tech_id: str) -> Doc:
        doc: Doc | None = await self.store.technicians.find_one({"_id": tech_id})
        if doc is None:
            raise NotFound(f"technician {tech_id} not found")
        return doc

    async def _job(self, job_id: str) -> Doc:
        doc: Doc | None = await self.store.jobs.find_one({"_id": job_id})
        if doc is None:
            raise NotFound(f"job {job_id} not found")
        return doc

    # Public for the services built on this one (voice, customer timing).
    async def job(self, job_id: str) -> Doc:
        return await self._job(job_id)

    async def technician(self, tech_id: str) -> Doc:
        return await self._technician(tech_id)

    async def publish_job(self, job: Doc) -> None:
        await self._publish_job(job)

    async def publish_tech(self, tech: Doc) -> None:
        await self._publish_tech(tech)

    async def _publish_job(self, job: Doc) -> None:
        # Every job write ends here, so this process's index never waits for the broker.
        self.open_jobs.apply(job)
        event = Event(kind="job", id=job["_id"], version=job["version"])
        if job.get("tech_id"):
            await self.broker.publish(tech_channel(job["tech_id"]), event)
        await self.broker.publish(board_channel(), event)

    async def _publish_tech(self, tech: Doc) -> None:
        event = Event(kind="technician", id=tech["_id"], version=tech["version"])
        await self.broker.publish(tech_channel(tech["_id"]), event)
        await self.broker.publish(board_channel(), event)
