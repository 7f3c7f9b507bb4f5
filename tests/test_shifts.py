"""Weekly shift patterns turn into the shift end routing plans against (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.core.errors import InvalidInput
from api.dispatch.shifts import shift_ends_at, typical_shift, weekly_pattern

CHICAGO = ZoneInfo("America/Chicago")
TZ = "America/Chicago"


def at(day: int, hh: int, mm: int = 0) -> datetime:
    """A moment in Chicago in the week of Monday 2026-11-30 (day 0 = Monday), as UTC."""
    local = datetime(2026, 11, 30, hh, mm, tzinfo=CHICAGO) + timedelta(days=day)
    return local.astimezone(UTC)


def local(moment: datetime) -> tuple[int, str]:
    """(weekday, HH:MM) of a moment in Chicago."""
    t = moment.astimezone(CHICAGO)
    return t.weekday(), t.strftime("%H:%M")


def test_todays_entry_sets_the_end() -> None:
    """On a working day the shift ends at that day's end, whatever the other days say."""
    pattern = weekly_pattern({"mon": ("07:00", "15:30"), "tue": ("10:00", "19:00")})
    assert local(shift_ends_at({"weekly_shift": pattern}, at(1, 9, 45), TZ)) == (1, "19:00")
    assert local(shift_ends_at({"weekly_shift": pattern}, at(0, 7, 5), TZ)) == (0, "15:30")


def test_an_overnight_shift_ends_the_next_morning() -> None:
    """A shift ending before it starts runs past midnight, both before and after it."""
    pattern = weekly_pattern({"fri": ("22:00", "06:00")})
    doc = {"weekly_shift": pattern}
    assert local(shift_ends_at(doc, at(4, 21, 30), TZ)) == (5, "06:00")
    assert local(shift_ends_at(doc, at(5, 2, 0), TZ)) == (5, "06:00")  # Saturday, 02:00


def test_a_day_off_works_the_usual_length_from_now() -> None:
    """Going on duty on a day off: the first working day's length, counted from now."""
    pattern = weekly_pattern({"mon": ("08:00", "12:00"), "wed": ("08:00", "17:00")})
    now = at(6, 10, 0)  # Sunday
    assert shift_ends_at({"weekly_shift": pattern}, now, TZ) == now + timedelta(hours=4)


def test_without_a_pattern_the_single_shift_applies() -> None:
    """Technicians from before weekly patterns keep their one daily shift."""
    doc = {"shift": {"start": "09:00", "end": "18:00"}}
    assert local(shift_ends_at(doc, at(2, 9, 30), TZ)) == (2, "18:00")


def test_patterns_are_checked_and_ordered() -> None:
    """Days come out Monday first; bad days and times are BAD_USER_INPUT."""
    pattern = weekly_pattern({"sun": ("09:00", "13:00"), "mon": ("07:00", "15:30")})
    assert list(pattern) == ["mon", "sun"]
    assert typical_shift(pattern) == {"start": "07:00", "end": "15:30"}
    for bad in (
        {"funday": ("07:00", "15:00")},
        {"mon": ("7am", "15:00")},
        {"mon": ("09:00", "09:00")},
    ):
        with pytest.raises(InvalidInput):
            weekly_pattern(bad)
