"""What a dispatcher does by hand on the board: assign, reassign, unassign, cancel,
reschedule. Each checks its input, writes one transition, announces, then lets routing
give any tech it freed their next job."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from api.core.domain import ACTIVE_STATUSES, JobStatus
from api.core.errors import Conflict, InvalidInput
from api.core.events import EventType
from api.core.principal import Principal
from api.core.validation import identifier, text
from api.dispatch import moves
from api.dispatch.assignment import assign, dispatch_tech
from api.dispatch.deps import Dispatch, publish_job, publish_tech, tell_customer
from api.dispatch.handback import release
from api.persistence import lookups
from api.persistence.documents import rebooked_job
from api.persistence.store import Doc
from api.persistence.transitions import move_job_and_any_tech, move_job_and_tech


async def assign_job(
    d: Dispatch, actor: Principal, job_id: str, tech_id: str, override_skills: bool = False
) -> Doc:
    """A dispatcher's override: this booked job to this technician, now. A tech without
    the job's required skills needs `override_skills`, recorded in the reasons."""
    identifier(job_id, "jobId")
    identifier(tech_id, "technicianId")
    tech = await lookups.technician(d.store, tech_id)
    job = await lookups.job(d.store, job_id)
    reasons = _dispatcher_reasons(job, tech, override_skills, "assign")
    return await assign(d, actor, job_id, tech_id, reasons)


def _dispatcher_reasons(job: Doc, tech: Doc, override_skills: bool, verb: str) -> Doc:
    """What a dispatcher's choice records; a tech lacking a required skill needs the
    explicit override, so a slip of the finger never sends the wrong trade."""
    missing = sorted(set(job.get("required_skills", ())) - set(tech.get("skills", ())))
    reasons: Doc = {"decided_by": "dispatcher"}
    if missing:
        if not override_skills:
            raise InvalidInput(
                f"technician {tech['_id']} lacks the required skills {', '.join(missing)}; "
                f"pass overrideSkills: true to {verb} anyway",
                "overrideSkills",
            )
        reasons["overridden_skills"] = missing
        reasons["notes"] = [
            f"Dispatcher override: {verb}ed without the required skills {', '.join(missing)}."
        ]
    return reasons


async def reassign(
    d: Dispatch,
    actor: Principal,
    job_id: str,
    tech_id: str,
    force: bool,
    override_skills: bool = False,
) -> Doc:
    """Move an active job to another available tech in one transaction. A job whose
    tech is already driving to it is locked unless the dispatcher forces it; a tech
    without the job's skills needs `override_skills`, as for an assignment."""
    identifier(job_id, "jobId")
    identifier(tech_id, "technicianId")
    job = await lookups.job(d.store, job_id)
    if job["status"] == JobStatus.BOOKED.value:
        return await assign_job(d, actor, job_id, tech_id, override_skills)
    movable = [JobStatus.ASSIGNED] + ([JobStatus.EN_ROUTE] if force else [])
    if job["status"] not in movable:
        hint = (
            " (its tech is driving to it: force to override)"
            if job["status"] == JobStatus.EN_ROUTE.value
            else ""
        )
        raise Conflict(f"job {job_id} is {job['status']}; it cannot be reassigned{hint}")
    old = job["active_tech_id"]
    if old == tech_id:
        raise Conflict("the job is already this technician's")
    reasons = _dispatcher_reasons(
        job, await lookups.technician(d.store, tech_id), override_skills, "reassign"
    )
    now = d.clock()
    moved, new_tech = await move_job_and_tech(
        d.store,
        now=now,
        actor=actor.as_actor(),
        event_type=EventType.JOB_REASSIGNED,
        data={"from_tech_id": old},
        job=moves.assign(
            job_id,
            tech_id,
            now,
            {**reasons, "decided_at": now},
            from_=JobStatus(job["status"]),
        ),
        tech=moves.occupy(tech_id, job_id),
        other_tech=moves.free(old),
    )
    await publish_job(d, moved)
    await publish_job(d, {**moved, "tech_id": old})  # the old phone looks again
    await publish_tech(d, new_tech)
    await publish_tech(d, await lookups.technician(d.store, old))
    await dispatch_tech(d, old)
    return moved


