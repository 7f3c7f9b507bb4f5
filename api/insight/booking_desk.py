"""What the booking desk reads: windows with room, the CSR's own figures, the defaults.

The reads are here; the arithmetic is `windows` (pure) and the look-ahead plan's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.core.clock import parse_hhmm
from api.core.domain import ACTIVE_STATUSES, JobKind, JobStatus, TechStatus
from api.core.errors import InvalidInput
from api.core.principal import Principal
from api.core.settings import Settings
from api.core.validation import skills as checked_skills
from api.insight.lookahead import LookaheadPlanner
from api.insight.windows import Shift, WindowRoom, Work, parse_windows, window_rooms
from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.store import Doc, Store

MAX_DAYS = 14
_OPEN = [JobStatus.BOOKED.value, *(s.value for s in ACTIVE_STATUSES)]
_DEFAULT_SHIFT = {"start": "08:00", "end": "17:00"}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INACTIVE = TechStatus.INACTIVE.value  # a deactivated technician offers no room


@dataclass(frozen=True, slots=True)
class KindFigure:
    kind: JobKind
    count: int
    value: float


@dataclass(frozen=True, slots=True)
class DeskFigures:
    """One caller's bookings on the company's local day, by kind (every kind listed)."""

    day: date
    by_kind: tuple[KindFigure, ...]


def kind_defaults(settings: Settings) -> dict[JobKind, float]:
    """The desk's starting value per kind, from `NEXTJOB_KIND_DEFAULT_VALUES`."""
    out = dict.fromkeys(JobKind, 0.0)
    for part in settings.kind_default_values.split(","):
        name, _, amount = part.strip().partition("=")
        if name:
            out[JobKind[name.strip().upper()]] = float(amount)
    return out


async def booking_windows(
    store: Store,
    planner: LookaheadPlanner,
    settings: Settings,
    now: datetime,
    days: int,
    skills: list[str],
    tz: str,
) -> list[WindowRoom]:
    """Today's and the next days' windows (`days` in all), each with its room left."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", "days")
    wanted = frozenset(checked_skills(skills))
    await planner.current()  # the first plan, if none was made yet
    last = now + timedelta(days=days + 1)
    with mapped_driver_errors():
        techs = await store.technicians.find(
            {}, {"skills": 1, "shift": 1, "weekly_shift": 1, "status": 1}
        ).to_list(None)
        jobs = await store.jobs.find(
            {"status": {"$in": _OPEN}, "window_start": {"$lt": last}},
            {"required_skills": 1, "duration_min": 1, "window_start": 1, "window_end": 1},
        ).to_list(None)
    shifts = [_shift(t) for t in techs if t.get("status") != _INACTIVE]
    work = []
    for j in jobs:
        expected = planner.expected(j["_id"])  # the plan's arrival, or an active job's
        work.append(
            Work(
                j["_id"],
                frozenset(j.get("required_skills", ())),
                float(j.get("duration_min") or 60.0),
                j["window_start"],
                j["window_end"],
                None if expected is None else expected[1],
            )
        )
    return window_rooms(
        parse_windows(settings.booking_windows),
        shifts,
        work,
        now=now,
        tz=tz,
        days=days,
        skills=wanted,
        utilization=settings.booking_utilization,
    )


def _shift(tech: Doc) -> Shift:
    """A weekly pattern (`weekly_shift`: a missing day is off), else the daily `shift`."""
    skills = frozenset(tech.get("skills", ()))
    weekly = tech.get("weekly_shift")
    if weekly:
        week = tuple(
            (parse_hhmm(h["start"]), parse_hhmm(h["end"])) if (h := weekly.get(d)) else None
            for d in _WEEKDAYS
        )
        return Shift(tech["_id"], skills, week)
    daily = tech.get("shift") or _DEFAULT_SHIFT
    return Shift.daily(tech["_id"], skills, parse_hhmm(daily["start"]), parse_hhmm(daily["end"]))


async def my_bookings(store: Store, actor: Principal, now: datetime, tz: str) -> DeskFigures:
    """What this caller booked today (the company's local day), by kind."""
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    counts = dict.fromkeys(JobKind, 0)
    values = dict.fromkeys(JobKind, 0.0)
    query = {
        "booked_by.role": actor.role.value,
        "booked_by.sub": actor.subject,
        "booked_at": {"$gte": start, "$lt": end},
    }
    with mapped_driver_errors():
        async for job in store.jobs.find(query, {"kind": 1, "estimated_value": 1}):
            kind = JobKind(job["kind"])
            counts[kind] += 1
            values[kind] += float(job.get("estimated_value") or 0.0)
    return DeskFigures(day, tuple(KindFigure(k, counts[k], round(values[k], 2)) for k in JobKind))
