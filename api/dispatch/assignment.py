"""Automatic assignment: routing decides, this writes the decision atomically.

When one tech frees up, the best job for that tech is assigned (runner-ups are tried if
another process took it first); when several are free, they are assigned together.
Decisions are made under this process's lock and their writes outside it: a pick is
claimed (taken out of the open-job index) before the lock is released.
"""

from __future__ import annotations

import asyncio

from api.core.domain import TechStatus
from api.core.errors import Conflict
from api.core.events import EventType
from api.core.principal import SYSTEM, Principal
from api.dispatch import fleet_plan, moves
from api.dispatch.candidates import candidates, decision_reasons
from api.dispatch.deps import Dispatch, Policy, publish_job, publish_tech
from api.dispatch.profiles import CompanyPrior, tech_profile
from api.dispatch.stuck import flag_unassignable
from api.persistence import lookups
from api.persistence.store import Doc
from api.persistence.transitions import move_job_and_tech
from routing import Decision, JobTable, OpenJob, TechProfile, assign_batch


async def assign(d: Dispatch, actor: Principal, job_id: str, tech_id: str, reasons: Doc) -> Doc:
    """A booked job to an available tech, with the reasons recorded; CONFLICT if either
    has moved on."""
    now = d.clock()
    reasons = {**reasons, "decided_at": now}
    job, tech = await move_job_and_tech(
        d.store,
        now=now,
        actor=actor.as_actor(),
        event_type=EventType.JOB_ASSIGNED,
        data={"reasons": reasons},
        job=moves.assign(job_id, tech_id, now, reasons),
        tech=moves.occupy(tech_id, job_id),
    )
    d.on_assignment(str(reasons.get("decided_by", "unknown")))
    await publish_job(d, job)
    await publish_tech(d, tech)
    return job


async def dispatch_tech(d: Dispatch, tech_id: str, *, slot_opened: bool = False) -> Doc | None:
    """Give an available technician the best next job; try runner-ups if it races.

    `slot_opened`: the tech just finished or lost a job (a completion, a cancellation),
    so urgency-list customers near them are promoted first, and told.

    The lock covers the decision only: the picked job leaves this process's index
    before the lock is released, so no other decision here picks it, and the write
    (conditional on both job and tech, in MongoDB) happens outside it.
    """
    tech = await lookups.technician_or_none(d.store, tech_id)
    if tech is None:
        return None
    day = await d.zone.today(d.clock)
    d.techs.apply(tech)
    await d.positions.overlay([tech])
    for _ in range(max(1, d.settings.max_candidates)):
        if tech["status"] != TechStatus.AVAILABLE.value:
            return None
        async with d.lock:
            # The followed copy: the prior moves slowly, and the plan's view of who else
            # is free only orders this tech's candidates (every write is conditional).
            techs = await d.techs.known()
            prior = CompanyPrior.from_techs(techs)
            await d.open_jobs.ensure_fresh()
            profile = tech_profile(tech, prior, day)
            picks = await _fleet_candidates(d, techs, prior, profile, slot_opened)
            if not picks:
                return None
            job_id, reasons = picks[0]
            d.open_jobs.pool.remove(job_id)  # claimed: no other decision here picks it
        job = await assign_claimed(d, job_id, tech_id, reasons)
        if job is not None:
            if reasons.get("promoted_from_urgency_list") and d.customer_timing:
                await d.customer_timing.moved_up(job, d.clock())
            return job
        # Someone else took the job (or the tech): look again with the index corrected.
        tech = await lookups.technician_or_none(d.store, tech_id) or {"status": None}
        if tech.get("_id"):
            await d.positions.overlay([tech])
    return None


async def assign_claimed(d: Dispatch, job_id: str, tech_id: str, reasons: Doc) -> Doc | None:
    """Write a claimed pick (None on Conflict); on Conflict (or any failure) the job's
    entry is corrected from MongoDB, so a claim never hides a job that is still open."""
    try:
        return await assign(d, SYSTEM, job_id, tech_id, reasons)
    except Conflict:
        await d.open_jobs.refresh(job_id)
        return None
    except BaseException:
        await asyncio.shield(d.open_jobs.refresh(job_id))
        raise


async def _fleet_candidates(
    d: Dispatch, techs: list[Doc], prior: CompanyPrior, tech: TechProfile, slot_opened: bool
) -> list[tuple[str, Doc]]:
    """Today's candidates, the fleet plan's first job moved to the front (issue 17)."""
    jobs = d.open_jobs.table()
    ranked = candidates(d, tech, jobs, slot_opened)
    if d.policy is not Policy.REVENUE or not ranked:
        return ranked
    if ranked[0][1].get("promoted_from_urgency_list"):
        return ranked  # a promised call-back near a freed slot comes first
    choice = await fleet_plan.planned(d, techs, prior, tech)
    if choice is None:
        return ranked
    chosen = [
        (j, {**r, **fleet_plan.plan_reasons(choice)}) for j, r in ranked if j == choice.job_id
    ]
    return chosen + [(j, r) for j, r in ranked if j != choice.job_id]


async def dispatch_idle(d: Dispatch) -> int:
    """Assign every available technician at once (optimal batch), then fill gaps; then
    flag the booked work nobody can take today (`stuck`)."""
    assigned = await _assign_idle(d)
    await flag_unassignable(d)
    return assigned


async def _assign_idle(d: Dispatch) -> int:
    # The batch is decided under the lock and its picks claimed; the writes run outside
    # it, so a single tech's decision (a completion) never waits on the batch's writes.
    day = await d.zone.today(d.clock)
    async with d.lock:
        techs = await d.techs.current()
        prior = CompanyPrior.from_techs(techs)
        free = [t for t in techs if t["status"] == TechStatus.AVAILABLE.value]
        if not free:
            return 0
        await d.open_jobs.ensure_fresh()
        jobs = d.open_jobs.table()
        if not len(jobs):
            return 0
        decisions: list[Decision] = []
        missed: list[str] = []
        if d.policy is not Policy.REVENUE:
            missed = [t["_id"] for t in free]  # baselines pick one tech at a time
        else:
            decisions = await claim_batch(d, free, prior, jobs, day)
    assigned = 0
    for dec in decisions:
        if await assign_claimed(d, dec.job_id, dec.tech_id, decision_reasons(dec)) is None:
            missed.append(dec.tech_id)
        else:
            assigned += 1
    for tech_id in missed:
        if await dispatch_tech(d, tech_id) is not None:
            assigned += 1
    return assigned


async def claim_batch(
    d: Dispatch, free: list[Doc], prior: CompanyPrior, jobs: JobTable | list[OpenJob], day: str
) -> list[Decision]:
    """Under the lock: the best assignment of these free techs to these jobs, each pick
    taken out of the open-job index (claimed) before the lock is released."""
    await d.positions.overlay(free)
    profiles = [tech_profile(t, prior, day) for t in free]
    decisions = assign_batch(profiles, jobs, d.clock())
    for dec in decisions:
        d.open_jobs.pool.remove(dec.job_id)  # claimed, as in dispatch_tech
    return decisions


async def request_batch(d: Dispatch) -> None:
    """Ask for a full-fleet batch: in a running app it goes to the background, coalesced
    (at most one in flight, one re-run for asks made meanwhile); elsewhere (simulator,
    scripts) it runs now."""
    if d.batches.started:
        d.batches.ask(lambda: dispatch_idle(d))
    else:
        await dispatch_idle(d)
