"""Why work is unassignable, as the board's alert says it (pure: no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.dispatch.stuck import Working, stuck_reason, working_today
from routing import OpenJob, Point

NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 11:00 in Chicago
TZ = "America/Chicago"


def job(start_h: float = 0, end_h: float = 4, minutes: float = 60, skills: str = "hvac") -> OpenJob:
    return OpenJob(
        id="j",
        location=Point(30.27, -97.74),
        kind="repair",
        priority="normal",
        value=300.0,
        duration_min=minutes,
        required_skills=frozenset({skills}),
        window_start=NOW + timedelta(hours=start_h),
        window_end=NOW + timedelta(hours=end_h),
        booked_at=NOW,
    )


HVAC = frozenset({"hvac"})


def until(hours: float) -> Working:
    return Working(HVAC, NOW, NOW + timedelta(hours=hours))


def test_each_reason_is_found() -> None:
    """Skill, nobody working, window passed, window outside shifts, shift too short."""
    assert (stuck_reason(job(skills="solar"), [until(8)], [HVAC], NOW) or ("",))[0] == "skill"
    assert (stuck_reason(job(), [], [HVAC], NOW) or ("",))[0] == "off"
    assert (stuck_reason(job(-10, -6), [until(8)], [HVAC], NOW) or ("",))[0] == "passed"
    assert (stuck_reason(job(9, 10), [until(8)], [HVAC], NOW) or ("",))[0] == "outside"
    assert (stuck_reason(job(minutes=180), [until(0.5)], [HVAC], NOW) or ("",))[0] == "short"


def test_a_job_someone_can_do_is_not_stuck() -> None:
    """One qualified tech with time enough: no alert."""
    assert stuck_reason(job(minutes=180), [until(0.5), until(4)], [HVAC], NOW) is None
    assert stuck_reason(job(), [Working(HVAC, NOW, None)], [HVAC], NOW) is None


def test_who_works_today() -> None:
    """On duty counts until the later of shift end and overtime; off duty counts only if
    their shift is still ahead today and they have not clocked off today."""
    base = {"skills": ["hvac"], "shift": {"start": "13:00", "end": "18:00"}}
    on = working_today(
        {
            **base,
            "status": "busy",
            "shift_ends_at": NOW,
            "overtime_until": NOW + timedelta(hours=2),
        },
        NOW,
        TZ,
    )
    assert on is not None and on.works_until == NOW + timedelta(hours=2)
    later = working_today({**base, "status": "off_duty"}, NOW, TZ)
    assert later is not None and later.available_from == NOW + timedelta(hours=2)
    gone = {**base, "status": "off_duty", "off_duty_at": NOW - timedelta(minutes=5)}
    assert working_today(gone, NOW, TZ) is None
    ended = {"skills": ["hvac"], "shift": {"start": "06:00", "end": "10:00"}, "status": "off_duty"}
    assert working_today(ended, NOW, TZ) is None
