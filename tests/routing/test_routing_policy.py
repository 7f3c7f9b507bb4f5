"""Scored policy tests: hard constraints, revenue per hour, and every adjustment."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from routing import OpenJob, TechProfile, Weights, choose_next_job, rank_jobs, score_matrix
from tests.routing.routing_factories import AUSTIN, HOUR, NOW, make_job, make_tech, offset


def ranked_ids(jobs: list[OpenJob], tech: TechProfile | None = None) -> list[str]:
    """Job ids in ranked order for `tech` (default: make_tech()) at NOW."""
    return [job.id for job, _ in rank_jobs(tech or make_tech(), jobs, NOW)]


def test_missing_skill_excludes_job() -> None:
    """A job needing a skill the tech lacks is never ranked."""
    tech = make_tech(skills=frozenset({"hvac"}))
    jobs = [
        make_job("pipes", value=5000.0, required_skills=frozenset({"plumbing"})),
        make_job("ac"),
    ]
    assert [job.id for job, _ in rank_jobs(tech, jobs, NOW)] == ["ac"]


def test_job_that_cannot_finish_before_shift_end_is_excluded() -> None:
    """now + travel + duration past shift_end makes a job infeasible."""
    tech = make_tech(shift_end=NOW + 0.5 * HOUR)
    jobs = [make_job("long", duration_min=60.0), make_job("short", duration_min=20.0)]
    assert [job.id for job, _ in rank_jobs(tech, jobs, NOW)] == ["short"]


def test_overtime_allows_job_past_shift_end() -> None:
    """overtime_until later than shift_end extends the deadline."""
    tech = make_tech(shift_end=NOW + 0.5 * HOUR, overtime_until=NOW + 2 * HOUR)
    jobs = [make_job("long", duration_min=60.0)]
    assert [job.id for job, _ in rank_jobs(tech, jobs, NOW)] == ["long"]


def test_travel_counts_toward_shift_end() -> None:
    """A job that fits on site but not with the drive is excluded."""
    far = offset(AUSTIN, north_km=20.0)  # ~39 minutes away
    tech = make_tech(shift_end=NOW + 1.5 * HOUR)
    assert rank_jobs(tech, [make_job("far", location=far)], NOW) == []
    assert len(rank_jobs(tech, [make_job("near")], NOW)) == 1


def test_no_shift_end_means_no_limit() -> None:
    """With shift_end None even a ten-hour install is feasible."""
    tech = make_tech(shift_end=None)
    jobs = [make_job("install", kind="install", duration_min=600.0)]
    assert len(rank_jobs(tech, jobs, NOW)) == 1


def test_declined_job_never_offered() -> None:
    """A job the tech declined is excluded even if it would be the best."""
    tech = make_tech(declined_job_ids=frozenset({"best"}))
    jobs = [make_job("best", value=9000.0), make_job("ok")]
    decision = choose_next_job(tech, jobs, NOW)
    assert decision is not None
    assert decision.job_id == "ok"
    assert decision.runner_up_job_id is None


def test_valuable_job_beats_nearer_cheap_job() -> None:
    """Higher expected sale wins when the extra drive is modest."""
    jobs = [
        make_job("cheap-near", value=200.0, location=offset(AUSTIN, east_km=1.0)),
        make_job("rich-far", value=800.0, location=offset(AUSTIN, east_km=8.0)),
    ]
    assert ranked_ids(jobs)[0] == "rich-far"


def test_far_job_loses_to_near_job_on_revenue_per_hour() -> None:
    """A slightly richer job two hours' drive away loses to a nearby one."""
    jobs = [
        make_job("near", value=500.0, location=offset(AUSTIN, east_km=1.0)),
        make_job("far", value=600.0, location=offset(AUSTIN, north_km=60.0)),
    ]
    assert ranked_ids(jobs, make_tech(shift_end=None)) == ["near", "far"]


def test_close_rate_and_ticket_factor_scale_expected_sale() -> None:
    """expected_sale = value * close_rate * ticket_factor and revenue/hour follows it."""
    tech = make_tech(close_rate=0.8, ticket_factor=1.5)
    [(_, breakdown)] = rank_jobs(tech, [make_job("j", value=1000.0)], NOW)
    assert breakdown.expected_sale == pytest.approx(1200.0)
    assert breakdown.revenue_per_hour == pytest.approx(1200.0)  # 0 travel + 60 min on site


def test_score_is_revenue_per_hour_times_adjustments() -> None:
    """score equals revenue_per_hour times the product of every multiplier reported."""
    job = make_job(
        "j",
        priority="high",
        kind="broken_equipment",
        urgency_list=True,
        booked_at=NOW - 4 * HOUR,
        location=offset(AUSTIN, east_km=5.0),
    )
    [(_, b)] = rank_jobs(make_tech(), [job], NOW)
    hours = (b.travel_min + b.duration_min) / 60.0
    assert b.revenue_per_hour == pytest.approx(b.expected_sale / hours)
    busy = b.travel_min + b.duration_min
    drive = busy / (busy + 3.0 * b.travel_min / 1.8)
    assert b.adjustments == pytest.approx(
        {
            "priority": 1.5,
            "kind": 1.3,
            "urgency_list": 1.25,
            "waiting": 1.8,
            "lateness": 1.0,
            "drive": drive,
            "match": 1.0,
        }
    )
    assert b.score == pytest.approx(b.revenue_per_hour * math.prod(b.adjustments.values()))


def test_emergency_beats_normal_of_similar_value() -> None:
    """An emergency outranks a normal job worth 10% more."""
    jobs = [make_job("normal", value=550.0), make_job("emergency", priority="emergency")]
    assert ranked_ids(jobs)[0] == "emergency"


