"""The fleet plan: a freed tech's first job chosen by playing the whole fleet forward."""

from __future__ import annotations

from datetime import timedelta

from routing import JobTable, TechAvailability
from routing.fleet import RolloutPlanner
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset

MIN = timedelta(minutes=1)


def _board() -> tuple[JobTable, TechAvailability]:
    """Maria is free downtown; a repair 3 km east, another 10 km west whose window is
    about to close; James finishes a job right at the eastern repair in 20 minutes."""
    east, west = offset(AUSTIN, east_km=3.0), offset(AUSTIN, east_km=-10.0)
    jobs = JobTable.build(
        [
            make_job("east", location=east),
            make_job("west", location=west, window_end=NOW + 40 * MIN),
        ]
    )
    james = TechAvailability(make_tech("james"), NOW + 20 * MIN, east)
    return jobs, james


def test_freed_tech_leaves_the_job_a_busy_tech_frees_up_next_to() -> None:
    """The plan sends Maria west and leaves the eastern repair to James (greedy: east)."""
    jobs, james = _board()
    choice = RolloutPlanner().choose(make_tech("maria"), [james], jobs, NOW)
    assert choice is not None
    assert choice.greedy_job_id == "east"
    assert choice.job_id == "west"
    assert choice.runner_up_job_id == "east"
    assert choice.plan_value > (choice.runner_up_value or 0.0)


def test_reason_names_who_frees_up_and_when() -> None:
    """The recorded reason says, in words, who frees up near the other job and when."""
    jobs, james = _board()
    names = {"maria": "Maria", "james": "James"}
    choice = RolloutPlanner().choose(make_tech("maria"), [james], jobs, NOW, names)
    assert choice is not None
    assert "James frees up in 20 min" in choice.reason
    assert "Maria takes the repair" in choice.reason


def test_alone_the_plan_agrees_with_greedy() -> None:
    """With nobody else on duty, the nearer job first is also the fleet's best plan."""
    jobs, _ = _board()
    relaxed = JobTable.build(
        [
            make_job("east", location=offset(AUSTIN, east_km=3.0)),
            make_job("west", location=offset(AUSTIN, east_km=-10.0)),
        ]
    )
    choice = RolloutPlanner().choose(make_tech("maria"), [], relaxed, NOW)
    assert choice is not None and choice.job_id == choice.greedy_job_id == "east"
    assert jobs is not relaxed


def test_one_option_is_left_to_todays_policy() -> None:
    """With a single feasible job there is nothing to plan: None (the caller keeps greedy)."""
    jobs = JobTable.build([make_job("only")])
    assert RolloutPlanner().choose(make_tech("maria"), [], jobs, NOW) is None


def test_no_time_left_falls_back() -> None:
    """A zero time budget evaluates a single plan, so the planner returns None."""
    jobs, james = _board()
    assert RolloutPlanner(budget_ms=0.0).choose(make_tech("maria"), [james], jobs, NOW) is None


def test_emergency_is_not_left_for_cheaper_work() -> None:
    """An emergency that would be out of reach after a long rich job comes first."""
    far = offset(AUSTIN, north_km=8.0)
    jobs = JobTable.build(
        [
            make_job("rich", value=900.0, duration_min=240.0),
            make_job("urgent", location=far, priority="emergency", window_end=NOW + HOUR),
        ]
    )
    choice = RolloutPlanner(horizon_min=480.0).choose(make_tech("maria"), [], jobs, NOW)
    assert choice is not None and choice.job_id == "urgent"
