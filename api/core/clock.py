"""Time, injectable so the simulator and tests can run the day at their own pace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    # MongoDB keeps milliseconds; trimming here keeps reads equal to what was written.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))


def shift_end_after(now: datetime, start: str, end: str, tz: str) -> datetime:
    """When a shift that starts now ends: today's scheduled end, or the shift's length
    from now when the tech clocks on outside the scheduled hours."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    start_t, end_t = parse_hhmm(start), parse_hhmm(end)
    length = datetime.combine(local.date(), end_t) - datetime.combine(local.date(), start_t)
    if length <= timedelta(0):
        length += timedelta(days=1)
    scheduled_start = datetime.combine(local.date(), start_t, tzinfo=zone)
    scheduled_end = scheduled_start + length
    if scheduled_start - timedelta(hours=2) <= local < scheduled_end:
        return scheduled_end.astimezone(UTC)
    return (now + length).astimezone(UTC)


def company_day(now: datetime, tz: str) -> str:
    """The company's calendar day at `now` (ISO date in its time zone, not UTC's): what
    every "today" in the product means."""
    return now.astimezone(ZoneInfo(tz)).date().isoformat()
