"""Vectorised job scoring: expected revenue per hour, times documented multipliers.

score = revenue_per_hour * priority * kind * urgency_list * waiting * lateness, where
revenue_per_hour = value * close_rate * ticket_factor / ((travel + duration) / 60).
Infeasible jobs (see feasibility.py) score -inf.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

import numpy as np

from routing.feasibility import feasible_mask
from routing.job_table import KIND_ORDER, PRIORITY_ORDER, BoolArray, FloatArray, JobTable
from routing.model import PRIORITIES, Decision, OpenJob, ScoreBreakdown, TechProfile, require_aware
from routing.travel import GeodesicTravel, TravelModel


def _default_priority() -> Mapping[str, float]:
    return MappingProxyType({"emergency": 3.0, "high": 1.5, "normal": 1.0, "low": 0.8})


def _default_kind() -> Mapping[str, float]:
    # A customer with no heat/AC or no water is worse off than one waiting for a tune-up.
    return MappingProxyType({"broken_equipment": 1.3})


@dataclass(frozen=True)
class Weights:
    """Tunable multipliers applied to revenue per hour. Every adjustment is multiplicative.

    - priority: multiplier per job priority (must cover every priority).
    - kind: multiplier per job kind; kinds not listed get 1.0.
    - urgency_list: multiplier for jobs the office flagged on the urgency list.
    - waiting_per_hour / waiting_max: ageing, 1 + waiting_per_hour * hours since booked_at,
      capped at waiting_max, so old cheap jobs eventually beat fresh valuable ones.
    - lateness_per_hour: 1 / (1 + lateness_per_hour * hours the arrival is past window_end);
      a soft penalty, late jobs are still offered.
    - min_job_minutes: floor on travel + duration so a zero-minute job cannot divide by zero.
    """

    priority: Mapping[str, float] = field(default_factory=_default_priority)
    kind: Mapping[str, float] = field(default_factory=_default_kind)
    urgency_list: float = 1.25
    waiting_per_hour: float = 0.05
    waiting_max: float = 2.0
    lateness_per_hour: float = 1.0
    min_job_minutes: float = 1.0

    def __post_init__(self) -> None:
        missing = PRIORITIES - set(self.priority)
        if missing:
            raise ValueError(f"priority weights missing for {sorted(missing)}")
        multipliers = [*self.priority.values(), *self.kind.values(), self.urgency_list]
        if any(not m > 0.0 for m in multipliers):
            raise ValueError("priority, kind and urgency_list multipliers must be > 0")
        if self.waiting_per_hour < 0.0 or self.waiting_max < 1.0:
            raise ValueError("waiting_per_hour must be >= 0 and waiting_max >= 1")
        if self.lateness_per_hour < 0.0:
            raise ValueError("lateness_per_hour must be >= 0")
        if not self.min_job_minutes > 0.0:
            raise ValueError("min_job_minutes must be > 0")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All jobs scored for one tech; arrays are aligned with `table`."""

    tech: TechProfile
    table: JobTable
    travel_min: FloatArray
    feasible: BoolArray
    expected_sale: FloatArray
    revenue_per_hour: FloatArray
    adjustments: dict[str, FloatArray]
    score: FloatArray  # -inf where infeasible

    def ranked(self, limit: int | None = None) -> list[int]:
        """Feasible job indices, best score first, ties broken by job id; the first
        `limit` only if given (found by partition, so a short list is cheap)."""
        idx = np.flatnonzero(self.feasible)
        if limit is not None and limit < len(idx):
            if limit <= 0:
                return []
            # Keep every job scoring at least the limit-th best, so ties at the cut
            # are still broken by id exactly as a full sort would.
            cut = np.partition(self.score[idx], len(idx) - limit)[len(idx) - limit]
            idx = idx[self.score[idx] >= cut]
        scores = self.score[idx]
        order = np.argsort(-scores, kind="stable")
        if np.any(np.diff(scores[order]) == 0.0):
            # Equal scores: order those by job id (rare with real data; exact, slower).
            ids = self.table.ids
            ordered = sorted(idx.tolist(), key=lambda i: (-float(self.score[i]), ids[i]))
        else:
            ordered = idx[order].tolist()
        return ordered if limit is None else ordered[:limit]

    def breakdown(self, i: int) -> ScoreBreakdown:
        """The full explanation of job `i`'s score."""
        return ScoreBreakdown(
            value=float(self.table.values[i]),
            close_rate=self.tech.close_rate,
            ticket_factor=self.tech.ticket_factor,
            expected_sale=float(self.expected_sale[i]),
            travel_min=float(self.travel_min[i]),
            duration_min=float(self.table.durations[i]),
            revenue_per_hour=float(self.revenue_per_hour[i]),
            adjustments={name: float(arr[i]) for name, arr in self.adjustments.items()},
            score=float(self.score[i]),
        )

    def decision(self, chosen: int, runner_up: int | None) -> Decision:
        """A Decision offering job `chosen`, reporting `runner_up` as the alternative."""
        return Decision(
            tech_id=self.tech.id,
            job_id=self.table.ids[chosen],
            breakdown=self.breakdown(chosen),
            runner_up_job_id=None if runner_up is None else self.table.ids[runner_up],
            runner_up_score=None if runner_up is None else float(self.score[runner_up]),
        )


