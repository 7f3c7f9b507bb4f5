"""Automatic dispatch: routing decides, this writes the decision atomically.

When one tech frees up, the best job for that tech is assigned (runner-ups are tried if
another process took it first); when several are free, they are assigned together.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from api.core.domain import JobStatus, TechStatus
from api.core.errors import Conflict
from api.core.principal import SYSTEM, Principal
from api.dispatch.profiles import CompanyPrior, tech_profile
from api.dispatch.service_core import Policy, ServiceCore
from api.persistence.store import Doc
from api.persistence.transitions import JobMove, TechMove, transition
from routing import (
    Decision,
    JobTable,
    ScoreBreakdown,
    TechProfile,
    assign_batch,
    fifo_job,
    nearest_job,
    rank_jobs,
)

log = logging.getLogger(__name__)

# "Near the free tech" for urgency-list promotion, in minutes of driving.
URGENCY_RADIUS_MIN = 30.0


class AutoDispatch(ServiceCore):
    # ---- routing -------------------------------------------------------------------------

    async def dispatch_tech(self, tech_id: str, *, slot_opened: bool = False) -> Doc | None:
        """Give an available technician the best next job; try runner-ups if it races.

        `slot_opened`: the tech just finished or lost a job (a completion, a cancellation),
        so urgency-list customers near them are promoted first, and told.
        """
        async with self._dispatch_lock:
            techs = await self.store.technicians.find({}).to_list(None)
            prior = CompanyPrior.from_techs(techs)
            tech = next((t for t in techs if t["_id"] == tech_id), None)
            if tech is None or tech["status"] != TechStatus.AVAILABLE.value:
                return None
            await self.open_jobs.ensure_fresh()
            profile = tech_profile(tech, prior)
            candidates = self._candidates(profile, self.open_jobs.table(), slot_opened)
            for job_id, reasons in candidates:
                try:
                    job = await self._assign(SYSTEM, job_id, tech_id, reasons)
                    if reasons.get("promoted_from_urgency_list") and self.customer_timing:
                        await self.customer_timing.moved_up(job, self.clock())
                    return job
                except Conflict:
                    if not await self._still_available(tech_id):
                        return None
                    # Our index was stale (someone else took the job): correct it and
                    # try the runner-up.
                    await self.open_jobs.refresh(job_id)
            return None

    def _candidates(
        self, tech: TechProfile, jobs: JobTable, slot_opened: bool = False
    ) -> list[tuple[str, Doc]]:
        """The jobs to try for this tech, best first, each with the reasons to record."""
        now, limit = self.clock(), self.settings.max_candidates
        if self.policy is Policy.REVENUE:
            ranked = rank_jobs(tech, jobs, now, limit=limit)
            promoted: set[str] = set()
            if slot_opened:
                near = [
                    (j, b)
                    for j, b in rank_jobs(tech, jobs, now)
                    if j.urgency_list and b.travel_min <= URGENCY_RADIUS_MIN
                ][:limit]
                promoted = {j.id for j, _ in near}
                ranked = near + [(j, b) for j, b in ranked if j.id not in promoted]
            out = []
            for i, (job, breakdown) in enumerate(ranked):
                runner = ranked[i + 1] if i + 1 < len(ranked) else None
                reasons = _reasons(
                    breakdown,
                    runner[0].id if runner else None,
                    runner[1].score if runner else None,
                )
                if job.id in promoted:
                    reasons["promoted_from_urgency_list"] = True
                out.append((job.id, reasons))
            return out
        pick = nearest_job if self.policy is Policy.NEAREST else fifo_job
        picked: list[tuple[str, Doc]] = []
        remaining = list(jobs.jobs)
        while len(picked) < limit:
            decision = pick(tech, remaining, now)
            if decision is None:
                break
            picked.append(
                (decision.job_id, {**_decision_reasons(decision), "policy": self.policy.value})
            )
            remaining = [j for j in remaining if j.id != decision.job_id]
        return picked

    async def dispatch_idle(self) -> int:
        """Assign every available technician at once (optimal batch), then fill gaps."""
        async with self._dispatch_lock:
            techs = await self.store.technicians.find({}).to_list(None)
            prior = CompanyPrior.from_techs(techs)
            free = [t for t in techs if t["status"] == TechStatus.AVAILABLE.value]
            if not free:
                return 0
            await self.open_jobs.ensure_fresh()
            jobs = self.open_jobs.table()
            if not len(jobs):
                return 0
            missed: list[str] = []
            assigned = 0
            if self.policy is not Policy.REVENUE:
                missed = [t["_id"] for t in free]  # baselines pick one tech at a time
            else:
                profiles = [tech_profile(t, prior) for t in free]
                for d in assign_batch(profiles, jobs, self.clock()):
                    try:
                        await self._assign(SYSTEM, d.job_id, d.tech_id, _decision_reasons(d))
                        assigned += 1
                    except Conflict:
                        await self.open_jobs.refresh(d.job_id)
                        missed.append(d.tech_id)
        for tech_id in missed:
            if await self.dispatch_tech(tech_id) is not None:
                assigned += 1
        return assigned

    async def _assign(self, actor: Principal, job_id: str, tech_id: str, reasons: Doc) -> Doc:
        now = self.clock()
        reasons = {**reasons, "decided_at": now}
        job, tech = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type="job.assigned",
            data={"reasons": reasons},
            job=JobMove(
                job_id,
                (JobStatus.BOOKED,),
                JobStatus.ASSIGNED,
                set_={
                    "tech_id": tech_id,
                    "active_tech_id": tech_id,
                    "assigned_at": now,
                    "assignment": reasons,
                },
            ),
            tech=TechMove(
                tech_id, (TechStatus.AVAILABLE,), TechStatus.BUSY, set_={"current_job_id": job_id}
            ),
        )
        assert job is not None and tech is not None
        self.on_assignment(str(reasons.get("decided_by", "unknown")))
        await self._publish_job(job)
        await self._publish_tech(tech)
        return job

    async def _still_available(self, tech_id: str) -> bool:
        doc = await self.store.technicians.find_one({"_id": tech_id}, {"status": 1})
        return doc is not None and doc["status"] == TechStatus.AVAILABLE.value


def _reasons(b: ScoreBreakdown, runner_up: str | None, runner_score: float | None) -> Doc:
    return {
        "decided_by": "routing",
        **asdict(b),
        "runner_up_job_id": runner_up,
        "runner_up_score": runner_score,
    }


def _decision_reasons(d: Decision) -> Doc:
    return _reasons(d.breakdown, d.runner_up_job_id, d.runner_up_score)
