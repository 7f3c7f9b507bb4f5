"""The simulated company's hidden truths and its call stream, drawn once from a seed.

Routing never sees a `TechTruth`: it learns close rates and tickets only from the
completed jobs the simulator reports through the dispatch service. Every random draw
a job will need (sale, ticket, on-site time, traffic, cancellation) is made here, per
call, so that every policy faces the identical world and call stream for one seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from api.core.domain import DEFAULT_DURATION_MIN, JobKind, Priority
from api.core.validation import Booking
from api.ops.seed import FIRST, LAST, STREETS, TECH_SKILLS

# A stretch of weeks with no daylight-saving change in America/Chicago.
FIRST_DAY = date(2026, 4, 6)
SHIFTS = (("07:00", "16:00"), ("08:00", "17:00"), ("09:00", "18:00"), ("10:00", "19:00"))
PHONES_OPEN, PHONES_CLOSE = time(7, 0), time(17, 0)
OVERNIGHT_SHARE = 0.25  # of a day's calls, left overnight (voicemail, web) and booked 06:00-07:00
WINDOW_HOURS, EMERGENCY_WINDOW_HOURS = 4.0, 2.0
CANCEL_PROBABILITY, CANCEL_MEAN_MIN = 0.03, 60.0

# kind: (share of calls, median booked value $, P(sale) multiplier on the tech's close rate)
KINDS: dict[JobKind, tuple[float, float, float]] = {
    JobKind.REPAIR: (0.40, 285.0, 1.0),
    JobKind.BROKEN_EQUIPMENT: (0.20, 425.0, 1.25),
    JobKind.MAINTENANCE: (0.20, 140.0, 0.6),
    JobKind.INSTALL: (0.07, 850.0, 1.3),
    JobKind.ESTIMATE: (0.13, 230.0, 0.9),
}
VALUE_SIGMA = 0.45  # lognormal spread of booked values: overall mean ~ $350
TICKET_MEDIAN, TICKET_SIGMA = 1.85, 0.5  # sold ticket / booked value: ~$800 per sale
MEAN_TICKET_MULTIPLIER = float(TICKET_MEDIAN * np.exp(TICKET_SIGMA**2 / 2.0))
# A service-agreement visit keeps the agreement (its yearly value) when it is made.
AGREEMENT_MEDIAN, AGREEMENT_SIGMA = 220.0, 0.3
# A call not reached today: the customer goes elsewhere with this probability, else
# it is rebooked for the next morning (`--goes-elsewhere` overrides it).
GOES_ELSEWHERE = 0.5
PROBLEMS: dict[JobKind, tuple[tuple[str, str], ...]] = {
    JobKind.REPAIR: (
        ("AC blowing warm air", "hvac"),
        ("Leaking kitchen faucet", "plumbing"),
        ("Breaker keeps tripping", "electrical"),
        ("Furnace short-cycling", "hvac"),
    ),
    JobKind.BROKEN_EQUIPMENT: (
        ("No heat, furnace dead", "hvac"),
        ("Water heater burst", "plumbing"),
        ("AC compressor dead", "hvac"),
        ("Half the house has no power", "electrical"),
    ),
    JobKind.MAINTENANCE: (
        ("Spring AC tune-up (service agreement)", "hvac"),
        ("Annual water heater flush (service agreement)", "plumbing"),
    ),
    JobKind.INSTALL: (
        ("Replace 15-year-old water heater", "plumbing"),
        ("New 3-ton AC system install", "hvac"),
    ),
    JobKind.ESTIMATE: (
        ("Estimate for whole-house repipe", "plumbing"),
        ("Panel upgrade estimate", "electrical"),
    ),
}


@dataclass(frozen=True, slots=True)
class TechTruth:
    """What a technician is really like; the system only ever sees their results."""

    id: str
    name: str
    skills: tuple[str, ...]
    home: tuple[float, float]  # lat, lon
    shift: tuple[str, str]  # local HH:MM
    close_rate: float  # P(sale) on an average call
    ticket_skill: float  # multiplier on the sold ticket
    speed_kmh: float  # door-to-door driving speed over road distance
    pace: float  # multiplier on on-site time


@dataclass(frozen=True, slots=True)
class Call:
    """One customer call: the booking the CSR enters, plus the dice already rolled."""

    day: int
    at: datetime
    booking: Booking
    sale_draw: float  # U(0, 1): a sale happens when below the tech's P(sale)
    ticket_multiplier: float  # sold ticket / booked value, before the tech's ticket skill
    duration_noise: float  # true on-site time / booked duration, before the tech's pace
    traffic_noise: float  # true drive time / free-flow drive time
    cancels_after_min: float | None  # the customer cancels this long after calling, if unserved
    agreement_value: float = 0.0  # a service-agreement visit: kept when the visit is made
    leave_draw: float = 1.0  # U(0, 1): if not reached, goes elsewhere when below the setting

    def sale_probability(self, tech: TechTruth) -> float:
        return min(0.95, tech.close_rate * KINDS[self.booking.kind][2])

    def sold_amount(self, tech: TechTruth) -> float:
        """What this tech sells on this call: zero unless the sale happens."""
        if self.sale_draw >= self.sale_probability(tech):
            return 0.0
        return round(self.booking.estimated_value * self.ticket_multiplier * tech.ticket_skill, 2)

    def expected_value(self, tech: TechTruth) -> float:
        """What this call is worth done by `tech`, before the dice: the noise-free value."""
        sale = self.sale_probability(tech) * self.booking.estimated_value
        return sale * MEAN_TICKET_MULTIPLIER * tech.ticket_skill + self.agreement_value

    def revenue(self, tech: TechTruth) -> float:
        """What the company earns from this visit: the sale plus any agreement kept."""
        return self.sold_amount(tech) + self.agreement_value

    def onsite_minutes(self, tech: TechTruth) -> float:
        return float(self.booking.duration_min or 60.0) * self.duration_noise * tech.pace


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    days: int
    calls_per_tech_day: float
    timezone: str
    techs: tuple[TechTruth, ...]
    calls: tuple[Call, ...]  # in call order

    def local(self, day: int, at: time) -> datetime:
        return datetime.combine(FIRST_DAY + timedelta(days=day), at, tzinfo=ZoneInfo(self.timezone))


def _mean_one_lognormal(rng: np.random.Generator, sigma: float) -> float:
    return float(rng.lognormal(-sigma * sigma / 2.0, sigma))


def _place(rng: np.random.Generator) -> tuple[str, float, float]:
    street, lat, lon = STREETS[int(rng.integers(len(STREETS)))]
    # ~2 km of jitter around each neighbourhood's stretch of street.
    lat, lon = lat + rng.uniform(-0.018, 0.018), lon + rng.uniform(-0.018, 0.018)
    return f"{int(rng.integers(100, 9800))} {street}, Austin, TX", round(lat, 6), round(lon, 6)


def make_techs(rng: np.random.Generator, count: int) -> tuple[TechTruth, ...]:
    techs = []
    for i in range(count):
        _, lat, lon = _place(rng)
        techs.append(
            TechTruth(
                id=f"tech_{i + 1:03d}",
                name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 3) % len(LAST)]}",
                skills=tuple(TECH_SKILLS[i % len(TECH_SKILLS)]),
                home=(lat, lon),
                shift=SHIFTS[i % len(SHIFTS)],
                close_rate=round(float(rng.uniform(0.25, 0.75)), 3),
                ticket_skill=round(_mean_one_lognormal(rng, 0.15), 3),
                speed_kmh=round(float(rng.uniform(30.0, 45.0)), 1),
                pace=round(float(rng.uniform(0.85, 1.2)), 3),
            )
        )
    return tuple(techs)


def _priority(rng: np.random.Generator, kind: JobKind) -> Priority:
    if kind is JobKind.BROKEN_EQUIPMENT:
        return Priority.EMERGENCY if rng.random() < 0.5 else Priority.HIGH
    if kind is JobKind.MAINTENANCE:
        return Priority.LOW if rng.random() < 0.6 else Priority.NORMAL
    options = [Priority.HIGH, Priority.NORMAL, Priority.LOW]
    return options[int(rng.choice(3, p=[0.15, 0.7, 0.15]))]


def make_call(rng: np.random.Generator, world_day: int, at: datetime, opens: datetime) -> Call:
    """One call at `at`; its arrival window starts when it is booked (or when phones open)."""
    kinds = list(KINDS)
    kind = kinds[int(rng.choice(len(kinds), p=[KINDS[k][0] for k in kinds]))]
    problems = PROBLEMS[kind]
    problem, skill = problems[int(rng.integers(len(problems)))]
    priority = _priority(rng, kind)
    address, lat, lon = _place(rng)
    start = max(at, opens).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 30)
    hours = EMERGENCY_WINDOW_HOURS if priority is Priority.EMERGENCY else WINDOW_HOURS
    value = float(np.clip(rng.lognormal(np.log(KINDS[kind][1]), VALUE_SIGMA), 79.0, 20_000.0))
    first, last = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]
    booking = Booking(
        customer_name=f"{first} {last}",
        customer_phone=f"512-{int(rng.integers(200, 1000))}-{int(rng.integers(10_000)):04d}",
        address=address,
        lat=lat,
        lon=lon,
        problem=problem,
        kind=kind,
        priority=priority,
        estimated_value=round(value, 2),
        required_skills=(skill,),
        window_start=start,
        window_end=start + timedelta(hours=hours),
        urgency_list=bool(rng.random() < 0.05),
        duration_min=float(DEFAULT_DURATION_MIN[kind]),
    )
    cancels = rng.random() < CANCEL_PROBABILITY
    agreement = 0.0
    if kind is JobKind.MAINTENANCE:
        agreement = float(rng.lognormal(np.log(AGREEMENT_MEDIAN), AGREEMENT_SIGMA))
    return Call(
        day=world_day,
        at=at,
        booking=booking,
        sale_draw=float(rng.random()),
        ticket_multiplier=float(rng.lognormal(np.log(TICKET_MEDIAN), TICKET_SIGMA)),
        duration_noise=_mean_one_lognormal(rng, 0.3),
        traffic_noise=_mean_one_lognormal(rng, 0.2),
        cancels_after_min=float(rng.exponential(CANCEL_MEAN_MIN)) if cancels else None,
        agreement_value=round(agreement, 2),
        leave_draw=float(rng.random()),
    )


def make_world(
    *, seed: int, techs: int, days: int, calls_per_tech_day: float, timezone: str
) -> World:
    """The fleet and every call of every day; the same arguments give the same world."""
    rng = np.random.default_rng(seed)
    fleet = make_techs(rng, techs)
    world = World(
        seed=seed,
        days=days,
        calls_per_tech_day=calls_per_tech_day,
        timezone=timezone,
        techs=fleet,
        calls=(),
    )
    calls: list[Call] = []
    for day in range(days):
        opens, closes = world.local(day, PHONES_OPEN), world.local(day, PHONES_CLOSE)
        expected = calls_per_tech_day * techs
        overnight = int(rng.poisson(expected * OVERNIGHT_SHARE))
        booked_from = opens - timedelta(hours=1)
        times = sorted(
            booked_from + timedelta(minutes=float(m)) for m in rng.uniform(0, 60, overnight)
        )
        span_min = (closes - opens).total_seconds() / 60.0
        same_day = int(rng.poisson(expected * (1.0 - OVERNIGHT_SHARE)))
        times += sorted(
            opens + timedelta(minutes=float(m)) for m in rng.uniform(0, span_min, same_day)
        )
        calls += [make_call(rng, day, t.replace(microsecond=0), opens) for t in times]
    return replace(world, calls=tuple(calls))
