"""A tech's candidate jobs, best first, each with the reasons an assignment records.

Routing ranks; this adds what a dispatcher reads later: the runner-up and its score,
and, when a freed slot promotes an urgency-list customer, why in words.
"""

from __future__ import annotations

from dataclasses import asdict

from api.dispatch.deps import Dispatch, Policy
from api.persistence.store import Doc
from routing import (
    Decision,
    JobTable,
    OpenJob,
    ScoreBreakdown,
    TechProfile,
    fifo_job,
    nearest_job,
    rank_jobs,
)

# "Near the free tech" for urgency-list promotion, in minutes of driving.
URGENCY_RADIUS_MIN = 30.0


def candidates(
    d: Dispatch, tech: TechProfile, jobs: JobTable, slot_opened: bool = False
) -> list[tuple[str, Doc]]:
    """The jobs to try for this tech, best first, each with the reasons to record."""
    now, limit = d.clock(), d.settings.max_candidates
    if d.policy is Policy.REVENUE:
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
        by_score = sorted(ranked, key=lambda jb: -jb[1].score)
        out = []
        for i, (job, breakdown) in enumerate(ranked):
            runner = ranked[i + 1] if i + 1 < len(ranked) else None
            if job.id in promoted:
                # The job it is compared with is the best one it jumped ahead of.
                runner = next((jb for jb in by_score if jb[0].id != job.id), None)
            reasons = _reasons(
                breakdown,
                runner[0].id if runner else None,
                runner[1].score if runner else None,
            )
            if job.id in promoted:
                reasons["promoted_from_urgency_list"] = True
                reasons["notes"] = [_promotion_note(breakdown, runner)]
            out.append((job.id, reasons))
        return out
    pick = nearest_job if d.policy is Policy.NEAREST else fifo_job
    picked: list[tuple[str, Doc]] = []
    remaining = list(jobs.jobs)
    while len(picked) < limit:
        decision = pick(tech, remaining, now)
        if decision is None:
            break
        picked.append((decision.job_id, {**decision_reasons(decision), "policy": d.policy.value}))
        remaining = [j for j in remaining if j.id != decision.job_id]
    return picked


def _promotion_note(b: ScoreBreakdown, runner: tuple[OpenJob, ScoreBreakdown] | None) -> str:
    """Why an urgency-list job went first, in words."""
    said = (
        "Promoted from the urgency list: the customer asked to be seen sooner and this "
        f"technician came free {b.travel_min:.0f} min away, so it went first"
    )
    if runner is None:
        return said + "."
    return (
        f"{said}, ahead of job {runner[0].id} (${runner[0].value:.0f}, score "
        f"{runner[1].score:.1f}; this job ${b.value:.0f}, score {b.score:.1f})."
    )


def _reasons(b: ScoreBreakdown, runner_up: str | None, runner_score: float | None) -> Doc:
    return {
        "decided_by": "routing",
        **asdict(b),
        "runner_up_job_id": runner_up,
        "runner_up_score": runner_score,
    }


def decision_reasons(d: Decision) -> Doc:
    """What an assignment records about routing's decision."""
    return _reasons(d.breakdown, d.runner_up_job_id, d.runner_up_score)
