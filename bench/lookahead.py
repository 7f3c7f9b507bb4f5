"""Look-ahead projection time: 40 techs over 2,000 open jobs (pure routing, no DB)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from routing import GeodesicTravel, OpenJob, Point, TechProfile
from routing.lookahead import TechAvailability, project_plan

AUSTIN = Point(lat=30.2672, lon=-97.7431)


def _fleet(
    n_techs: int, n_jobs: int, now: datetime
) -> tuple[list[TechAvailability], list[OpenJob]]:
    rng = random.Random(7)

    def near() -> Point:
        return Point(AUSTIN.lat + rng.uniform(-0.2, 0.2), AUSTIN.lon + rng.uniform(-0.2, 0.2))

    techs = [
        TechAvailability(
            TechProfile(
                id=f"t{i}",
                location=near(),
                skills=frozenset({"hvac", "plumbing"}),
                shift_end=now + timedelta(hours=9),
            ),
            now,
            near(),
        )
        for i in range(n_techs)
    ]
    jobs = [
        OpenJob(
            id=f"j{i}",
            location=near(),
            kind="repair",
            priority="normal",
            value=rng.uniform(100, 2000),
            duration_min=rng.uniform(30, 120),
            required_skills=frozenset({"hvac"}),
            window_start=now + timedelta(hours=rng.randint(0, 6)),
            window_end=now + timedelta(hours=rng.randint(7, 10)),
            booked_at=now,
        )
        for i in range(n_jobs)
    ]
    return techs, jobs


async def run(results_dir: Path) -> dict[str, object]:
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    techs, jobs = _fleet(40, 2000, now)
    times, planned = [], 0
    for _ in range(7):
        started = time.perf_counter()
        plan = project_plan(techs, jobs, now, travel=GeodesicTravel())
        times.append((time.perf_counter() - started) * 1000)
        planned = len(plan.by_job)
    return {
        "techs": 40,
        "open_jobs": 2000,
        "jobs_planned": planned,
        "first_run_ms": round(times[0], 1),
        "warm_median_ms": round(statistics.median(times[1:]), 1),
    }
