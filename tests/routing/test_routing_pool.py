"""JobPool and prebuilt tables: the same decisions as scoring a fresh list of jobs."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from routing import JobPool, OpenJob, assign_batch, rank_jobs, score_matrix
from tests.routing.routing_factories import AUSTIN, NOW, make_job, make_tech, offset

SKILLS = ["hvac", "plumbing", "electrical", "it"]


def random_jobs(rng: random.Random, n: int, prefix: str = "j") -> list[OpenJob]:
    """Jobs scattered over 40 km with mixed values, skills and priorities."""
    return [
        make_job(
            f"{prefix}{i}",
            location=offset(AUSTIN, rng.uniform(-20, 20), rng.uniform(-20, 20)),
            value=rng.choice([150.0, 400.0, 400.0, 1200.0]),
            required_skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
            priority=rng.choice(["low", "normal", "high", "emergency"]),
        )
        for i in range(n)
    ]


def test_pool_after_churn_ranks_like_a_fresh_list() -> None:
    """After upserts, replacements and removals the pool ranks exactly as rank_jobs on a list."""
    rng = random.Random(7)
    jobs = {j.id: j for j in random_jobs(rng, 300)}
    pool = JobPool(jobs.values(), capacity=16)
    for victim in rng.sample(sorted(jobs), 120):
        pool.remove(victim)
        del jobs[victim]
    for job in random_jobs(rng, 40, prefix="n") + random_jobs(rng, 30):
        if job.id in jobs or job.id.startswith("n"):
            jobs[job.id] = job
            pool.upsert(job)
    tech = make_tech(declined_job_ids=frozenset(rng.sample(sorted(jobs), 5)))
    expected = rank_jobs(tech, list(jobs.values()), NOW)[:7]
    assert rank_jobs(tech, pool.table(), NOW, limit=7) == expected
    assert len(pool) == len(jobs) and pool.remove("absent") is None


def test_limited_ranking_breaks_ties_at_the_cut_by_id() -> None:
    """Equal scores straddling the limit are ordered by id, as in the full ranking."""
    jobs = [make_job(f"j{i}") for i in (5, 3, 9, 1)]
    ranked = rank_jobs(make_tech(), jobs, NOW, limit=2)
    assert [job.id for job, _ in ranked] == ["j1", "j3"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_screened_batch_matches_the_unscreened_optimum(seed: int) -> None:
    """Only each tech's n+1 best jobs reach the solver, yet the total is the full optimum."""
    rng = random.Random(seed)
    jobs = random_jobs(rng, 120)
    techs = [
        make_tech(f"t{i}", location=offset(AUSTIN, rng.uniform(-20, 20), rng.uniform(-20, 20)))
        for i in range(12)
    ]
    matrix = score_matrix(techs, jobs, NOW)
    safe = np.where(np.isfinite(matrix), matrix, -1e9)
    rows, cols = linear_sum_assignment(safe, maximize=True)
    best = sum(float(safe[r, c]) for r, c in zip(rows, cols, strict=True) if safe[r, c] > -1e9)
    decisions = assign_batch(techs, JobPool(jobs).table(), NOW)
    assert sum(d.breakdown.score for d in decisions) == pytest.approx(best)
    assert decisions == assign_batch(list(reversed(techs)), list(reversed(jobs)), NOW)