async def unassign(d: Dispatch, actor: Principal, job_id: str, reason: str) -> Doc:
    """Back to the pool, never offered to that tech again today; the tech is routed."""
    identifier(job_id, "jobId")
    why = text(reason, "reason", max_len=500)
    job = await lookups.job(d.store, job_id)
    if job["status"] not in (JobStatus.ASSIGNED.value, JobStatus.EN_ROUTE.value):
        raise Conflict(
            f"job {job_id} is {job['status']}; only assigned or en-route jobs can be unassigned"
        )
    released, tech = await release(
        d, actor, job, event_type=EventType.JOB_UNASSIGNED, reason=why, remember_decline=True
    )
    await dispatch_tech(d, tech["_id"])
    return released


async def cancel_job(d: Dispatch, actor: Principal, job_id: str, reason: str) -> Doc:
    """The visit is off; a tech it occupied is freed and routed (nearby urgency-list
    customers first)."""
    identifier(job_id, "jobId")
    why = text(reason, "reason", max_len=500)
    cancellable = (JobStatus.BOOKED, *ACTIVE_STATUSES)
    for attempt in range(3):
        current = await lookups.job(d.store, job_id)
        if current["status"] not in cancellable:
            raise Conflict(f"job {job_id} is {current['status']}; it cannot be cancelled")
        tech_id = current.get("active_tech_id")
        now = d.clock()
        try:
            job, tech = await move_job_and_any_tech(
                d.store,
                now=now,
                actor=actor.as_actor(),
                event_type=EventType.JOB_CANCELLED,
                data={"reason": why},
                job=moves.cancel(current, now, why),
                tech=moves.free(tech_id) if tech_id else None,
            )
        except Conflict:
            if attempt == 2:
                raise
            continue  # the job moved on between our read and write; look again
        await publish_job(d, job)
        if tech is not None:
            await publish_tech(d, tech)
            await dispatch_tech(d, tech["_id"], slot_opened=True)
        return job
    raise Conflict(f"job {job_id} keeps changing; try again")  # pragma: no cover


async def reschedule(
    d: Dispatch, actor: Principal, job_id: str, start: datetime, end: datetime, reason: str
) -> Doc:
    """The visit moves to a new window: this job ends `rescheduled` and a new booked
    job carries the visit on (so each day's record stays complete). Its tech, if any,
    is freed; the customer is told the new window."""
    identifier(job_id, "jobId")
    why = text(reason, "reason", max_len=500)
    now = d.clock()
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("window times need a time zone offset", "window")
    if not (now < end and start < end <= start + timedelta(hours=12)):
        raise InvalidInput("the new window must be in the future, at most 12 hours", "window")
    job = await lookups.job(d.store, job_id)
    if job["status"] not in (JobStatus.BOOKED.value, JobStatus.ASSIGNED.value):
        raise Conflict(
            f"job {job_id} is {job['status']}; only jobs not yet started can be rescheduled"
        )
    fresh = rebooked_job(
        job,
        "job_" + secrets.token_hex(8),
        window_start=start,
        window_end=end,
        booked_at=now,
        booked_by=actor.as_actor(),
    )
    tech_id = job.get("active_tech_id")
    old, tech = await move_job_and_any_tech(
        d.store,
        now=now,
        actor=actor.as_actor(),
        event_type=EventType.JOB_RESCHEDULED,
        data={"to": fresh["_id"]},
        job=moves.reschedule(job, fresh["_id"], why),
        tech=moves.free(tech_id) if tech_id else None,
        successor=fresh,
    )
    await publish_job(d, old)
    await publish_job(d, fresh)
    if tech is not None:
        await publish_tech(d, tech)
        await dispatch_tech(d, tech["_id"])
    await tell_rescheduled(d, fresh)
    return await lookups.job(d.store, fresh["_id"])


async def tell_rescheduled(d: Dispatch, fresh: Doc) -> None:
    """Tell the customer the new window of their moved visit."""
    await tell_customer(d, fresh, "rescheduled", eta=fresh["window_start"])
