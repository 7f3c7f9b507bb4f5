"""Read paths for queries and subscriptions: what each caller may see, nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from api.core.domain import JobStatus, Role, TechStatus
from api.core.errors import NotFound
from api.core.principal import Principal
from api.core.validation import identifier
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.store import Doc, Store

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class JobQuery:
    statuses: tuple[JobStatus, ...] = ()
    kinds: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    tech_id: str | None = None
    booked_from: datetime | None = None
    booked_to: datetime | None = None
    limit: int = 100


async def _as_stored(docs: list[Doc]) -> None:
    return None


class Reader:
    """`live` lays what is newer than MongoDB over technicians read (the newest
    positions, which the position path persists at a bounded rate)."""

    def __init__(
        self, store: Store, live: Callable[[list[Doc]], Awaitable[None]] = _as_stored
    ) -> None:
        self.store = store
        self.live = live

    @maps_driver_errors
    async def job_for(self, viewer: Principal, job_id: str) -> Doc:
        """A job, if this viewer may see it; a technician sees only their own."""
        identifier(job_id, "id")
        query: Doc = {"_id": job_id}
        if viewer.role is Role.TECHNICIAN:
            query["tech_id"] = viewer.subject
        doc: Doc | None = await self.store.jobs.find_one(query)
        if doc is None:
            raise NotFound(f"job {job_id} not found")
        return doc

    @maps_driver_errors
    async def job_or_none(self, job_id: str) -> Doc | None:
        doc: Doc | None = await self.store.jobs.find_one({"_id": job_id})
        return doc

    @maps_driver_errors
    async def technician_or_none(self, tech_id: str) -> Doc | None:
        doc: Doc | None = await self.store.technicians.find_one({"_id": tech_id})
        if doc is not None:
            await self.live([doc])
        return doc

    @maps_driver_errors
    async def current_job(self, tech_id: str) -> Doc | None:
        doc: Doc | None = await self.store.jobs.find_one({"active_tech_id": tech_id})
        return doc

    @maps_driver_errors
    async def jobs(self, q: JobQuery) -> list[Doc]:
        query: Doc = {}
        if q.statuses:
            query["status"] = {"$in": [s.value for s in q.statuses]}
        if q.kinds:
            query["kind"] = {"$in": list(q.kinds)}
        if q.priorities:
            query["priority"] = {"$in": list(q.priorities)}
        if q.tech_id is not None:
            query["tech_id"] = identifier(q.tech_id, "technicianId")
        booked: Doc = {}
        if q.booked_from is not None:
            booked["$gte"] = q.booked_from
        if q.booked_to is not None:
            booked["$lt"] = q.booked_to
        if booked:
            query["booked_at"] = booked
        limit = max(1, min(q.limit, MAX_PAGE))
        cursor = self.store.jobs.find(query).sort([("booked_at", 1), ("_id", 1)]).limit(limit)
        return await cursor.to_list(None)

    @maps_driver_errors
    async def technician(self, tech_id: str) -> Doc:
        identifier(tech_id, "id")
        doc: Doc | None = await self.store.technicians.find_one({"_id": tech_id})
        if doc is None:
            raise NotFound(f"technician {tech_id} not found")
        await self.live([doc])
        return doc

    @maps_driver_errors
    async def technicians(self, statuses: tuple[TechStatus, ...] = ()) -> list[Doc]:
        query: Doc = {"status": {"$in": [s.value for s in statuses]}} if statuses else {}
        docs = await self.store.technicians.find(query).sort("name", 1).to_list(None)
        await self.live(docs)
        return docs

    @maps_driver_errors
    async def technicians_by_ids(self, ids: list[str]) -> list[Doc | None]:
        docs = await self.store.technicians.find({"_id": {"$in": ids}}).to_list(None)
        await self.live(docs)
        by_id = {d["_id"]: d for d in docs}
        return [by_id.get(i) for i in ids]
