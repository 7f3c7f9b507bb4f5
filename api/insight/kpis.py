"""The trade's KPIs, computed from jobs and the events log: plain functions, no I/O.

Billable utilization = on-site time / time on duty (75% is the trade's gold standard;
above 95% means overwork or doctored numbers). Drive share = drive time / (drive +
on-site). On time = arrived no later than the end of the promised window: the
customer is called before any early arrival ("we can come sooner"), so arriving ahead
of the window keeps the promise; only a late arrival breaks it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api.persistence.store import Doc, Store

UTILIZATION_TARGET = 0.75
UTILIZATION_WARNING = 0.95


@dataclass(frozen=True, slots=True)
class TechUtilization:
    tech_id: str
    on_duty_hours: float
    on_site_hours: float
    drive_hours: float
    jobs_completed: int
    revenue: float

    @property
    def utilization(self) -> float | None:
        return self.on_site_hours / self.on_duty_hours if self.on_duty_hours > 0 else None

    @property
    def warning(self) -> bool:
        u = self.utilization
        return u is not None and u > UTILIZATION_WARNING


@dataclass(frozen=True, slots=True)
class Kpis:
    start: datetime
    end: datetime
    revenue: float
    jobs_completed: int
    jobs_booked: int
    avg_revenue_per_call: float | None
    jobs_per_tech: float | None
    calls_booked_per_csr: dict[str, int]
    on_time_rate: float | None
    drive_share: float | None
    techs: list[TechUtilization] = field(default_factory=list)


def _hours(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)


def _clip(a: datetime, b: datetime, start: datetime, end: datetime) -> float:
    return _hours(max(a, start), min(b, end))


def duty_hours(events: Iterable[Doc], start: datetime, end: datetime) -> dict[str, float]:
    """Hours each tech was on duty within [start, end), from the technician events."""
    hours: defaultdict[str, float] = defaultdict(float)
    since: dict[str, datetime] = {}
    for e in sorted(events, key=lambda e: (e["at"], e.get("version", 0))):
        if e.get("entity") != "technician":
            continue
        tech, at = e["entity_id"], e["at"]
        on_duty_now = e.get("after") in ("available", "busy", "on_break")
        if on_duty_now and tech not in since:
            since[tech] = at
        elif not on_duty_now and tech in since:
            hours[tech] += _clip(since.pop(tech), at, start, end)
    for tech, at in since.items():
        hours[tech] += _clip(at, end, start, end)
    return dict(hours)


def compute(
    jobs: Sequence[Doc],
    tech_events: Iterable[Doc],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> Kpis:
    """KPIs over [start, end): jobs booked or worked in the period and duty events.

    Work still going on counts up to `now`, never into the future of the period."""
    until = min(end, now) if now is not None else end
    completed = [j for j in jobs if j.get("completed_at") and start <= j["completed_at"] < end]
    completed_ids = {j["_id"] for j in completed}
    # Calls booked: what a CSR (or an integration) booked, once. A reschedule's new job
    # carries an existing visit on (`rescheduled_from`): it is no new call.
    booked = [j for j in jobs if start <= j["booked_at"] < end and not j.get("rescheduled_from")]
    revenue = round(sum(float(j.get("sold_amount") or 0.0) for j in completed), 2)

    on_site: defaultdict[str, float] = defaultdict(float)
    drive: defaultdict[str, float] = defaultdict(float)
    done: Counter[str] = Counter()
    sold: defaultdict[str, float] = defaultdict(float)
    arrivals = on_time = 0
    for j in jobs:
        tech = j.get("tech_id")
        if not tech:
            continue
        if j.get("arrived_at"):
            if start <= j["arrived_at"] < end:
                arrivals += 1
                on_time += j["arrived_at"] <= j["window_end"]
            if j.get("travel_started_at"):
                drive[tech] += _clip(j["travel_started_at"], j["arrived_at"], start, end)
            left = j.get("completed_at") or until
            on_site[tech] += _clip(j["arrived_at"], left, start, end)
        if j["_id"] in completed_ids:
            done[tech] += 1
            sold[tech] += float(j.get("sold_amount") or 0.0)

    duty = duty_hours(tech_events, start, until)
    tech_ids = sorted(set(duty) | set(on_site) | set(done))
    techs = [
        TechUtilization(
            tech_id=t,
            on_duty_hours=duty.get(t, 0.0),
            on_site_hours=on_site.get(t, 0.0),
            drive_hours=drive.get(t, 0.0),
            jobs_completed=done.get(t, 0),
            revenue=round(sold.get(t, 0.0), 2),
        )
        for t in tech_ids
    ]
    working = [t for t in techs if t.jobs_completed or t.on_duty_hours]
    total_drive, total_site = sum(drive.values()), sum(on_site.values())
    csr = Counter(
        j["booked_by"]["sub"] for j in booked if (j.get("booked_by") or {}).get("role") == "csr"
    )
    return Kpis(
        start=start,
        end=end,
        revenue=revenue,
        jobs_completed=len(completed),
        jobs_booked=len(booked),
        avg_revenue_per_call=round(revenue / len(completed), 2) if completed else None,
        jobs_per_tech=round(len(completed) / len(working), 2) if working else None,
        calls_booked_per_csr=dict(sorted(csr.items())),
        on_time_rate=round(on_time / arrivals, 4) if arrivals else None,
        drive_share=(
            round(total_drive / (total_drive + total_site), 4)
            if total_drive + total_site > 0
            else None
        ),
        techs=techs,
    )


async def load_and_compute(store: Store, start: datetime, end: datetime, now: datetime) -> Kpis:
    """Read what the period needs (jobs touched in it, duty events up to its end)."""
    in_period = {"$gte": start, "$lt": end}
    jobs = await store.jobs.find(
        {"$or": [{"booked_at": in_period}, {"completed_at": in_period}, {"arrived_at": in_period}]}
    ).to_list(None)
    # A shift that began before the period still counts inside it: look back a day.
    events = await store.events.find(
        {"entity": "technician", "at": {"$gte": start - timedelta(days=1), "$lt": end}}
    ).to_list(None)
    return compute(jobs, events, start, end, now)
