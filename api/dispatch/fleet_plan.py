"""The fleet plan in dispatch (issue 17): who else is on duty, when and where they free
up, and the plan's choice of the freed tech's first job, with its reason.

Only the freed tech's first job is committed; nobody's pushed job moves. It runs when
the `fleet_plan` setting is on (off by default: held-out simulations found it no better
than the greedy choice; bench/results/policies.md). `PLANNER` overrides the setting for
one context: the simulator sets a planner, or None for `--policy greedy`.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timedelta

from api.core.domain import JobStatus, TechStatus
from api.customers.places import point
from api.dispatch.deps import Dispatch
from api.dispatch.profiles import CompanyPrior, tech_profile
from api.persistence import lookups
from api.persistence.store import Doc
from routing import GeodesicTravel, TechAvailability, TechProfile
from routing.fleet import FleetChoice, FleetPlanner, RolloutPlanner

PLANNER: ContextVar[FleetPlanner | None] = ContextVar("fleet_planner")
_DEFAULT_PLANNER = RolloutPlanner()
_TRAVEL = GeodesicTravel()


async def availability(
    d: Dispatch, techs: list[Doc], prior: CompanyPrior, freed: str
) -> list[TechAvailability]:
    """Every other on-duty tech: free now where they are, or busy until their job's
    expected end, at the job."""
    now = d.clock()
    out: list[TechAvailability] = []
    busy: dict[str, Doc] = {}
    for t in techs:
        if t["_id"] == freed:
            continue
        if t["status"] == TechStatus.AVAILABLE.value:
            out.append(TechAvailability(tech_profile(t, prior), now, point(t["location"])))
        elif t["status"] == TechStatus.BUSY.value and t.get("current_job_id"):
            busy[t["current_job_id"]] = t
    if busy:
        async for job in lookups.jobs_by_ids(d.store, list(busy)):
            t = busy[job["_id"]]
            profile = tech_profile(t, prior)
            out.append(
                TechAvailability(profile, _free_at(job, profile, now), point(job["location"]))
            )
    return out


def _free_at(job: Doc, tech: TechProfile, now: datetime) -> datetime:
    """When the tech's current job is expected to end: on site since `arrived_at`, else
    after the drive there (from their last reported place)."""
    duration = timedelta(minutes=float(job.get("duration_min") or 60.0))
    arrived: datetime | None = job.get("arrived_at")
    if job.get("status") == JobStatus.ON_SITE.value and arrived is not None:
        return max(arrived + duration, now)
    drive = _TRAVEL.minutes(tech.location, point(job["location"]))
    return now + timedelta(minutes=drive) + duration


async def planned(
    d: Dispatch, techs: list[Doc], prior: CompanyPrior, freed: TechProfile
) -> FleetChoice | None:
    """The plan's first job for the freed tech, or None (no planner, nothing in time)."""
    planner = PLANNER.get(_DEFAULT_PLANNER if d.settings.fleet_plan else None)
    if planner is None:
        return None
    others = await availability(d, techs, prior, freed.id)
    names = {t["_id"]: str(t.get("name") or t["_id"]).split(" ")[0] for t in techs}
    # The open-job table is a view, valid only until the index next changes: take it
    # after the awaits above, and use it without awaiting again.
    return planner.choose(freed, others, d.open_jobs.table(), d.clock(), names)


def plan_reasons(choice: FleetChoice) -> Doc:
    """What an assignment records about the plan, next to the job's own score."""
    return {
        "plan_reason": choice.reason,
        "plan_value": choice.plan_value,
        "plan_runner_up_job_id": choice.runner_up_job_id,
        "plan_runner_up_value": choice.runner_up_value,
        "plan_greedy_job_id": choice.greedy_job_id,
        "plans_tried": choice.plans_tried,
    }
