"""Value types shared by every routing policy.

All datetimes are timezone-aware (UTC expected); naive datetimes are rejected because
comparing naive and aware datetimes fails at run time deep inside scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

JOB_KINDS: frozenset[str] = frozenset(
    {"repair", "broken_equipment", "maintenance", "install", "estimate"}
)
PRIORITIES: frozenset[str] = frozenset({"emergency", "high", "normal", "low"})


def require_aware(name: str, moment: datetime | None) -> None:
    """Raise ValueError if `moment` is a naive datetime (None is allowed)."""
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 coordinate in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"latitude out of range: {self.lat}")
        if not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"longitude out of range: {self.lon}")


@dataclass(frozen=True, slots=True)
class TechProfile:
    """A technician who is free now and waiting for their next job."""

    id: str
    location: Point
    skills: frozenset[str]
    shift_end: datetime | None  # aware UTC datetime; None = no limit
    overtime_until: datetime | None = None  # if later than shift_end, jobs may run until this
    close_rate: float = 0.5  # P(sale), already shrunk (see performance.py)
    ticket_factor: float = 1.0  # average ticket relative to the company average
    declined_job_ids: frozenset[str] = frozenset()  # never offer these again
    # P(sale | this tech, job kind), already shrunk; kinds not listed use close_rate.
    kind_close_rates: Mapping[str, float] = field(default_factory=dict, hash=False)
    # The company's P(sale), which this tech's is compared with so that better closers
    # lean toward the richer jobs and weaker ones toward the quick ones; None = no bias.
    peer_close_rate: float | None = None

    def __post_init__(self) -> None:
        require_aware("shift_end", self.shift_end)
        require_aware("overtime_until", self.overtime_until)
        if not 0.0 <= self.close_rate <= 1.0:
            raise ValueError(f"close_rate must be in [0, 1], got {self.close_rate}")
        if self.peer_close_rate is not None and not 0.0 < self.peer_close_rate <= 1.0:
            raise ValueError(f"peer_close_rate must be in (0, 1], got {self.peer_close_rate}")
        for kind, rate in self.kind_close_rates.items():
            if kind not in JOB_KINDS:
                raise ValueError(f"unknown job kind {kind!r} in kind_close_rates")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"close rate for {kind} must be in [0, 1], got {rate}")
        if self.ticket_factor < 0.0:
            raise ValueError(f"ticket_factor must be >= 0, got {self.ticket_factor}")

    def close_rate_for(self, kind: str) -> float:
        """P(sale) on a job of `kind`: the per-kind estimate if known, else the overall."""
        return self.kind_close_rates.get(kind, self.close_rate)

    def work_deadline(self) -> datetime | None:
        """Latest moment a job may finish: shift end, extended by overtime if later."""
        if self.shift_end is None:
            return None
        if self.overtime_until is not None and self.overtime_until > self.shift_end:
            return self.overtime_until
        return self.shift_end


@dataclass(frozen=True, slots=True)
class OpenJob:
    """An unassigned job waiting for a technician."""

    id: str
    location: Point
    kind: str  # one of JOB_KINDS
    priority: str  # one of PRIORITIES
    value: float  # estimated booked value in dollars
    duration_min: float  # expected on-site minutes
    required_skills: frozenset[str]
    window_start: datetime
    window_end: datetime
    booked_at: datetime
    urgency_list: bool = False

    def __post_init__(self) -> None:
        if self.kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind {self.kind!r}; expected one of {sorted(JOB_KINDS)}")
        if self.priority not in PRIORITIES:
            raise ValueError(
                f"unknown priority {self.priority!r}; expected one of {sorted(PRIORITIES)}"
            )
        if self.value < 0.0:
            raise ValueError(f"value must be >= 0, got {self.value}")
        if self.duration_min < 0.0:
            raise ValueError(f"duration_min must be >= 0, got {self.duration_min}")
        require_aware("window_start", self.window_start)
        require_aware("window_end", self.window_end)
        require_aware("booked_at", self.booked_at)
        if self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Every number that went into a score, so a dispatcher can see why.

    `adjustments` maps a name to a *multiplier* applied to `revenue_per_hour`
    (every entry is multiplicative; 1.0 means no effect). Keys: priority, kind,
    urgency_list, waiting, lateness, drive. `score` is revenue_per_hour times their
    product. `close_rate` is the tech's P(sale) for this job's kind.
    """

    value: float
    close_rate: float
    ticket_factor: float
    expected_sale: float  # value * close_rate * ticket_factor
    travel_min: float
    duration_min: float
    revenue_per_hour: float  # expected_sale / ((travel + wait + duration) / 60)
    adjustments: dict[str, float]
    score: float
    wait_min: float = 0.0  # idle minutes between arriving and the window's start


@dataclass(frozen=True, slots=True)
class Decision:
    """The job offered to one tech, and the next-best job they could get instead."""

    tech_id: str
    job_id: str
    breakdown: ScoreBreakdown
    runner_up_job_id: str | None
    runner_up_score: float | None
