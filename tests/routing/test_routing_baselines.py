"""Baseline policy tests: nearest-first and FIFO, with the shared hard constraints."""

from __future__ import annotations

import pytest

from routing import fifo_job, nearest_job
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset


def test_nearest_picks_closest_even_if_cheap() -> None:
    """nearest_job ignores value and picks the shortest drive, reporting the next nearest."""
    jobs = [
        make_job("rich-far", value=5000.0, location=offset(AUSTIN, east_km=8.0)),
        make_job("cheap-near", value=50.0, location=offset(AUSTIN, east_km=1.0)),
        make_job("mid", value=500.0, location=offset(AUSTIN, east_km=4.0)),
    ]
    decision = nearest_job(make_tech(), jobs, NOW)
    assert decision is not None
    assert (decision.job_id, decision.runner_up_job_id) == ("cheap-near", "mid")
    assert decision.breakdown.travel_min == pytest.approx(1.95, rel=0.01)


def test_fifo_picks_oldest_booking() -> None:
    """fifo_job picks the job booked earliest regardless of value or distance."""
    jobs = [
        make_job("new", value=5000.0),
        make_job("old", booked_at=NOW - 5 * HOUR, location=offset(AUSTIN, east_km=10.0)),
        make_job("older-ish", booked_at=NOW - 2 * HOUR),
    ]
    decision = fifo_job(make_tech(), jobs, NOW)
    assert decision is not None
    assert (decision.job_id, decision.runner_up_job_id) == ("old", "older-ish")


def test_baselines_honour_hard_constraints() -> None:
    """Both baselines skip unskilled, declined and too-long jobs."""
    tech = make_tech(
        skills=frozenset({"hvac"}),
        declined_job_ids=frozenset({"declined"}),
        shift_end=NOW + 0.5 * HOUR,
    )
    jobs = [
        make_job("pipes", required_skills=frozenset({"plumbing"}), booked_at=NOW - 9 * HOUR),
        make_job("declined", booked_at=NOW - 8 * HOUR),
        make_job("too-long", duration_min=90.0, booked_at=NOW - 7 * HOUR),
        make_job("ok", duration_min=20.0, location=offset(AUSTIN, east_km=2.0)),
    ]
    for policy in (nearest_job, fifo_job):
        decision = policy(tech, jobs, NOW)
        assert decision is not None
        assert (decision.job_id, decision.runner_up_job_id) == ("ok", None)


def test_baselines_return_none_when_nothing_feasible() -> None:
    """No feasible job gives None from both baselines."""
    tech = make_tech(skills=frozenset())
    assert nearest_job(tech, [make_job("j")], NOW) is None
    assert fifo_job(tech, [make_job("j")], NOW) is None
