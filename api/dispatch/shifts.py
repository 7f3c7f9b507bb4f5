"""Weekly shift patterns, and going on duty by them.

A technician's pattern says, per weekday, when the shift starts and ends in the
company's local time (`{"mon": {"start": "07:00", "end": "15:30"}, ...}`; a missing day
is a day off). When the tech goes on duty the pattern becomes the `shift_ends_at`
routing plans against. A shift ending at or before its start runs past midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from api.core.clock import parse_hhmm, shift_end_after
from api.core.errors import InvalidInput
from api.persistence.store import Doc

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SHIFT: Final = {"start": "08:00", "end": "17:00"}
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

Weekly = dict[str, dict[str, str]]


def weekly_pattern(days: Mapping[str, tuple[str, str]]) -> Weekly:
    """A checked pattern from {weekday: (start, end)}; BAD_USER_INPUT otherwise."""
    out: Weekly = {}
    for day, (start, end) in days.items():
        if day not in WEEKDAYS:
            raise InvalidInput(f"unknown weekday {day[:10]!r}", "weeklyShift")
        for value in (start, end):
            if not _HHMM.match(value):
                raise InvalidInput(
                    f"{day}: times are HH:MM, 24-hour ({value[:10]!r})", "weeklyShift"
                )
        if start == end:
            raise InvalidInput(f"{day}: the shift must not start and end at once", "weeklyShift")
        out[day] = {"start": start, "end": end}
    return {d: out[d] for d in WEEKDAYS if d in out}


def typical_shift(pattern: Weekly) -> dict[str, str]:
    """The first working day's hours: what `shiftStart`/`shiftEnd` show for the pattern."""
    return dict(next(iter(pattern.values()), DEFAULT_SHIFT))


def shift_ends_at(doc: Doc, now: datetime, tz: str) -> datetime:
    """When a shift started now ends, by the tech's weekly pattern (or single shift)."""
    pattern: Weekly = doc.get("weekly_shift") or {}
    if not pattern:
        shift = doc.get("shift") or DEFAULT_SHIFT
        return shift_end_after(now, shift["start"], shift["end"], tz)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    yesterday = pattern.get(WEEKDAYS[(local.weekday() - 1) % 7])
    if yesterday and parse_hhmm(yesterday["end"]) <= parse_hhmm(yesterday["start"]):
        # Still inside last night's shift, which runs past midnight into today.
        end = datetime.combine(local.date(), parse_hhmm(yesterday["end"]), tzinfo=zone)
        if local < end:
            return end.astimezone(now.tzinfo)
    today = pattern.get(WEEKDAYS[local.weekday()])
    if today is None:
        # A day off: the tech works their usual length from now.
        return now + _length(typical_shift(pattern))
    return shift_end_after(now, today["start"], today["end"], tz)


def _length(shift: Mapping[str, str]) -> timedelta:
    base = datetime(2000, 1, 1)
    start = datetime.combine(base.date(), parse_hhmm(shift["start"]))
    end = datetime.combine(base.date(), parse_hhmm(shift["end"]))
    return end - start if end > start else end - start + timedelta(days=1)
