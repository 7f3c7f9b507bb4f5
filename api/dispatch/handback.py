"""Giving a job back to the pool: the one place that frees a job and its technician
together (declines, reassigned late calls, dispatcher unassign, silent phones)."""

from __future__ import annotations

from api.core.domain import JobStatus, TechStatus
from api.core.principal import Principal
from api.dispatch.service import DispatchService
from api.persistence.store import Doc
from api.persistence.transitions import JobMove, TechMove, transition

# What a job forgets when it goes back to the bucket.
ASSIGNMENT_FIELDS = (
    "active_tech_id",
    "tech_id",
    "assigned_at",
    "travel_started_at",
    "assignment",
    "eta",
    "acknowledged_version",
    "acknowledged_at",
    "unacknowledged_alert_at",
)


async def release(
    dispatch: DispatchService,
    actor: Principal,
    job: Doc,
    *,
    event_type: str,
    reason: str,
    remember_decline: bool,
    tech_to: TechStatus = TechStatus.AVAILABLE,
) -> tuple[Doc, Doc]:
    """Job back to booked and its tech freed, in one transaction.

    With `remember_decline` the job joins the tech's declines for today, so routing
    never offers it to that tech again (and the board counts it).
    """
    tech_id = job["active_tech_id"]
    set_tech: Doc = {}
    inc: dict[str, float] = {}
    if remember_decline:
        tech_doc = await dispatch.technician(tech_id)
        today = dispatch.clock().date().isoformat()
        declined = (
            tech_doc.get("declined_today", []) if tech_doc.get("declined_day") == today else []
        )
        set_tech = {"declined_today": [*declined, job["_id"]], "declined_day": today}
        inc = {"declines_total": 1}
    released, tech = await transition(
        dispatch.store,
        now=dispatch.clock(),
        actor=actor.as_actor(),
        event_type=event_type,
        data={"reason": reason},
        job=JobMove(
            job["_id"], (JobStatus(job["status"]),), JobStatus.BOOKED, unset=ASSIGNMENT_FIELDS
        ),
        tech=TechMove(
            tech_id, (TechStatus.BUSY,), tech_to, set_=set_tech, unset=("current_job_id",), inc=inc
        ),
    )
    assert released is not None and tech is not None
    await dispatch.publish_job({**released, "tech_id": tech_id})
    await dispatch.publish_tech(tech)
    return released, tech
