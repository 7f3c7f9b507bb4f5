"""Broken equipment first: on a full day, move a service-agreement visit to tomorrow to
free its tech for the emergency. Nothing is dropped and the customer is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from api.core.domain import JobKind, JobStatus, Priority
from api.core.errors import Conflict
from api.core.principal import Principal
from api.core.validation import identifier
from api.customers.places import point
from api.dispatch.deps import Dispatch
from api.dispatch.overrides import assign_job, reschedule
from api.persistence import lookups
from api.persistence.store import Doc
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
    """One action: move the suggested maintenance visit to the same window tomorrow,
    then give its tech the broken-equipment job. Nothing is dropped."""
    suggestion = await suggest_bump(d, job_id)
    if suggestion is None:
        raise Conflict("no assigned maintenance visit with a qualified tech to bump")
    m = suggestion.maintenance_job
    moved = await reschedule(
        d,
        actor,
        m["_id"],
        m["window_start"] + timedelta(days=1),
        m["window_end"] + timedelta(days=1),
        f"bumped for broken equipment ({job_id})",
    )
    emergency = await lookups.job(d.store, job_id)
    if emergency.get("active_tech_id") is None:  # routing may already have placed it
        emergency = await assign_job(d, actor, job_id, suggestion.tech["_id"])
    return emergency, moved
