"""Phones confirm the job they show; assignments nobody confirmed are flagged (and, if
configured, handed back so routing stops feeding a dead phone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.core.domain import Role, TechStatus
from api.core.errors import Conflict, Forbidden, NotFound
from api.core.events import EventType
from api.core.principal import SYSTEM, Principal
from api.core.validation import identifier
from api.dispatch.assignment import dispatch_idle
from api.dispatch.deps import Dispatch
from api.dispatch.handback import release
from api.persistence import lookups, updates
from api.persistence.store import Doc
from api.voice.alerts import AlertBoard, AlertKind


async def acknowledge_job(d: Dispatch, actor: Principal, job_id: str, version: int) -> Doc:
    """The phone has this job on screen. Bookkeeping only: no version bump, so an
    acknowledgement never triggers another push."""
    if actor.role is not Role.TECHNICIAN:
        raise Forbidden("only the technician's phone acknowledges a job")
    tech_id = actor.subject
    identifier(job_id, "jobId")
    job = await updates.acknowledge(d.store, job_id, tech_id, version, d.clock())
    if job is None:
        if await lookups.techs_job(d.store, tech_id, job_id) is None:
            raise NotFound(f"job {job_id} not found")
        raise Conflict(f"job {job_id} is not your current job at version {version}")
    return job


async def sweep_unacknowledged(
    d: Dispatch, board: AlertBoard, now: datetime, after: timedelta, reassign: bool
) -> int:
    """Flag assignments no phone confirmed within `after`; optionally hand them back
    (the silent tech goes on break, so routing stops sending work to a dead phone)."""
    flagged = 0
    async for job in lookups.unacknowledged_assignments(d.store, now - after):
        claimed = await updates.claim_unacknowledged(d.store, job["_id"], now)
        if claimed is None:
            continue
        # Hand the job back before alerting, so the alert never precedes the fix.
        if reassign:
            await release(
                d,
                SYSTEM,
                claimed,
                event_type=EventType.JOB_UNACKNOWLEDGED,
                reason="phone did not acknowledge",
                remember_decline=True,
                tech_to=TechStatus.ON_BREAK,
            )
            await dispatch_idle(d)
        minutes = int((now - job["assigned_at"]).total_seconds() // 60)
        await board.raise_alert(
            job["active_tech_id"],
            AlertKind.UNACKNOWLEDGED,
            f"assignment not acknowledged after {minutes} min",
            job_id=job["_id"],
        )
        flagged += 1
    return flagged