def test_broken_equipment_beats_maintenance_of_similar_value() -> None:
    """Broken equipment gets the extra kind multiplier over a routine job."""
    jobs = [
        make_job("tuneup", kind="maintenance", value=550.0),
        make_job("no-ac", kind="broken_equipment"),
    ]
    assert ranked_ids(jobs)[0] == "no-ac"


def test_urgency_list_promotes_job() -> None:
    """An urgency-listed job beats an unlisted one worth 10% more."""
    jobs = [make_job("plain", value=500.0), make_job("urgent", value=450.0, urgency_list=True)]
    assert ranked_ids(jobs)[0] == "urgent"


def test_waiting_ageing_prevents_starvation() -> None:
    """A cheap job loses when fresh but wins once it has waited long enough."""
    fresh_rich = make_job("rich", value=500.0)
    window_end = NOW + 4 * HOUR

    def cheap_waited(hours: float) -> OpenJob:
        return make_job(
            "cheap",
            value=300.0,
            booked_at=NOW - hours * HOUR,
            window_start=NOW - hours * HOUR,
            window_end=window_end,
        )

    assert ranked_ids([fresh_rich, cheap_waited(2)])[0] == "rich"
    assert ranked_ids([fresh_rich, cheap_waited(30)])[0] == "cheap"


def test_waiting_multiplier_is_capped() -> None:
    """Ageing never exceeds waiting_max however old the job is."""
    old = make_job("old", booked_at=NOW - 1000 * HOUR, window_start=NOW - 1000 * HOUR)
    [(_, b)] = rank_jobs(make_tech(), [old], NOW, weights=Weights(waiting_max=1.7))
    assert b.adjustments["waiting"] == pytest.approx(1.7)


def test_lateness_is_a_soft_penalty() -> None:
    """A drive that ends an hour after window_end halves the score; the job is still offered."""
    where = offset(AUSTIN, north_km=30.8)  # one hour's drive
    on_time = make_job("on-time", location=where, window_end=NOW + 2 * HOUR)
    late = make_job("late", location=where, window_start=NOW - 3 * HOUR, window_end=NOW)
    weights = Weights(drive_penalty=0.0)
    ranked = rank_jobs(make_tech(), [late, on_time], NOW, weights=weights)
    assert [job.id for job, _ in ranked] == ["on-time", "late"]
    late_breakdown = ranked[1][1]
    assert late_breakdown.adjustments["lateness"] == pytest.approx(0.5, rel=0.02)
    assert late_breakdown.score == pytest.approx(ranked[0][1].score / 2, rel=0.02)


def test_ties_break_by_job_id_regardless_of_input_order() -> None:
    """Identical jobs rank by id, whatever order they are passed in."""
    jobs = [make_job("c"), make_job("a"), make_job("b")]
    assert ranked_ids(jobs) == ["a", "b", "c"]
    assert ranked_ids(list(reversed(jobs))) == ["a", "b", "c"]


def test_choose_next_job_reports_runner_up() -> None:
    """The decision names the second-best job and its score."""
    jobs = [make_job("second", value=400.0), make_job("best"), make_job("third", value=100.0)]
    decision = choose_next_job(make_tech(), jobs, NOW)
    assert decision is not None
    assert (decision.job_id, decision.runner_up_job_id) == ("best", "second")
    assert decision.runner_up_score == pytest.approx(200.0)
    assert decision.breakdown.score == pytest.approx(250.0)


def test_choose_next_job_none_when_nothing_feasible() -> None:
    """No feasible job gives None; a single job gives no runner-up."""
    tech = make_tech(skills=frozenset())
    assert choose_next_job(tech, [make_job("j")], NOW) is None
    assert choose_next_job(make_tech(), [], NOW) is None
    single = choose_next_job(make_tech(), [make_job("j")], NOW)
    assert single is not None
    assert (single.runner_up_job_id, single.runner_up_score) == (None, None)


def test_score_matrix_matches_rank_jobs_and_masks_infeasible() -> None:
    """score_matrix has one row per tech, -inf for infeasible pairs, rank_jobs scores."""
    techs = [
        make_tech("hvac", skills=frozenset({"hvac"})),
        make_tech("plumber", skills=frozenset({"plumbing"})),
    ]
    jobs = [make_job("ac"), make_job("pipes", required_skills=frozenset({"plumbing"}))]
    matrix = score_matrix(techs, jobs, NOW)
    assert matrix.shape == (2, 2)
    assert np.isneginf(matrix[0, 1])
    assert np.isneginf(matrix[1, 0])
    for row, tech in enumerate(techs):
        for job, breakdown in rank_jobs(tech, jobs, NOW):
            assert matrix[row, jobs.index(job)] == pytest.approx(breakdown.score)
    assert score_matrix([], jobs, NOW).shape == (0, 2)


def test_zero_minute_job_on_site_does_not_divide_by_zero() -> None:
    """A zero-duration job at the tech's location gets a finite score."""
    [(_, b)] = rank_jobs(make_tech(), [make_job("j", duration_min=0.0)], NOW)
    assert math.isfinite(b.score)


def test_naive_now_and_duplicate_ids_raise() -> None:
    """A naive `now` or two jobs with the same id raise ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        rank_jobs(make_tech(), [make_job("j")], datetime(2025, 6, 2, 15))
    with pytest.raises(ValueError, match="unique"):
        rank_jobs(make_tech(), [make_job("j"), make_job("j")], NOW)


def test_weights_validation() -> None:
    """Weights missing a priority or with a non-positive multiplier raise ValueError."""
    with pytest.raises(ValueError, match="missing"):
        Weights(priority={"normal": 1.0})
    with pytest.raises(ValueError, match="> 0"):
        Weights(urgency_list=0.0)
