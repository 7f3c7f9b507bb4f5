"""`bench day` counts an idle gap only when work the tech could take was waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bench._day_gaps import Gap, split, takeable_completions

T0 = datetime(2026, 12, 4, 8, tzinfo=UTC)


def _ev(minute: int, job: str, after: str) -> dict[str, Any]:
    return {"at": T0 + timedelta(minutes=minute), "entity": "job", "entity_id": job, "after": after}


HVAC, PLUMBING = frozenset({"hvac"}), frozenset({"plumbing"})


def test_only_completions_with_a_fitting_open_job_count() -> None:
    events = [
        _ev(0, "p1", "booked"),  # plumbing, open all along
        _ev(1, "h1", "booked"),
        _ev(2, "h1", "assigned"),
        _ev(10, "h1", "completed"),  # hvac tech done: only p1 open -> not dispatch's wait
        _ev(11, "h2", "booked"),
        _ev(12, "h3", "booked"),
        _ev(13, "h2", "assigned"),
        _ev(20, "h2", "completed"),  # h3 (hvac) open -> counts
        {"at": T0, "entity": "technician", "entity_id": "t1", "after": "busy"},
    ]
    skills = {"p1": PLUMBING, "h1": HVAC, "h2": HVAC, "h3": HVAC}
    done_by = {"h1": HVAC, "h2": HVAC}
    assert takeable_completions(events, skills, done_by) == {"h2"}
    # The plumber completing at the same moment would have counted for h1.
    assert takeable_completions(events, skills, {"h1": PLUMBING}) == {"h1"}


def test_a_job_that_left_the_pool_is_not_waiting_work() -> None:
    events = [
        _ev(0, "a", "booked"),
        _ev(1, "a", "cancelled"),
        _ev(2, "b", "booked"),
        _ev(3, "b", "assigned"),
        _ev(5, "b", "completed"),
    ]
    assert takeable_completions(events, {"a": HVAC, "b": HVAC}, {"b": HVAC}) == set()


def test_split_keeps_takeable_gaps_and_counts_the_never_served() -> None:
    gaps = [Gap("t1", "a", 0.2), Gap("t1", "b", None), Gap("t2", "c", 9.0), Gap("t2", "d", None)]
    assert split(gaps, {"a", "b"}) == ([0.2], 1)
