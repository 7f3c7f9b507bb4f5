"""The fleet plan solved by OR-Tools: a freed tech's first job from a VRP of the fleet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing import JobTable, TechAvailability
from routing.vrp_plan import OrToolsPlanner
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset

pytest.importorskip("ortools.constraint_solver")  # the dev extra; optional at run time

MIN = timedelta(minutes=1)
NAMES = {"maria": "Maria", "james": "James"}


def _board(james_skills: frozenset[str] = frozenset({"hvac"})) -> tuple[JobTable, TechAvailability]:
    """Maria is free downtown; an install 2 km east and a cheaper repair 6 km west; James,
    a far better installer, finishes a job right at the install in 15 minutes."""
    east = offset(AUSTIN, east_km=2.0)
    jobs = JobTable.build(
        [
            make_job("install", kind="install", value=1000.0, location=east),
            make_job("repair", value=500.0, location=offset(AUSTIN, east_km=-6.0)),
        ]
    )
    james = make_tech("james", skills=james_skills, kind_close_rates={"install": 0.9})
    return jobs, TechAvailability(james, NOW + 15 * MIN, east)


def test_freed_tech_leaves_the_install_to_the_better_installer() -> None:
    """Greedy sends Maria to the install; the plan gives it to James and Maria the repair."""
    jobs, james = _board()
    choice = OrToolsPlanner().choose(make_tech("maria"), [james], jobs, NOW, NAMES)
    assert choice is not None
    assert choice.greedy_job_id == "install"
    assert choice.job_id == "repair"
    assert choice.runner_up_job_id == "install"
    # Maria's repair (0.5 x $500) plus James's install (0.9 x $1000), less the drives.
    assert 1000.0 < choice.plan_value < 1150.0


def test_reason_names_the_better_seller_and_when_they_free_up() -> None:
    """The recorded reason says who takes the other job, why, and when they are free."""
    jobs, james = _board()
    choice = OrToolsPlanner().choose(make_tech("maria"), [james], jobs, NOW, NAMES)
    assert choice is not None
    assert "James sells it better, frees up in 15 min" in choice.reason
    assert "Maria takes the repair" in choice.reason


def test_a_colleague_without_the_skill_is_not_planned_on_the_job() -> None:
    """The same board with James lacking hvac: only Maria can do either job, so she takes
    the install first (the plan agrees with greedy)."""
    jobs, james = _board(james_skills=frozenset({"plumbing"}))
    choice = OrToolsPlanner().choose(make_tech("maria"), [james], jobs, NOW, NAMES)
    assert choice is not None
    assert choice.job_id == choice.greedy_job_id == "install"
    assert choice.reason.startswith("Fleet plan agrees")


def test_reason_when_the_freed_tech_does_both_jobs() -> None:
    """Alone, Maria takes the closing window first and the nearer job after it: the reason
    says so instead of naming her as her own colleague."""
    jobs = JobTable.build(
        [
            make_job("near", location=offset(AUSTIN, east_km=1.0)),
            make_job("closing", location=offset(AUSTIN, east_km=-4.0), window_end=NOW + 20 * MIN),
        ]
    )
    choice = OrToolsPlanner().choose(make_tech("maria"), [], jobs, NOW, NAMES)
    assert choice is not None
    assert choice.greedy_job_id == "near"
    assert choice.job_id == "closing"
    assert choice.reason.startswith("Maria takes the repair first and the repair after it")


def test_emergency_is_not_left_for_cheaper_work() -> None:
    """An emergency that would be out of reach after a long rich job comes first."""
    far = offset(AUSTIN, north_km=8.0)
    jobs = JobTable.build(
        [
            make_job("rich", value=900.0, duration_min=240.0),
            make_job("urgent", location=far, priority="emergency", window_end=NOW + HOUR),
        ]
    )
    choice = OrToolsPlanner(horizon_min=480.0).choose(make_tech("maria"), [], jobs, NOW)
    assert choice is not None and choice.job_id == "urgent"


def test_one_option_is_left_to_todays_policy() -> None:
    """With a single feasible job there is nothing to plan: None (the caller keeps greedy)."""
    jobs = JobTable.build([make_job("only")])
    assert OrToolsPlanner().choose(make_tech("maria"), [], jobs, NOW) is None


def test_no_time_left_falls_back() -> None:
    """A zero time budget leaves no time to solve, so the planner returns None."""
    jobs, james = _board()
    assert OrToolsPlanner(budget_ms=0.0).choose(make_tech("maria"), [james], jobs, NOW) is None
