"""Broken equipment first: on a full day, move a service-agreement visit to tomorrow to
free its tech for the emergency, in one transaction. Nothing is dropped and the customer
is told."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from api.core.domain import JobKind, JobStatus, Priority
from api.core.errors import Conflict
from api.core.principal import Principal
from api.core.validation import identifier
from api.customers.places import point
from api.dispatch import moves
from api.dispatch.deps import Dispatch, publish_job, publish_tech
from api.dispatch.overrides import tell_rescheduled
from api.persistence import lookups
from api.persistence.documents import rebooked_job
from api.persistence.store import Doc
from api.persistence.transitions import swap_job
from routing import GeodesicTravel


@dataclass(frozen=True, slots=True)
class BumpSuggestion:
    """Reschedule `maintenance_job` to free `tech` for the broken-equipment job."""

    job_id: str
    maintenance_job: Doc
    tech: Doc
    travel_minutes: float


async def suggest_bump(d: Dispatch, job_id: str) -> BumpSuggestion | None:
    """For a broken-equipment or emergency job no free tech can take: the assigned,
    not yet started maintenance visit whose tech is closest and qualified."""
    job = await lookups.job(d.store, identifier(job_id, "jobId"))
    if job["status"] != JobStatus.BOOKED.value:
        raise Conflict(f"job {job_id} is {job['status']}, not waiting in the bucket")
    if (
        job["kind"] != JobKind.BROKEN_EQUIPMENT.value
        and job["priority"] != Priority.EMERGENCY.value
    ):
        raise Conflict("only broken equipment or emergencies bump maintenance visits")
    needs = set(job.get("required_skills", []))
    travel = GeodesicTravel()
    best: BumpSuggestion | None = None
    async for m in lookups.assigned_maintenance_visits(d.store):
        tech = await lookups.technician_or_none(d.store, m["active_tech_id"])
        if tech is None or not needs <= set(tech.get("skills", [])):
            continue
        where = tech.get("location") or tech["home"]
        minutes = travel.minutes(point(where), point(job["location"]))
        if best is None or minutes < best.travel_minutes:
            best = BumpSuggestion(job_id, m, tech, minutes)
    return best


async def bump(d: Dispatch, actor: Principal, job_id: str) -> tuple[Doc, Doc]:
    """One outcome: the suggested maintenance visit moves to the same window tomorrow and
    its tech takes the broken-equipment job, in one transaction; or nothing moves
    (CONFLICT) and no customer is told. Routing never runs in between, so it cannot hand
    the freed tech a richer job."""
    suggestion = await suggest_bump(d, job_id)
    if suggestion is None:
        raise Conflict("no assigned maintenance visit with a qualified tech to bump")
    m, tech_id = suggestion.maintenance_job, suggestion.tech["_id"]
    now = d.clock()
    why = f"bumped for broken equipment ({job_id})"
    fresh = rebooked_job(
        m,
        "job_" + secrets.token_hex(8),
        window_start=m["window_start"] + timedelta(days=1),
        window_end=m["window_end"] + timedelta(days=1),
        booked_at=now,
        booked_by=actor.as_actor(),
    )
    reasons: Doc = {
        "decided_by": "dispatcher",
        "decided_at": now,
        "notes": [f"Maintenance visit {m['_id']} moved to tomorrow to free this technician."],
    }
    old, job, tech = await swap_job(
        d.store,
        now=now,
        actor=actor.as_actor(),
        # Still assigned to the same tech, or the swap is off.
        bumped=replace(moves.reschedule(m, fresh["_id"], why), owner=tech_id),
        successor=fresh,
        job=moves.assign(job_id, tech_id, now, reasons),
        tech=moves.switch(tech_id, job_id),
        reasons=reasons,
    )
    d.on_assignment("dispatcher")
    await publish_job(d, old)
    await publish_job(d, fresh)
    await publish_job(d, job)
    await publish_tech(d, tech)
    await tell_rescheduled(d, fresh)
    return job, await lookups.job(d.store, fresh["_id"])
