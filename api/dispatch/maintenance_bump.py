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
from api.dispatch.overrides import DispatcherActions
from api.persistence.store import Doc
from routing import GeodesicTravel


@dataclass(frozen=True, slots=True)
class BumpSuggestion:
    """Reschedule `maintenance_job` to free `tech` for the broken-equipment job."""

    job_id: str
    maintenance_job: Doc
    tech: Doc
    travel_minutes: float


class MaintenanceBump:
    def __init__(self, actions: DispatcherActions) -> None:
        self.actions = actions
        self.dispatch = actions.dispatch
        self.store = actions.store

    async def suggest(self, job_id: str) -> BumpSuggestion | None:
        """For a broken-equipment or emergency job no free tech can take: the assigned,
        not yet started maintenance visit whose tech is closest and qualified."""
        job = await self.dispatch.job(identifier(job_id, "jobId"))
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
        async for m in self.store.jobs.find(
            {"kind": JobKind.MAINTENANCE.value, "status": JobStatus.ASSIGNED.value}
        ):
            tech = await self.store.technicians.find_one({"_id": m["active_tech_id"]})
            if tech is None or not needs <= set(tech.get("skills", [])):
                continue
            where = tech.get("location") or tech["home"]
            minutes = travel.minutes(point(where), point(job["location"]))
            if best is None or minutes < best.travel_minutes:
                best = BumpSuggestion(job_id, m, tech, minutes)
        return best

    async def bump(self, actor: Principal, job_id: str) -> tuple[Doc, Doc]:
        """One action: move the suggested maintenance visit to the same window tomorrow,
        then give its tech the broken-equipment job. Nothing is dropped."""
        suggestion = await self.suggest(job_id)
        if suggestion is None:
            raise Conflict("no assigned maintenance visit with a qualified tech to bump")
        m = suggestion.maintenance_job
        moved = await self.actions.reschedule(
            actor,
            m["_id"],
            m["window_start"] + timedelta(days=1),
            m["window_end"] + timedelta(days=1),
            f"bumped for broken equipment ({job_id})",
        )
        emergency = await self.dispatch.job(job_id)
        if emergency.get("active_tech_id") is None:  # routing may already have placed it
            emergency = await self.dispatch.assign_job(actor, job_id, suggestion.tech["_id"])
        return emergency, moved
