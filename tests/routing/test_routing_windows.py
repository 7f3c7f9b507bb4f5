"""Arrival windows, waiting, per-kind close rates and the drive surcharge."""

from __future__ import annotations

import pytest

from routing import OpenJob, Weights, choose_next_job, nearest_job, rank_jobs
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset


def later_window(job_id: str, opens_in_h: float, **overrides: object) -> OpenJob:
    """A job whose four-hour arrival window opens `opens_in_h` hours from NOW."""
    start = NOW + opens_in_h * HOUR
    return make_job(job_id, window_start=start, window_end=start + 4 * HOUR, **overrides)


def test_waiting_for_the_window_counts_as_time() -> None:
    """A window opening in two hours adds two hours of waiting to the job's time cost."""
    [(_, b)] = rank_jobs(make_tech(), [later_window("later", 2.0)], NOW)
    assert b.wait_min == pytest.approx(120.0)
    assert b.revenue_per_hour == pytest.approx(b.expected_sale / 3.0)  # 2 h wait + 1 h on site


def test_drive_shortens_the_wait() -> None:
    """Driving toward a window that opens later only waits for what the drive leaves."""
    far = offset(AUSTIN, north_km=20.0)
    [(_, b)] = rank_jobs(make_tech(), [later_window("later", 2.0, location=far)], NOW)
    assert b.wait_min == pytest.approx(120.0 - b.travel_min)


def test_job_open_now_beats_equal_job_opening_later() -> None:
    """Of two identical jobs, the one the tech can start now ranks first."""
    jobs = [later_window("later", 3.0), make_job("now")]
    assert [job.id for job, _ in rank_jobs(make_tech(), jobs, NOW)] == ["now", "later"]


def test_window_opening_after_shift_end_is_infeasible() -> None:
    """A window that opens after the tech's deadline (even tomorrow) is not offered now."""
    tech = make_tech(shift_end=NOW + 3 * HOUR)
    assert rank_jobs(tech, [later_window("tomorrow", 20.0)], NOW) == []
    assert rank_jobs(tech, [later_window("too-late-to-finish", 2.5)], NOW) == []
    assert len(rank_jobs(tech, [later_window("fits", 1.5)], NOW)) == 1


def test_window_long_past_is_infeasible_beyond_tolerance() -> None:
    """Arriving more than late_tolerance_min after window_end makes a job infeasible."""
    stale = make_job("stale", window_start=NOW - 8 * HOUR, window_end=NOW - 4 * HOUR)
    assert rank_jobs(make_tech(), [stale], NOW, weights=Weights(late_tolerance_min=180)) == []
    assert len(rank_jobs(make_tech(), [stale], NOW, weights=Weights(late_tolerance_min=300))) == 1


def test_baselines_share_the_window_constraint() -> None:
    """nearest_job never offers a job whose window opens after the shift ends."""
    tech = make_tech(shift_end=NOW + 3 * HOUR)
    jobs = [later_window("tomorrow", 20.0), make_job("far", location=offset(AUSTIN, 10.0))]
    decision = nearest_job(tech, jobs, NOW)
    assert decision is not None and decision.job_id == "far"


def test_per_kind_close_rate_drives_expected_sale() -> None:
    """The tech's rate for the job's kind, not the overall one, sets expected_sale."""
    tech = make_tech(close_rate=0.5, kind_close_rates={"maintenance": 0.2})
    jobs = [make_job("tuneup", kind="maintenance"), make_job("fix")]
    by_id = {job.id: b for job, b in rank_jobs(tech, jobs, NOW)}
    assert by_id["tuneup"].close_rate == pytest.approx(0.2)
    assert by_id["tuneup"].expected_sale == pytest.approx(100.0)
    assert by_id["fix"].close_rate == pytest.approx(0.5)


def test_per_kind_close_rate_changes_the_pick() -> None:
    """A tech who rarely sells installs takes the repair instead of a richer install."""
    install = make_job("install", kind="install", value=700.0)
    repair = make_job("repair", value=500.0)
    strong = make_tech(kind_close_rates={"install": 0.6})
    weak = make_tech(kind_close_rates={"install": 0.2})
    assert [
        d.job_id for d in (choose_next_job(t, [install, repair], NOW) for t in (strong, weak)) if d
    ] == [
        "install",
        "repair",
    ]


def test_kind_close_rates_are_validated() -> None:
    """An unknown kind or a rate outside [0, 1] raises ValueError."""
    with pytest.raises(ValueError, match="unknown job kind"):
        make_tech(kind_close_rates={"painting": 0.5})
    with pytest.raises(ValueError, match="close rate for install"):
        make_tech(kind_close_rates={"install": 1.5})


def test_drive_surcharge_multiplier() -> None:
    """drive = (travel + duration) / ((1 + drive_penalty) * travel + duration)."""
    job = make_job("j", location=offset(AUSTIN, east_km=10.0))
    [(_, b)] = rank_jobs(make_tech(), [job], NOW, weights=Weights(drive_penalty=2.0))
    expected = (b.travel_min + 60.0) / (3.0 * b.travel_min + 60.0)
    assert b.adjustments["drive"] == pytest.approx(expected)


def test_drive_surcharge_prefers_the_near_job() -> None:
    """A job worth 60% more but 25 minutes further loses once driving is surcharged."""
    near = make_job("near", location=offset(AUSTIN, east_km=2.0))
    rich = make_job("rich", value=800.0, location=offset(AUSTIN, east_km=15.0))
    ids = [
        j.id for j, _ in rank_jobs(make_tech(), [near, rich], NOW, weights=Weights(drive_penalty=0))
    ]
    assert ids[0] == "rich"
    ids = [
        j.id for j, _ in rank_jobs(make_tech(), [near, rich], NOW, weights=Weights(drive_penalty=2))
    ]
    assert ids[0] == "near"


def test_ageing_softens_the_drive_surcharge() -> None:
    """An old job's drive multiplier is closer to 1 than a fresh one's at the same distance."""
    where = offset(AUSTIN, east_km=10.0)
    fresh = make_job("fresh", location=where)
    old = make_job("old", location=where, booked_at=NOW - 10 * HOUR)
    by_id = {j.id: b for j, b in rank_jobs(make_tech(), [fresh, old], NOW)}
    assert by_id["fresh"].adjustments["drive"] < by_id["old"].adjustments["drive"] < 1.0


def test_job_already_overdue_is_not_pushed_back() -> None:
    """An overdue job next door gets no lateness penalty and its ageing rises instead."""
    overdue = make_job("overdue", window_start=NOW - 5 * HOUR, window_end=NOW - HOUR)
    [(_, b)] = rank_jobs(make_tech(), [overdue], NOW, weights=Weights(overdue_per_hour=0.5))
    assert b.adjustments["lateness"] == pytest.approx(1.0)
    assert b.adjustments["waiting"] == pytest.approx(1.5)  # overdue 1 h, booked just now
