"""Phones confirm the job they show; assignments nobody confirmed are flagged (and, if
configured, handed back so routing stops feeding a dead phone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument

from api.core.domain import JobStatus, Role, TechStatus
from api.core.errors import Conflict, Forbidden, NotFound
from api.core.principal import SYSTEM, Principal
from api.core.validation import identifier
from api.dispatch.handback import release
from api.dispatch.service import DispatchService
from api.persistence.store import Doc
from api.voice.alerts import AlertBoard, AlertKind


class Acknowledgements:
    def __init__(self, dispatch: DispatchService, board: AlertBoard) -> None:
        self.dispatch = dispatch
        self.store = dispatch.store
        self.board = board

    async def acknowledge_job(self, actor: Principal, job_id: str, version: int) -> Doc:
        """The phone has this job on screen. Bookkeeping only: no version bump, so an
        acknowledgement never triggers another push."""
        if actor.role is not Role.TECHNICIAN:
            raise Forbidden("only the technician's phone acknowledges a job")
        tech_id = actor.subject
        identifier(job_id, "jobId")
        job: Doc | None = await self.store.jobs.find_one_and_update(
            {"_id": job_id, "active_tech_id": tech_id, "version": {"$gte": version}},
            {
                "$max": {"acknowledged_version": version},
                "$set": {"acknowledged_at": self.dispatch.clock()},
            },
            return_document=ReturnDocument.AFTER,
        )
        if job is None:
            current = await self.store.jobs.find_one({"_id": job_id, "tech_id": tech_id})
            if current is None:
                raise NotFound(f"job {job_id} not found")
            raise Conflict(f"job {job_id} is not your current job at version {version}")
        return job

    async def sweep_unacknowledged(self, now: datetime, after: timedelta, reassign: bool) -> int:
        """Flag assignments no phone confirmed within `after`; optionally hand them back
        (the silent tech goes on break, so routing stops sending work to a dead phone)."""
        flagged = 0
        async for job in self.store.jobs.find(
            {
                "status": JobStatus.ASSIGNED.value,
                "assigned_at": {"$lte": now - after},
                "acknowledged_at": {"$exists": False},
                "unacknowledged_alert_at": {"$exists": False},
            }
        ):
            claimed = await self.store.jobs.find_one_and_update(
                {
                    "_id": job["_id"],
                    "status": JobStatus.ASSIGNED.value,
                    "unacknowledged_alert_at": {"$exists": False},
                    "acknowledged_at": {"$exists": False},
                },
                {"$set": {"unacknowledged_alert_at": now}},
                return_document=ReturnDocument.AFTER,
            )
            if claimed is None:
                continue
            # Hand the job back before alerting, so the alert never precedes the fix.
            if reassign:
                await release(
                    self.dispatch,
                    SYSTEM,
                    claimed,
                    event_type="job.unacknowledged",
                    reason="phone did not acknowledge",
                    remember_decline=True,
                    tech_to=TechStatus.ON_BREAK,
                )
                await self.dispatch.dispatch_idle()
            minutes = int((now - job["assigned_at"]).total_seconds() // 60)
            await self.board.raise_alert(
                job["active_tech_id"],
                AlertKind.UNACKNOWLEDGED,
                f"assignment not acknowledged after {minutes} min",
                job_id=job["_id"],
            )
            flagged += 1
        return flagged
