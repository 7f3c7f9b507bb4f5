"""Weekly shift patterns as GraphQL sees them (a technician's `weeklyShift`)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A day of the week.")
class Weekday(Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


@strawberry.type(description="One weekday's shift, in the company's local time.")
class ShiftDay:
    day: Weekday = strawberry.field(description="The weekday.")
    start: str = strawberry.field(description="Start, HH:MM (24-hour).")
    end: str = strawberry.field(description="End, HH:MM; at or before start runs overnight.")


__all__ = ["ShiftDay", "Weekday"]
