"""The look-ahead plan for dispatch staff: each tech's projected next jobs, and every
open job's expected arrival. Never shown to technicians (they see one job at a time)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.core.domain import ACTIVE_STATUSES, JobStatus
from api.insight.lookahead import LookaheadPlanner
from api.persistence.store import Doc
from schema.context import Info
from schema.permissions import Dispatcher, allow

_ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)


@strawberry.type(description="One projected visit in a technician's look-ahead plan.")
class PlannedVisit:
    job_id: strawberry.ID = strawberry.field(description="The open job projected.")
    expected_arrival: datetime = strawberry.field(description="Projected arrival.")
    expected_finish: datetime = strawberry.field(description="Projected end on site.")


@strawberry.type(description="A technician's likely next jobs (a projection, not assigned).")
class TechnicianPlan:
    technician_id: strawberry.ID = strawberry.field(description="The technician.")
    free_at: datetime = strawberry.field(description="When their current work should end.")
    visits: list[PlannedVisit] = strawberry.field(description="Projected visits, in order.")


@strawberry.type
class PlanQuery:
    @strawberry.field(
        description="Each on-duty technician's projected next jobs, re-planned on every "
        "board event. A projection: nothing in it is assigned or shown to technicians.",
        extensions=allow(Dispatcher),
    )
    async def plan(self, info: Info) -> list[TechnicianPlan]:
        current = await info.context.planner.current()
        return [
            TechnicianPlan(
                technician_id=strawberry.ID(tech_id),
                free_at=current.free_at[tech_id],
                visits=[
                    PlannedVisit(
                        job_id=strawberry.ID(s.job_id),
                        expected_arrival=s.expected_arrival,
                        expected_finish=s.expected_finish,
                    )
                    for s in stops
                ],
            )
            for tech_id, stops in sorted(current.by_tech.items())
        ]


def expected_arrival(planner: LookaheadPlanner, job: Doc) -> datetime | None:
    """A booked job's projected arrival; an active job's eta or drive-time estimate."""
    if job["status"] not in _ACTIVE and job["status"] != JobStatus.BOOKED.value:
        return None
    if job.get("eta") is not None:
        eta: datetime = job["eta"]
        return eta
    found = planner.expected(str(job["_id"]))
    return None if found is None else found[1]


def planned_technician_id(planner: LookaheadPlanner, job: Doc) -> strawberry.ID | None:
    """Who the plan expects at a booked job; the assigned tech once it is active."""
    if job["status"] in _ACTIVE:
        tech = job.get("tech_id")
        return strawberry.ID(tech) if tech else None
    if job["status"] != JobStatus.BOOKED.value:
        return None
    found = planner.expected(str(job["_id"]))
    return None if found is None else strawberry.ID(found[0])
