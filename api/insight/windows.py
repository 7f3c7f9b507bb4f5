"""Room left in the broad arrival windows the booking desk offers ("8-12", "12-4").

Pure: plain data in, plain data out, no I/O (the desk's reads are in `booking_desk`).
A window's capacity is the technicians' shift minutes inside it, times the share of a
shift that can be spent on site (the rest is driving). Its load is the work already
booked there: a job the look-ahead plan (or an active job's eta) places at a time
occupies its minutes from then on; a job the plan does not reach is spread evenly over
its own arrival window. Windows in progress count only from now; finished ones are not
offered. With skills asked for, only technicians holding all of them count, and each
job weighs on them by the share of its capable technicians they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.core.clock import parse_hhmm

__all__ = ["DailyWindow", "Shift", "WindowRoom", "Work", "parse_windows", "window_rooms"]


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """An arrival window offered every day, in local time."""

    start: time
    end: time


Hours = tuple[time, time]


@dataclass(frozen=True, slots=True)
class Shift:
    """A technician's week: local (start, end) per weekday, Monday first, None for a day
    off; an end at or before the start runs past midnight."""

    tech_id: str
    skills: frozenset[str]
    week: tuple[Hours | None, ...]

    @classmethod
    def daily(cls, tech_id: str, skills: frozenset[str], start: time, end: time) -> Shift:
        """The same hours every day."""
        return cls(tech_id, skills, ((start, end),) * 7)


@dataclass(frozen=True, slots=True)
class Work:
    """A job still to be done: booked, or active (assigned, en route, on site)."""

    job_id: str
    skills: frozenset[str]
    minutes: float
    window_start: datetime
    window_end: datetime
    expected_start: datetime | None = None  # from the plan, an eta, or the arrival


@dataclass(frozen=True, slots=True)
class WindowRoom:
    """One offered window on one day, with its capacity and what is booked in it."""

    start: datetime
    end: datetime
    capacity_min: float
    booked_min: float
    jobs: int

    @property
    def room_min(self) -> float:
        return max(0.0, self.capacity_min - self.booked_min)

    @property
    def full(self) -> bool:
        return self.booked_min >= self.capacity_min


def parse_windows(spec: str) -> tuple[DailyWindow, ...]:
    """`"08:00-12:00,12:00-16:00"` as windows; ValueError for a window that ends first."""
    out = []
    for part in spec.split(","):
        start, _, end = part.strip().partition("-")
        window = DailyWindow(parse_hhmm(start.strip()), parse_hhmm(end.strip()))
        if window.end <= window.start:
            raise ValueError(f"arrival window {part.strip()!r} must end after it starts")
        out.append(window)
    if not out:
        raise ValueError("at least one arrival window is needed")
    return tuple(sorted(out, key=lambda w: w.start))


def _minutes(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    """Minutes the intervals [a, b) and [c, d) share."""
    return max(0.0, (min(b, d) - max(a, c)).total_seconds() / 60.0)


def _shift_minutes(shift: Shift, day: date, zone: ZoneInfo, a: datetime, b: datetime) -> float:
    """Minutes of the shift that starts on `day` inside [a, b)."""
    hours = shift.week[day.weekday()]
    if hours is None:
        return 0.0
    start = datetime.combine(day, hours[0], tzinfo=zone)
    end = datetime.combine(day, hours[1], tzinfo=zone)
    return _minutes(start, end if end > start else end + timedelta(days=1), a, b)


def _shares(
    work: Iterable[Work], everyone: Sequence[Shift], pool: Sequence[Shift], filtered: bool
) -> dict[frozenset[str], float]:
    """For each set of required skills: the share of its capable techs in the pool."""
    mine = {s.tech_id for s in pool}
    out: dict[frozenset[str], float] = {}
    for skills in {job.skills for job in work}:
        capable = [s.tech_id for s in everyone if skills <= s.skills]
        if not capable:
            out[skills] = 0.0 if filtered else 1.0  # nobody can do it yet: it still fills the day
        else:
            out[skills] = sum(1 for t in capable if t in mine) / len(capable)
    return out


def _placed(job: Work, now: datetime) -> tuple[datetime, datetime, bool]:
    """Where the job's minutes fall: (from, to, occupied exactly) or spread over a span."""
    if job.expected_start is not None:
        return job.expected_start, job.expected_start + timedelta(minutes=job.minutes), True
    if job.window_end <= now:  # overdue and unplanned: it is due now
        return now, now + timedelta(minutes=job.minutes), True
    return max(job.window_start, now), job.window_end, False


def window_rooms(
    windows: Sequence[DailyWindow],
    shifts: Sequence[Shift],
    work: Iterable[Work],
    *,
    now: datetime,
    tz: str,
    days: int,
    skills: frozenset[str] = frozenset(),
    utilization: float = 0.75,
) -> list[WindowRoom]:
    """Each window of today and the following days (`days` in all) not yet over, in order."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    pool = [s for s in shifts if skills <= s.skills]
    todo = list(work)
    shares = _shares(todo, shifts, pool, bool(skills))
    # Epoch seconds: the windows x jobs loop below stays plain float arithmetic.
    loads = [
        (begin.timestamp(), finish.timestamp(), exact, job.minutes, shares[job.skills])
        for job in todo
        if shares[job.skills] > 0
        for begin, finish, exact in (_placed(job, now),)
    ]
    out = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        for w in windows:
            start = datetime.combine(day, w.start, tzinfo=zone)
            end = datetime.combine(day, w.end, tzinfo=zone)
            if end <= now:
                continue
            opens = max(start, now)
            capacity = sum(
                _shift_minutes(s, d, zone, opens, end)
                for s in pool
                for d in (day - timedelta(days=1), day)
            )
            booked, jobs = 0.0, 0
            opens_s, end_s = opens.timestamp(), end.timestamp()
            for begin, finish, exact, minutes, share in loads:
                inside = min(finish, end_s) - max(begin, opens_s)
                if inside <= 0:
                    continue
                booked += share * (inside / 60.0 if exact else minutes * inside / (finish - begin))
                jobs += 1
            out.append(WindowRoom(start, end, capacity * utilization, booked, jobs))
    return out
