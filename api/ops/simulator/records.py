"""What happened, as the simulator observed it: one record per call and per shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from api.core.domain import TechStatus
from api.dispatch.deps import Policy
from api.ops.simulator.world import GOES_ELSEWHERE, Call, TechTruth, World
from api.persistence.documents import geo_point
from api.persistence.store import Doc


class Outcome(StrEnum):
    BOOKED = "booked"  # still on the board
    WORKING = "working"  # assigned, on the way or on site
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # by the customer
    UNSERVED = "unserved"  # still on the board at day end: handed back to be rebooked


@dataclass(slots=True)
class JobRecord:
    job_id: str
    call: Call
    outcome: Outcome = Outcome.BOOKED
    tech_id: str | None = None
    assigned_at: datetime | None = None
    drive_min: float = 0.0
    arrived_at: datetime | None = None
    onsite_min: float = 0.0
    completed_at: datetime | None = None
    sold: float = 0.0

    @property
    def on_time(self) -> bool | None:
        """Arrived no later than the window's end (early counts, as in the KPIs);
        None if nobody arrived."""
        if self.arrived_at is None:
            return None
        b = self.call.booking
        return self.arrived_at <= b.window_end


@dataclass(slots=True)
class ShiftRecord:
    """One technician's day: paid from clocking on to the later of shift end and clocking off."""

    tech_id: str
    day: int
    on_at: datetime
    scheduled_end: datetime
    off_at: datetime | None = None
    drive_min: float = 0.0
    onsite_min: float = 0.0
    jobs: int = 0

    @property
    def paid_min(self) -> float:
        end = self.scheduled_end if self.off_at is None else max(self.off_at, self.scheduled_end)
        return max((end - self.on_at).total_seconds() / 60.0, 0.0)


@dataclass(frozen=True, slots=True)
class LearnedTech:
    """A technician's hidden close rate next to what the store's results say about it."""

    tech_id: str
    true_close_rate: float
    completed: int
    sales: int


def learned(world: World, docs: list[Doc]) -> list[LearnedTech]:
    """Each technician's hidden close rate beside the results stored for them."""
    stats = {d["_id"]: d.get("stats") or {} for d in docs}
    return [
        LearnedTech(
            tech_id=t.id,
            true_close_rate=t.close_rate,
            completed=int(stats.get(t.id, {}).get("completed", 0)),
            sales=int(stats.get(t.id, {}).get("sales", 0)),
        )
        for t in world.techs
    ]


@dataclass(slots=True)
class SimResult:
    world: World
    policy: Policy
    jobs: list[JobRecord]
    shifts: list[ShiftRecord]
    learned: list[LearnedTech] = field(default_factory=list)
    oracle: bool = False
    goes_elsewhere: float = GOES_ELSEWHERE
    actions: int = 0
    wall_seconds: float = 0.0


def tech_document(t: TechTruth) -> Doc:
    """The technician as api/seed.py stores one: no results yet, off duty, at home."""
    return {
        "_id": t.id,
        "name": t.name,
        "skills": list(t.skills),
        "home": geo_point(*t.home),
        "location": geo_point(*t.home),
        "status": TechStatus.OFF_DUTY.value,
        "shift": {"start": t.shift[0], "end": t.shift[1]},
        "version": 1,
        "stats": {"completed": 0, "sales": 0, "sold_total": 0.0},
    }