class JobScorer:
    """Scores a fixed set of jobs at a fixed `now` for any number of techs.

    Everything that depends only on the jobs (priority, kind, urgency, waiting) is computed
    once here, so scoring many techs costs one travel call and a few array ops per tech.
    """

    def __init__(self, jobs: Sequence[OpenJob] | JobTable, now: datetime, weights: Weights) -> None:
        require_aware("now", now)
        self.table = jobs if isinstance(jobs, JobTable) else JobTable.build(jobs)
        self.now = now
        self.weights = weights
        self._now_s = now.timestamp()
        priority = np.array([weights.priority[p] for p in PRIORITY_ORDER], dtype=np.float64)
        kind = np.array([weights.kind.get(k, 1.0) for k in KIND_ORDER], dtype=np.float64)
        self._static: dict[str, FloatArray] = {
            "priority": priority[self.table.priority_code],
            "kind": kind[self.table.kind_code],
            "urgency_list": np.where(self.table.urgency_list, weights.urgency_list, 1.0),
            "waiting": self._waiting(),
        }

    def _waiting(self) -> FloatArray:
        # Jobs booked "in the future" (clock skew) get no ageing rather than a penalty.
        hours = np.maximum(self._now_s - self.table.booked_at_s, 0.0) / 3600.0
        ageing = 1.0 + self.weights.waiting_per_hour * hours
        return np.asarray(np.minimum(ageing, self.weights.waiting_max), dtype=np.float64)

    def evaluate(self, tech: TechProfile, travel: TravelModel) -> Evaluation:
        """Score every job for `tech`."""
        table = self.table
        if isinstance(travel, GeodesicTravel):
            travel_min = travel.minutes_unit(tech.location, table.xyz)
        else:
            travel_min = np.asarray(
                travel.minutes_many(tech.location, table.lats, table.lons), dtype=np.float64
            )
        feasible = feasible_mask(tech, table, self.now, travel_min)
        expected_sale = table.values * (tech.close_rate * tech.ticket_factor)
        hours = np.maximum(travel_min + table.durations, self.weights.min_job_minutes) / 60.0
        revenue_per_hour = expected_sale / hours
        late_h = np.maximum(self._now_s + travel_min * 60.0 - table.window_end_s, 0.0) / 3600.0
        adjustments = dict(self._static)
        adjustments["lateness"] = 1.0 / (1.0 + self.weights.lateness_per_hour * late_h)
        raw = revenue_per_hour.copy()
        for multiplier in adjustments.values():
            raw *= multiplier
        score = np.where(feasible, raw, -np.inf)
        return Evaluation(
            tech=tech,
            table=table,
            travel_min=travel_min,
            feasible=feasible,
            expected_sale=expected_sale,
            revenue_per_hour=revenue_per_hour,
            adjustments=adjustments,
            score=score,
        )
