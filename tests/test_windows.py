"""Room in the desk's arrival windows: pure computation over plain data, no servers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.insight.windows import DailyWindow, Shift, Work, parse_windows, window_rooms

TZ = "America/Chicago"
CHICAGO = ZoneInfo(TZ)
WINDOWS = parse_windows("08:00-12:00,12:00-16:00")
HVAC, PLUMBING = frozenset({"hvac"}), frozenset({"plumbing"})
DAY_SHIFT = (time(8), time(17))


def local(hour: int, minute: int = 0, day: int = 2) -> datetime:
    """A June 2026 local time in Austin (CDT, UTC-5)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=CHICAGO)


def shift(
    tech_id: str, skills: frozenset[str] = HVAC, hours: tuple[time, time] = DAY_SHIFT
) -> Shift:
    return Shift.daily(tech_id, skills, *hours)


def job(
    minutes: float,
    start: datetime,
    end: datetime,
    skills: frozenset[str] = HVAC,
    at: datetime | None = None,
) -> Work:
    return Work(f"job_{start:%H%M}_{minutes:g}", skills, minutes, start, end, at)


def test_windows_parse_in_order_and_refuse_backwards_ones() -> None:
    """The setting reads as sorted local windows; a window ending first is refused."""
    assert parse_windows(" 12:00-16:00 , 08:00-12:00") == (
        DailyWindow(time(8), time(12)),
        DailyWindow(time(12), time(16)),
    )
    with pytest.raises(ValueError, match="must end after it starts"):
        parse_windows("12:00-08:00")


def test_capacity_is_shift_minutes_in_the_window_times_utilization() -> None:
    """Two 8-17 techs give 2 x 240 x 0.75 = 360 bookable minutes in 8-12, 2 x 240 x 0.75 in
    12-16; the windows start at 13:00 and 17:00 UTC in Austin's summer."""
    rooms = window_rooms(WINDOWS, [shift("a"), shift("b")], [], now=local(7), tz=TZ, days=1)
    assert [(r.start.astimezone(UTC).hour, r.capacity_min) for r in rooms] == [(13, 360), (17, 360)]
    assert all(r.room_min == r.capacity_min and not r.full for r in rooms)


def test_booked_work_fills_its_window() -> None:
    """A 90-minute job booked 8-12 leaves 270 of 360 minutes, and counts as one job."""
    work = [job(90, local(8), local(12))]
    morning = window_rooms(WINDOWS, [shift("a"), shift("b")], work, now=local(7), tz=TZ, days=1)[0]
    assert (morning.booked_min, morning.room_min, morning.jobs) == (90, 270, 1)


def test_a_window_in_progress_counts_from_now_and_past_windows_are_gone() -> None:
    """At 10:00 the morning window has two hours left per tech; at 12:30 only the
    afternoon is offered today, and tomorrow's windows follow."""
    at_ten = window_rooms(WINDOWS, [shift("a")], [], now=local(10), tz=TZ, days=1)
    assert at_ten[0].capacity_min == 120 * 0.75
    afternoon = window_rooms(WINDOWS, [shift("a")], [], now=local(12, 30), tz=TZ, days=2)
    assert [r.start for r in afternoon] == [local(12), local(8, day=3), local(12, day=3)]


def test_the_plan_places_work_across_a_window_boundary() -> None:
    """A job the plan starts at 11:30 for 90 minutes puts 30 in 8-12 and 60 in 12-16."""
    work = [job(90, local(8), local(16), at=local(11, 30))]
    rooms = window_rooms(WINDOWS, [shift("a")], work, now=local(7), tz=TZ, days=1)
    assert [r.booked_min for r in rooms] == [30, 60]


def test_a_full_window_is_still_offered_with_no_room() -> None:
    """Booked beyond capacity: room 0 and `full`, but the window is there to book anyway."""
    work = [job(120, local(8), local(12)) for _ in range(2)]
    morning = window_rooms(WINDOWS, [shift("a")], work, now=local(7), tz=TZ, days=1)[0]
    assert morning.full and morning.room_min == 0 and morning.booked_min == 240


def test_skills_narrow_the_technicians_and_the_work_that_weighs_on_them() -> None:
    """Asking for plumbing counts only the plumber's shift, and a plumbing job that the
    plumber and a two-trade tech can both do weighs half on the plumbers' pool."""
    techs = [shift("hvac"), shift("pipes", PLUMBING), shift("both", HVAC | PLUMBING)]
    work = [job(60, local(8), local(12), PLUMBING), job(100, local(8), local(12), HVAC)]
    rooms = window_rooms(WINDOWS, techs, work, now=local(7), tz=TZ, days=1, skills=PLUMBING)
    # pool: pipes + both; the plumbing job's capable techs are both in it; the hvac job's
    # capable techs are hvac and both: half of them are in the pool.
    assert rooms[0].capacity_min == 2 * 240 * 0.75
    assert rooms[0].booked_min == 60 + 100 / 2


def test_an_overnight_shift_counts_the_next_morning() -> None:
    """A 22:00-09:00 shift gives an hour to the next day's 8-12 window."""
    night = [shift("owl", hours=(time(22), time(9)))]
    rooms = window_rooms(WINDOWS, night, [], now=local(7), tz=TZ, days=1, utilization=1.0)
    assert rooms[0].capacity_min == 60


def test_overdue_unplanned_work_is_due_now() -> None:
    """A job whose window has passed, still unassigned, occupies the minutes from now."""
    work = [job(45, local(6), local(7))]
    now = local(9)
    rooms = window_rooms(WINDOWS, [shift("a")], work, now=now, tz=TZ, days=1)
    assert rooms[0].booked_min == 45
    assert rooms[0].start == local(8) and now - rooms[0].start == timedelta(hours=1)


def test_a_weekly_pattern_gives_no_room_on_a_day_off() -> None:
    """A Monday-to-Friday tech adds nothing to Saturday's windows (June 6, 2026)."""
    weekdays = Shift("wk", HVAC, (DAY_SHIFT,) * 5 + (None, None))
    rooms = window_rooms(WINDOWS, [weekdays], [], now=local(7, day=5), tz=TZ, days=2)
    assert [(r.start.day, r.capacity_min) for r in rooms] == [(5, 180), (5, 180), (6, 0), (6, 0)]
