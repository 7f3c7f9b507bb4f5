"""Vectorised job scoring: expected revenue per hour, times documented multipliers.

score = revenue_per_hour * priority * kind * urgency_list * waiting * lateness * drive
* match,
where revenue_per_hour = value * P(sale | tech, kind) * ticket_factor divided by the
hours the job takes the tech: travel, waiting for the window to open, and on site.
Infeasible jobs (see feasibility.py) score -inf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.feasibility import feasible_mask, wait_minutes
from routing.job_table import KIND_ORDER, PRIORITY_ORDER, BoolArray, FloatArray, JobTable
from routing.model import Decision, OpenJob, ScoreBreakdown, TechProfile, require_aware
from routing.travel import GeodesicTravel, TravelModel
from routing.weights import Weights

__all__ = ["Evaluation", "JobScorer", "Weights"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All jobs scored for one tech; arrays are aligned with `table`."""

    tech: TechProfile
    table: JobTable
    travel_min: FloatArray
    wait_min: FloatArray
    feasible: BoolArray
    close_rate: FloatArray
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
            close_rate=float(self.close_rate[i]),
            ticket_factor=self.tech.ticket_factor,
            expected_sale=float(self.expected_sale[i]),
            travel_min=float(self.travel_min[i]),
            duration_min=float(self.table.durations[i]),
            revenue_per_hour=float(self.revenue_per_hour[i]),
            adjustments={name: float(arr[i]) for name, arr in self.adjustments.items()},
            score=float(self.score[i]),
            wait_min=float(self.wait_min[i]),
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
        values = self.table.values
        self._median_value = max(float(np.median(values)), 1.0) if len(values) else 1.0
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
        overdue = np.maximum(self._now_s - self.table.window_end_s, 0.0) / 3600.0
        w = self.weights
        ageing = 1.0 + w.waiting_per_hour * hours + w.overdue_per_hour * overdue
        return np.asarray(np.minimum(ageing, self.weights.waiting_max), dtype=np.float64)

    def _match(self, tech: TechProfile) -> FloatArray:
        # Comparative advantage: with one free tech at a time, the rate alone scales all
        # of a tech's scores alike, so a strong closer would take the quick cheap job as
        # readily as a weak one; leaning on value by relative skill sorts the work.
        relative = 1.0
        if tech.peer_close_rate is not None:
            relative = tech.close_rate * tech.ticket_factor / tech.peer_close_rate
        lean = self.weights.match_lean * (relative - 1.0)
        ratio = np.maximum(self.table.values, 1.0) / self._median_value
        return np.asarray(ratio**lean, dtype=np.float64)

    def evaluate(self, tech: TechProfile, travel: TravelModel) -> Evaluation:
        """Score every job for `tech`."""
        table = self.table
        if isinstance(travel, GeodesicTravel):
            travel_min = travel.minutes_unit(tech.location, table.xyz)
        else:
            travel_min = np.asarray(
                travel.minutes_many(tech.location, table.lats, table.lons), dtype=np.float64
            )
        w = self.weights
        feasible = feasible_mask(
            tech, table, self.now, travel_min, late_tolerance_min=w.late_tolerance_min
        )
        rates = np.array([tech.close_rate_for(k) for k in KIND_ORDER], dtype=np.float64)
        close_rate = rates[table.kind_code]
        expected_sale = table.values * close_rate * tech.ticket_factor
        wait_min = wait_minutes(table, self.now, travel_min)
        busy_min = np.maximum(travel_min + wait_min + table.durations, w.min_job_minutes)
        revenue_per_hour = expected_sale / (busy_min / 60.0)
        # Only the lateness this drive adds: a job overdue already is late for anyone.
        late_s = np.maximum(self._now_s + travel_min * 60.0 - table.window_end_s, 0.0)
        late_h = (late_s - np.maximum(self._now_s - table.window_end_s, 0.0)) / 3600.0
        adjustments = dict(self._static)
        adjustments["lateness"] = 1.0 / (1.0 + w.lateness_per_hour * late_h)
        surcharge = w.drive_penalty * travel_min / adjustments["waiting"]
        adjustments["drive"] = busy_min / (busy_min + surcharge)
        adjustments["match"] = self._match(tech)
        raw = revenue_per_hour.copy()
        for multiplier in adjustments.values():
            raw *= multiplier
        score = np.where(feasible, raw, -np.inf)
        return Evaluation(
            tech=tech,
            table=table,
            travel_min=travel_min,
            wait_min=wait_min,
            feasible=feasible,
            close_rate=close_rate,
            expected_sale=expected_sale,
            revenue_per_hour=revenue_per_hour,
            adjustments=adjustments,
            score=score,
        )
