"""The technician's voice: vents, late calls, running late, declines and overtime.

Techs never pick their jobs, but they are heard: each of these raises an alert on the
board (`alerts`), and a dispatcher's reply or decision reaches the phone through the
tech's message thread (`answers`). Vents are private to dispatchers and managers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from api.core.domain import ACTIVE_STATUSES, JobStatus, TechStatus
from api.core.errors import Conflict, InvalidInput, NotFound
from api.core.events import EventType
from api.core.principal import Principal
from api.core.validation import identifier, text
from api.dispatch.assignment import dispatch_idle, dispatch_tech
from api.dispatch.deps import Dispatch, acting_tech, publish_job, publish_tech, tell_customer
from api.dispatch.handback import release
from api.persistence import lookups, updates
from api.persistence.store import Doc
from api.voice.alerts import AlertBoard, AlertKind


async def vent(d: Dispatch, board: AlertBoard, actor: Principal, body: str) -> Doc:
    """Say something to dispatch (private to dispatchers and managers)."""
    tech_id = acting_tech(actor)
    said = text(body, "text", max_len=2000)
    await lookups.technician(d.store, tech_id)
    alert = await board.raise_alert(tech_id, AlertKind.VENT, said)
    await board.post(tech_id, actor, "to_dispatch", said, alert["_id"])
    return alert


async def flag_late_call(
    d: Dispatch, board: AlertBoard, actor: Principal, job_id: str, reason: str
) -> Doc:
    """Ask dispatch whether to keep a job that will run past the shift."""
    tech_id, job, why = await _own_job_because(d, actor, job_id, reason)
    if await board.unresolved(AlertKind.LATE_CALL, job["_id"]) is not None:
        raise Conflict("this late call is already flagged; dispatch will answer")
    return await board.raise_alert(tech_id, AlertKind.LATE_CALL, why, job_id=job["_id"])


async def report_running_late(
    d: Dispatch, board: AlertBoard, actor: Principal, job_id: str, minutes: int, reason: str
) -> Doc:
    """A new arrival time for the current job, logged; past the window, dispatch is
    alerted and the customer told."""
    tech_id = acting_tech(actor)
    if not 1 <= minutes <= 600:
        raise InvalidInput("minutes must be between 1 and 600", "minutes")
    why = text(reason, "reason", max_len=500)
    job = await own_active_job(d, tech_id, job_id)
    now = d.clock()
    eta = now + timedelta(minutes=minutes)
    updated = await updates.job_eta(
        d.store, job["_id"], tech_id, eta, now=now, actor=actor.as_actor(), reason=why
    )
    if updated is None:
        raise Conflict("the job changed; look at your current job again")
    if eta > updated["window_end"]:
        await board.raise_alert(
            tech_id, AlertKind.RUNNING_LATE, why, job_id=job["_id"], minutes=minutes
        )
        await tell_customer(d, updated, "running_late", eta=eta)
    await publish_job(d, updated)
    return updated


async def decline_job(
    d: Dispatch, board: AlertBoard, actor: Principal, job_id: str, reason: str
) -> Doc:
    """Hand the job back: it returns to the pool and is never offered to this tech today."""
    tech_id, job, why = await _own_job_because(d, actor, job_id, reason)
    if job["status"] != JobStatus.ASSIGNED.value:
        raise Conflict("only a job you have not started can be declined; call dispatch")
    released, _ = await release(
        d, actor, job, event_type=EventType.JOB_DECLINED, reason=why, remember_decline=True
    )
    await board.raise_alert(tech_id, AlertKind.DECLINED, why, job_id=job_id)
    await dispatch_idle(d)
    return released


async def accept_overtime(d: Dispatch, actor: Principal, until: datetime) -> Doc:
    """The tech will work until `until` (at most 8 hours on); a free tech is routed."""
    tech_id = acting_tech(actor)
    check_overtime_end(until, d.clock())
    tech = await grant_overtime(d, actor, tech_id, until, "accepted by the technician")
    if tech["status"] == TechStatus.AVAILABLE.value:
        await dispatch_tech(d, tech_id)
    return tech


def check_overtime_end(until: datetime, now: datetime) -> None:
    """Overtime (accepted or asked for) ends after now and at most 8 hours on."""
    if until.tzinfo is None:
        raise InvalidInput("until needs a time zone offset", "until")
    if not now < until <= now + timedelta(hours=8):
        raise InvalidInput("overtime must end within the next 8 hours", "until")


async def grant_overtime(
    d: Dispatch, actor: Principal, tech_id: str, until: datetime, reason: str
) -> Doc:
    """Record overtime until `until` (logged with the version bump), then announce it."""
    tech = await updates.overtime(
        d.store, tech_id, until, now=d.clock(), actor=actor.as_actor(), reason=reason
    )
    if tech is None:
        raise NotFound(f"technician {tech_id} not found")
    await publish_tech(d, tech)
    return tech


async def own_active_job(d: Dispatch, tech_id: str, job_id: str) -> Doc:
    """The tech's current job by id: NOT_FOUND if not theirs, CONFLICT if not active."""
    identifier(job_id, "jobId")
    job = await lookups.techs_job(d.store, tech_id, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job["status"] not in [s.value for s in ACTIVE_STATUSES]:
        raise Conflict(f"job {job_id} is {job['status']}, not your current job")
    return job


async def _own_job_because(
    d: Dispatch, actor: Principal, job_id: str, reason: str
) -> tuple[str, Doc, str]:
    """The acting tech, their active job `job_id`, and their checked reason."""
    tech_id = acting_tech(actor)
    why = text(reason, "reason", max_len=500)
    return tech_id, await own_active_job(d, tech_id, job_id), why
