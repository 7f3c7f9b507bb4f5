"""One fleet re-plan (issue 17): 40 on-duty techs (most busy, freeing up over the next
two hours) and 500 open jobs, planner only (no database): target 200 ms."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from api.customers.places import point
from api.dispatch.profiles import CompanyPrior, open_job, tech_profile
from api.persistence.store import Doc
from routing import JobTable, TechAvailability
from routing.fleet import RolloutPlanner

TARGET_MS = 200.0


def replan_figures(
    rng: np.random.Generator,
    job_docs: Callable[[np.random.Generator, int, datetime], list[Doc]],
    tech_doc: Callable[[str, np.random.Generator, datetime], Doc],
    techs: int = 40,
    jobs: int = 500,
    decisions: int = 30,
) -> dict[str, Any]:
    """Latency of `RolloutPlanner.choose` for one freed tech, and how often it planned in
    time (the rest fell back to today's greedy choice)."""
    now = datetime.now(UTC)
    table = JobTable.build([open_job(d) for d in job_docs(rng, jobs, now)])
    prior = CompanyPrior(close_rate=0.5, avg_ticket=800.0)
    docs = [tech_doc(f"t{i}", rng, now) for i in range(techs)]
    planner = RolloutPlanner()
    seconds, planned = [], 0
    for k in range(decisions):
        freed = tech_profile(docs[k % techs], prior)
        others = [
            TechAvailability(
                tech_profile(d, prior),
                now + timedelta(minutes=float(rng.uniform(0, 120))),
                point(d["location"]),
            )
            for d in docs
            if d["_id"] != freed.id
        ]
        started = time.perf_counter()
        choice = planner.choose(freed, others, table, now)
        seconds.append(time.perf_counter() - started)
        planned += choice is not None
    ms = np.array(seconds) * 1000.0
    return {
        "techs": techs,
        "open_jobs": jobs,
        "target_ms": TARGET_MS,
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
        "planned_in_time": planned,
        "decisions": decisions,
    }
