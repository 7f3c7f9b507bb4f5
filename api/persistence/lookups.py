"""The reads the dispatch and voice actions make: by id, or by what a rule needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from api.core.domain import JobKind, JobStatus, TechStatus
from api.core.errors import NotFound
from api.persistence.store import Doc, Store


async def job(store: Store, job_id: str) -> Doc:
    """A job by id, or NOT_FOUND."""
    return _found(await job_or_none(store, job_id), f"job {job_id}")


async def job_or_none(store: Store, job_id: str) -> Doc | None:
    doc: Doc | None = await store.jobs.find_one({"_id": job_id})
    return doc


async def technician(store: Store, tech_id: str) -> Doc:
    """A technician by id, or NOT_FOUND."""
    return _found(await technician_or_none(store, tech_id), f"technician {tech_id}")


def _found(doc: Doc | None, what: str) -> Doc:
    if doc is None:
        raise NotFound(f"{what} not found")
    return doc


async def technician_or_none(store: Store, tech_id: str) -> Doc | None:
    doc: Doc | None = await store.technicians.find_one({"_id": tech_id})
    return doc


async def all_technicians(store: Store) -> list[Doc]:
    return await store.technicians.find({}).to_list(None)


async def is_available(store: Store, tech_id: str) -> bool:
    doc = await store.technicians.find_one({"_id": tech_id}, {"status": 1})
    return doc is not None and doc["status"] == TechStatus.AVAILABLE.value


async def techs_job(store: Store, tech_id: str, job_id: str) -> Doc | None:
    """A job that is (or was) this technician's; None for anybody else's."""
    doc: Doc | None = await store.jobs.find_one({"_id": job_id, "tech_id": tech_id})
    return doc


async def assigned_maintenance_visits(store: Store) -> AsyncIterator[Doc]:
    """Maintenance visits assigned but not yet started: what a bump may move."""
    async for doc in store.jobs.find(
        {"kind": JobKind.MAINTENANCE.value, "status": JobStatus.ASSIGNED.value}
    ):
        yield doc


async def unacknowledged_assignments(store: Store, assigned_by: datetime) -> AsyncIterator[Doc]:
    """Assignments made by `assigned_by` that no phone confirmed and nobody flagged yet."""
    async for doc in store.jobs.find(
        {
            "status": JobStatus.ASSIGNED.value,
            "assigned_at": {"$lte": assigned_by},
            "acknowledged_at": {"$exists": False},
            "unacknowledged_alert_at": {"$exists": False},
        }
    ):
        yield doc


async def booked_jobs(store: Store) -> AsyncIterator[Doc]:
    async for doc in store.jobs.find({"status": JobStatus.BOOKED.value}):
        yield doc


async def booked_versions(store: Store) -> dict[str, int]:
    """Every booked job's id and version (for the open-job index's resync)."""
    found: dict[str, int] = {}
    async for doc in store.jobs.find({"status": JobStatus.BOOKED.value}, {"version": 1}):
        found[str(doc["_id"])] = int(doc.get("version", 0))
    return found


async def jobs_by_ids(store: Store, ids: list[str]) -> AsyncIterator[Doc]:
    async for doc in store.jobs.find({"_id": {"$in": ids}}):
        yield doc


async def technician_versions(store: Store) -> dict[str, int]:
    """Every technician's id and version (for the technician cache's check)."""
    found: dict[str, int] = {}
    async for doc in store.technicians.find({}, {"version": 1}):
        found[str(doc["_id"])] = int(doc.get("version", 0))
    return found


async def technicians_by_ids(store: Store, ids: list[str]) -> list[Doc]:
    return await store.technicians.find({"_id": {"$in": ids}}).to_list(None)
