"""Fleet-level rolling plan: choose a freed tech's next job by planning everyone's hours.

A freed technician's best-looking job is not always the fleet's best move: another
tech may free up next to it in twenty minutes, or the window of a rich job elsewhere
may be about to close. The `RolloutPlanner` tries each of the freed tech's few best
jobs (today's ranking) as their first move, then plays the whole fleet forward for a
few hours with today's greedy policy (every on-duty tech, busy ones from their
projected free time and place) and values the plan: the expected revenue of every
projected visit, less driving, late arrivals and unserved emergencies. The first job
of the best plan is the one committed; the rest of the plan is thrown away and made
again at the next event (a rollout: it can only improve on the greedy policy it plays
forward, up to the model's accuracy). Each plan has a time budget; with nothing in
time, the caller keeps today's choice.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from routing.job_table import PRIORITY_ORDER, BoolArray, FloatArray, JobTable
from routing.lookahead import TechAvailability
from routing.model import TechProfile
from routing.planning import FleetChoice, FleetCosts, FleetPlanner, PlanLimits
from routing.policy import rank_jobs
from routing.scoring import JobScorer

__all__ = ["FleetChoice", "FleetCosts", "FleetPlanner", "PlanLimits", "RolloutPlanner"]


@dataclass(frozen=True, slots=True)
class _Taken:
    tech_id: str
    free_s: float  # when the tech who took it was free to go
    arrive_s: float


@dataclass(kw_only=True)
class RolloutPlanner(PlanLimits):
    """The `FleetPlanner`: greedy rollouts of the fleet from each of a few first jobs."""

    candidates: int = 4

    def choose(
        self,
        freed: TechProfile,
        others: Sequence[TechAvailability],
        jobs: JobTable,
        now: datetime,
        names: dict[str, str] | None = None,
    ) -> FleetChoice | None:
        if self.out_of_reach(jobs, now):
            return None
        deadline = time.perf_counter() + self.budget_s
        firsts = rank_jobs(freed, jobs, now, travel=self.travel, weights=self.weights)
        firsts = firsts[: self.candidates]
        if len(firsts) < 2:
            return None  # one option or none: nothing for a plan to weigh
        bonus = np.zeros(len(jobs), dtype=np.float64)
        for priority, extra in self.costs.urgent_bonus:
            bonus[jobs.priority_code == PRIORITY_ORDER.index(priority)] = extra
        tried: list[tuple[float, str, dict[str, _Taken]]] = []
        for job, breakdown in firsts:
            if tried and time.perf_counter() > deadline:
                break
            i = jobs.indices(frozenset({job.id}))[0]
            now_s = now.timestamp()
            arrive_s = max(now_s + breakdown.travel_min * 60.0, float(jobs.window_start_s[i]))
            finish_s = arrive_s + breakdown.duration_min * 60.0
            first = (
                breakdown.expected_sale
                + bonus[i]
                - self._charges(breakdown.travel_min, arrive_s, float(jobs.window_end_s[i]), now_s)
            )
            start = TechAvailability(freed, _at(finish_s), job.location)
            taken = np.zeros(len(jobs), dtype=np.bool_)
            taken[i] = True
            played = self._rollout([start, *others], jobs, taken, bonus, now_s, deadline)
            if played is None:
                break  # out of time mid-plan: an unfinished plan is not comparable
            tried.append((first + played[0], job.id, played[1]))
        if len(tried) < 2:
            return None
        greedy = tried[0]
        order = sorted(tried, key=lambda t: -t[0])
        best, runner = order[0], order[1]
        reason = _reason(freed.id, best, greedy, jobs, now.timestamp(), names or {})
        return FleetChoice(
            tech_id=freed.id,
            job_id=best[1],
            plan_value=round(float(best[0]), 2),
            runner_up_job_id=runner[1],
            runner_up_value=round(float(runner[0]), 2),
            greedy_job_id=greedy[1],
            reason=reason,
            plans_tried=len(tried),
        )

    def _charges(self, travel_min: float, arrive_s: float, end_s: float, now_s: float) -> float:
        # Only the lateness this visit adds: a job overdue already is late for anyone.
        late_h = (max(arrive_s - end_s, 0.0) - max(now_s - end_s, 0.0)) / 3600.0
        return self.costs.drive_per_min * travel_min + self.costs.late_per_hour * late_h

    def _rollout(
        self,
        techs: Sequence[TechAvailability],
        jobs: JobTable,
        taken: BoolArray,
        bonus: FloatArray,
        now_s: float,
        deadline: float,
    ) -> tuple[float, dict[str, _Taken]] | None:
        """Play today's greedy policy forward for the whole fleet; the plan's value and
        who takes which job (the same rule as `project_plan`, valued in dollars)."""
        horizon_s = now_s + self.horizon_min * 60.0
        heap = [
            (
                max(t.free_at.timestamp(), now_s),
                t.profile.id,
                replace(t.profile, location=t.free_location),
            )
            for t in techs
        ]
        heapq.heapify(heap)
        value, who = 0.0, {}
        while heap:
            start_s, tech_id, tech = heapq.heappop(heap)
            if start_s >= horizon_s:
                break
            if time.perf_counter() > deadline:
                return None
            evaluation = JobScorer(jobs, _at(start_s), self.weights).evaluate(tech, self.travel)
            arrive = np.maximum(start_s + evaluation.travel_min * 60.0, jobs.window_start_s)
            open_now = evaluation.feasible & ~taken & (arrive <= horizon_s)
            best = replace(evaluation, feasible=open_now).ranked(1)
            if not best:
                continue
            i = best[0]
            taken[i] = True
            travel_min, arrive_s = float(evaluation.travel_min[i]), float(arrive[i])
            value += float(evaluation.expected_sale[i]) + float(bonus[i])
            value -= self._charges(travel_min, arrive_s, float(jobs.window_end_s[i]), now_s)
            who[jobs.ids[i]] = _Taken(tech_id, start_s, arrive_s)
            finish_s = arrive_s + float(jobs.durations[i]) * 60.0
            heapq.heappush(heap, (finish_s, tech_id, replace(tech, location=jobs.jobs[i].location)))
        return value, who


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _reason(
    tech_id: str,
    best: tuple[float, str, dict[str, _Taken]],
    greedy: tuple[float, str, dict[str, _Taken]],
    jobs: JobTable,
    now_s: float,
    names: dict[str, str],
) -> str:
    """The plan's choice in a dispatcher's words."""
    me = names.get(tech_id, tech_id)
    if best[1] == greedy[1]:
        return (
            f"Fleet plan agrees: {me} takes the best job for them; the fleet's plan for the "
            f"next hours is worth ${best[0]:,.0f}"
        )
    gain = best[0] - greedy[0]
    mine = jobs.jobs[jobs.indices(frozenset({best[1]}))[0]]
    left = jobs.jobs[jobs.indices(frozenset({greedy[1]}))[0]]
    other = best[2].get(greedy[1])
    if other is None:
        return (
            f"{me} takes the {mine.kind.replace('_', ' ')} instead of the "
            f"{left.kind.replace('_', ' ')}, which no plan reaches in time; "
            f"the fleet's plan gains ${gain:,.0f}"
        )
    them = names.get(other.tech_id, other.tech_id)
    mins = max((other.free_s - now_s) / 60.0, 0.0)
    when = "is free now" if mins < 1.0 else f"frees up in {mins:.0f} min"
    return (
        f"{them} {when} and can reach the {left.kind.replace('_', ' ')}, so {me} takes the "
        f"{mine.kind.replace('_', ' ')}; the fleet's plan gains ${gain:,.0f}"
    )
