"""Giving a job back to the pool: the one place that frees a job and its technician
together (declines, reassigned late calls, dispatcher unassign, silent phones)."""

from __future__ import annotations

from api.core.domain import TechStatus
from api.core.events import EventType
from api.core.principal import Principal
from api.dispatch import moves
from api.dispatch.deps import Dispatch, publish_job, publish_tech
from api.persistence import lookups
from api.persistence.store import Doc
from api.persistence.transitions import move_job_and_tech


async def release(
    d: Dispatch,
    actor: Principal,
    job: Doc,
    *,
    event_type: EventType,
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
        tech_doc = await lookups.technician(d.store, tech_id)
        today = d.clock().date().isoformat()
        declined = (
            tech_doc.get("declined_today", []) if tech_doc.get("declined_day") == today else []
        )
        set_tech = {"declined_today": [*declined, job["_id"]], "declined_day": today}
        inc = {"declines_total": 1}
    released, tech = await move_job_and_tech(
        d.store,
        now=d.clock(),
        actor=actor.as_actor(),
        event_type=event_type,
        data={"reason": reason},
        job=moves.release(job),
        tech=moves.free(tech_id, to=tech_to, set_=set_tech, inc=inc),
    )
    await publish_job(d, {**released, "tech_id": tech_id})  # the old phone looks again
    await publish_tech(d, tech)
    return released, tech
