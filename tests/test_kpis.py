"""KPIs from hand-made days: revenue, per call, per CSR, utilization, on time, drive share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.insight.kpis import compute, duty_hours

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 08:00 in Austin


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def job(job_id: str, tech: str | None, **kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": job_id,
        "tech_id": tech,
        "booked_at": h(-1),
        "booked_by": {"role": "csr", "sub": "csr_ann"},
        "window_start": h(0),
        "window_end": h(4),
    }
    doc.update(kw)
    return doc


def duty(tech: str, on: float, off: float | None) -> list[dict[str, Any]]:
    events = [{"entity": "technician", "entity_id": tech, "at": h(on), "after": "available"}]
    if off is not None:
        events.append(
            {"entity": "technician", "entity_id": tech, "at": h(off), "after": "off_duty"}
        )
    return events


def test_a_simple_day_adds_up() -> None:
    """Two completed jobs: revenue, average, jobs per tech, on-time, drive share, utilization."""
    jobs = [
        job(
            "a",
            "t1",
            travel_started_at=h(0),
            arrived_at=h(0.5),
            completed_at=h(2.5),
            sold_amount=900.0,
        ),
        job(
            "b",
            "t1",
            travel_started_at=h(2.5),
            arrived_at=h(4.5),
            completed_at=h(6),
            sold_amount=0.0,
        ),
        job("c", None, booked_by={"role": "integration", "sub": "callcentre"}),
    ]
    k = compute(jobs, duty("t1", 0, 8), h(-2), h(10))
    assert k.revenue == 900.0
    assert k.jobs_completed == 2
    assert k.avg_revenue_per_call == 450.0
    assert k.jobs_per_tech == 2.0
    assert k.calls_booked_per_csr == {"csr_ann": 2}  # integrations are not CSRs
    assert k.on_time_rate == 0.5  # b arrived after its window
    (t1,) = k.techs
    assert (t1.on_duty_hours, t1.on_site_hours, t1.drive_hours) == (8.0, 3.5, 2.5)
    assert t1.utilization == 3.5 / 8
    assert not t1.warning
    assert k.drive_share == round(2.5 / 6.0, 4)


def test_period_clips_work_and_duty() -> None:
    """Only the part of a shift and a visit inside the period counts."""
    jobs = [
        job(
            "a", "t1", travel_started_at=h(0), arrived_at=h(1), completed_at=h(3), sold_amount=100.0
        )
    ]
    k = compute(jobs, duty("t1", 0, None), h(2), h(4))
    (t1,) = k.techs
    assert t1.on_duty_hours == 2.0 and t1.on_site_hours == 1.0
    assert k.revenue == 100.0  # completed inside the period
    assert k.on_time_rate is None  # arrived before the period


def test_overwork_is_flagged() -> None:
    """Utilization above 95% carries a warning."""
    jobs = [
        job(
            "a", "t1", travel_started_at=h(0), arrived_at=h(0.1), completed_at=h(4), sold_amount=1.0
        )
    ]
    (t1,) = compute(jobs, duty("t1", 0, 4), h(0), h(5)).techs
    assert t1.utilization is not None and t1.utilization > 0.95
    assert t1.warning


def test_duty_hours_handle_breaks_and_repeat_events() -> None:
    """A break stays on duty; repeated on-duty events do not double count."""
    events = [
        *duty("t1", 0, 6),
        {"entity": "technician", "entity_id": "t1", "at": h(2), "after": "on_break"},
        {"entity": "technician", "entity_id": "t1", "at": h(2.5), "after": "available"},
        {"entity": "job", "entity_id": "x", "at": h(3), "after": "assigned"},
    ]
    assert duty_hours(events, h(-1), h(10)) == {"t1": 6.0}


def test_empty_period_has_no_rates() -> None:
    """No work means no averages, not zeros that look like bad performance."""
    k = compute([], [], h(0), h(1))
    assert k.avg_revenue_per_call is None and k.on_time_rate is None
    assert k.drive_share is None and k.jobs_per_tech is None and k.revenue == 0.0


def test_work_in_progress_counts_only_until_now() -> None:
    """A visit still on site and a shift still open count up to now, not to the period end."""
    jobs = [job("a", "t1", travel_started_at=h(0), arrived_at=h(1))]
    k = compute(jobs, duty("t1", 0, None), h(0), h(24), now=h(2))
    (t1,) = k.techs
    assert (t1.on_duty_hours, t1.on_site_hours) == (2.0, 1.0)
    assert t1.utilization == 0.5


def test_an_early_arrival_is_on_time_and_a_late_one_is_not() -> None:
    """Arriving before the window (the customer is called first) keeps the promise;
    arriving after its end breaks it."""
    jobs = [
        job("early", "t1", arrived_at=h(-0.5), completed_at=h(1)),
        job("late", "t1", arrived_at=h(4.25), completed_at=h(5)),
    ]
    k = compute(jobs, duty("t1", -1, 8), h(-2), h(10))
    assert k.on_time_rate == 0.5
