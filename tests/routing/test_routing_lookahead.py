"""The look-ahead projection: who is expected at which open job, and when."""

from __future__ import annotations

import itertools
import random
from datetime import datetime

import pytest

from routing import GeodesicTravel, OpenJob, Point, TechProfile
from routing.lookahead import TechAvailability, project_plan
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset


def free(tech: TechProfile, at: datetime = NOW, where: Point = AUSTIN) -> TechAvailability:
    return TechAvailability(tech, at, where)


def test_busy_techs_next_job_comes_after_the_current_one() -> None:
    """A tech busy for another hour is projected onto the open job once that job ends."""
    plan = project_plan([free(make_tech("busy"), NOW + HOUR)], [make_job("next")], NOW)
    tech_id, arrival = plan.by_job["next"]
    assert tech_id == "busy"
    assert arrival == NOW + HOUR  # same place, so no drive: arrives as the current job ends
    [stop] = plan.by_tech["busy"]
    assert stop.expected_finish == arrival + HOUR


def test_two_techs_split_the_jobs() -> None:
    """Two techs and two jobs at their doors: each takes the one next to them, at once."""
    east = offset(AUSTIN, east_km=15.0)
    techs = [free(make_tech("west")), free(make_tech("east"), where=east)]
    jobs = [make_job("j-west"), make_job("j-east", location=east)]
    plan = project_plan(techs, jobs, NOW)
    assert plan.by_job["j-west"] == ("west", NOW)
    assert plan.by_job["j-east"] == ("east", NOW)


def test_one_tech_chains_jobs_in_order() -> None:
    """A single tech is projected through several jobs back to back, each after the last."""
    jobs = [make_job(f"j{i}", location=offset(AUSTIN, north_km=i)) for i in range(3)]
    stops = project_plan([free(make_tech())], jobs, NOW).by_tech["tech-1"]
    assert len(stops) == 3
    for before, after in itertools.pairwise(stops):
        assert after.expected_arrival >= before.expected_finish


def test_nothing_is_planned_past_the_horizon() -> None:
    """With a two-hour horizon, one-hour jobs stop after the second; no arrival lies beyond."""
    jobs = [make_job(f"j{i}") for i in range(5)]
    plan = project_plan([free(make_tech())], jobs, NOW, horizon_min=120.0)
    arrivals = [s.expected_arrival for s in plan.by_tech["tech-1"]]
    assert arrivals == [NOW, NOW + HOUR]
    assert all(a <= plan.horizon_end for _, a in plan.by_job.values())


def test_arrival_never_precedes_the_window() -> None:
    """A job whose window opens in two hours is projected at the window's start, not before."""
    start = NOW + 2 * HOUR
    job = make_job("later", window_start=start, window_end=start + 2 * HOUR)
    plan = project_plan([free(make_tech())], [job], NOW)
    assert plan.by_job["later"] == ("tech-1", start)


def test_job_nobody_can_take_stays_unplanned() -> None:
    """A job needing a skill no tech has is left out of the plan; the others are planned."""
    jobs = [make_job("wires", required_skills=frozenset({"electrical"})), make_job("ok")]
    plan = project_plan([free(make_tech())], jobs, NOW)
    assert "wires" not in plan.by_job
    assert "ok" in plan.by_job


def test_free_before_now_starts_now() -> None:
    """A tech whose job should have ended already is projected from now, not the past."""
    plan = project_plan([free(make_tech(), NOW - HOUR)], [make_job("j")], NOW)
    assert plan.by_job["j"] == ("tech-1", NOW)


def test_duplicate_tech_ids_are_refused() -> None:
    """Two availabilities for one tech is a caller bug, reported rather than guessed at."""
    with pytest.raises(ValueError, match="unique"):
        project_plan([free(make_tech()), free(make_tech())], [make_job("j")], NOW)


def _fleet(n_techs: int, n_jobs: int) -> tuple[list[TechAvailability], list[OpenJob]]:
    rng = random.Random(7)
    techs = [
        free(make_tech(f"t{i}"), where=offset(AUSTIN, rng.uniform(-20, 20), rng.uniform(-20, 20)))
        for i in range(n_techs)
    ]
    jobs = [
        make_job(
            f"j{i}",
            location=offset(AUSTIN, rng.uniform(-25, 25), rng.uniform(-25, 25)),
            value=rng.uniform(100, 2000),
            duration_min=rng.uniform(30, 120),
            window_start=NOW + rng.randint(0, 6) * HOUR,
            window_end=NOW + rng.randint(7, 10) * HOUR,
        )
        for i in range(n_jobs)
    ]
    return techs, jobs


def test_a_large_fleet_plan_is_consistent() -> None:
    """40 techs over 2,000 jobs: every job planned once, each tech's stops in time order
    and never before their window (its speed is measured by `make bench`, not here)."""
    techs, jobs = _fleet(40, 2000)
    plan = project_plan(techs, jobs, NOW, travel=GeodesicTravel())
    assert plan.by_job
    windows = {j.id: j.window_start for j in jobs}
    seen: list[str] = []
    for stops in plan.by_tech.values():
        arrivals = [s.expected_arrival for s in stops]
        assert arrivals == sorted(arrivals)
        for stop in stops:
            assert stop.expected_arrival >= windows[stop.job_id]
            seen.append(stop.job_id)
    assert sorted(seen) == sorted(plan.by_job)
