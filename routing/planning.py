"""What every fleet planner shares: the business's costs, the limits a plan works
within, the question (`FleetPlanner`) and the answer (`FleetChoice`). The rollout
(`routing.fleet`) and the OR-Tools VRP (`routing.vrp_plan`) both answer it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from routing.job_table import JobTable
from routing.lookahead import TechAvailability
from routing.model import TechProfile, require_aware
from routing.travel import GeodesicTravel, TravelModel
from routing.weights import Weights

__all__ = ["FleetChoice", "FleetCosts", "FleetPlanner", "PlanLimits"]


@dataclass(frozen=True, slots=True)
class FleetCosts:
    """What the business charges a plan, in dollars, against its expected revenue.

    - drive_per_min: a tech's paid minute and the van's running cost while driving.
    - late_per_hour: per hour a customer waits past their window's end.
    - urgent_bonus: what making an emergency / high-priority visit is worth beyond the
      sale (a family without heat), so a plan never leaves one for cheaper work.
    """

    drive_per_min: float = 1.0
    late_per_hour: float = 60.0
    urgent_bonus: tuple[tuple[str, float], ...] = (("emergency", 250.0), ("high", 60.0))


@dataclass(frozen=True, slots=True)
class FleetChoice:
    """The freed tech's first job under the best plan, and why."""

    tech_id: str
    job_id: str
    plan_value: float  # the fleet's planned value ($) with this first job
    runner_up_job_id: str | None
    runner_up_value: float | None
    greedy_job_id: str  # what today's policy alone would have chosen
    reason: str  # in a dispatcher's words
    plans_tried: int


class FleetPlanner(Protocol):
    """Chooses a freed tech's next job by planning the whole fleet."""

    def choose(
        self,
        freed: TechProfile,
        others: Sequence[TechAvailability],
        jobs: JobTable,
        now: datetime,
        names: dict[str, str] | None = None,
    ) -> FleetChoice | None:
        """The first job of the best plan; None when there is nothing to plan in time."""
        ...


@dataclass(kw_only=True)
class PlanLimits:
    """What every fleet planner works within: how far ahead it plans, how long it may
    think, the largest board it tries, and the business's costs, weights and travel."""

    horizon_min: float = 120.0
    budget_ms: float = 150.0
    max_jobs: int = 3000  # beyond this board size a plan cannot fit its budget
    costs: FleetCosts = field(default_factory=FleetCosts)
    weights: Weights = field(default_factory=Weights)
    travel: TravelModel = field(default_factory=GeodesicTravel)

    @property
    def budget_s(self) -> float:
        return self.budget_ms / 1000.0

    def out_of_reach(self, jobs: JobTable, now: datetime) -> bool:
        """A board too large to plan within the budget (the caller keeps today's pick)."""
        require_aware("now", now)
        return len(jobs) > self.max_jobs
