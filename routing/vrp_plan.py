"""Fleet plan by a real VRP solver: OR-Tools' routing library over the freed tech's best jobs.

The same question as `RolloutPlanner` (which job should the freed tech take first, given
everyone else on duty?), answered by solving a small vehicle-routing problem instead of
playing the greedy policy forward. Vehicles are the freed tech (free now, here) and every
other on-duty tech (from their projected free time and place); nodes are the freed tech's
top-K jobs by today's ranking; a job is optional (a disjunction whose penalty is what
dropping it forfeits), may only go to techs who can take it (skills, declines, shift), is
not started before its window opens and costs `late_per_hour` past its end. Only the
freed tech's first stop is committed; the rest is thrown away and re-planned at the next
event. With nothing found in the time budget, the caller keeps today's choice.

OR-Tools is optional (the `dev` extra, not a runtime dependency): it is a 30 MB native
wheel for a planner that is off by default and, until it measures better than the greedy
policy, is run only by the simulator. It is imported when a plan is first made, so the
product imports and runs without it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from routing.job_table import PRIORITY_ORDER, FloatArray, JobTable
from routing.lookahead import TechAvailability
from routing.model import TechProfile
from routing.planning import FleetChoice, PlanLimits
from routing.scoring import JobScorer

__all__ = ["OrToolsPlanner"]

CENTS = 100  # OR-Tools costs are integers: dollars are planned to the cent


@dataclass(frozen=True, slots=True)
class _Stop:
    vehicle: int
    job: int  # index into the candidate table


@dataclass(kw_only=True)
class OrToolsPlanner(PlanLimits):
    """The `FleetPlanner` solved as a VRP with optional jobs and time windows (OR-Tools)."""

    max_nodes: int = 40

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
        # Optional (see the module docstring); imported before the clock starts, as the
        # first import alone can take longer than a plan's budget.
        from ortools.constraint_solver import pywrapcp

        deadline = time.perf_counter() + self.budget_s
        now_s = now.timestamp()
        horizon = round(self.horizon_min)
        ranked = [
            i
            for i in JobScorer(jobs, now, self.weights)
            .evaluate(freed, self.travel)
            .ranked(self.max_nodes)
            if float(jobs.window_start_s[i]) < now_s + horizon * 60.0
        ]
        if len(ranked) < 2:
            return None  # one option or none: nothing for a plan to weigh
        fleet = [TechAvailability(freed, now, freed.location)] + [
            t for t in others if (t.free_at.timestamp() - now_s) / 60.0 < horizon
        ]
        table = JobTable.build([jobs.jobs[i] for i in ranked])
        k, v = len(table), len(fleet)
        # Per tech, from where and when they free up: who may take which job, and the
        # expected sale (close rate by kind x ticket factor), as today's scoring has it.
        sale, allowed = np.zeros((v, k)), np.zeros((v, k), dtype=np.bool_)
        free = [max(round((t.free_at.timestamp() - now_s) / 60.0), 0) for t in fleet]
        for row, t in enumerate(fleet):
            at = datetime.fromtimestamp(now_s + free[row] * 60.0, tz=UTC)
            profile = replace(t.profile, location=t.free_location)
            evaluation = JobScorer(table, at, self.weights).evaluate(profile, self.travel)
            sale[row], allowed[row] = evaluation.expected_sale, evaluation.feasible
        bonus = np.zeros(k)
        for priority, extra in self.costs.urgent_bonus:
            bonus[table.priority_code == PRIORITY_ORDER.index(priority)] = extra
        best_sale = np.where(allowed, sale, 0.0).max(axis=0)

        # Nodes: one start per tech, one shared end (routes are open), then the jobs.
        places = [t.free_location for t in fleet] + [job.location for job in table.jobs]
        lats = np.array([p.lat for p in places])
        lons = np.array([p.lon for p in places])
        drive = np.stack([self.travel.minutes_many(p, lats, lons) for p in places])
        drive = np.insert(np.insert(drive, v, 0.0, axis=0), v, 0.0, axis=1)  # the end node
        service = np.concatenate([np.zeros(v + 1), table.durations])
        minutes = np.rint(drive + service[:, None]).astype(np.int64)
        minutes[:, v] = np.rint(service).astype(np.int64)  # to the end: finish the last job
        manager = pywrapcp.RoutingIndexManager(v + 1 + k, v, list(range(v)), [v] * v)
        routing = pywrapcp.RoutingModel(manager)
        clock = routing.RegisterTransitMatrix(minutes.tolist())
        routing.AddDimension(clock, horizon, 10 * 24 * 60, False, "time")
        timeline = routing.GetDimensionOrDie("time")
        # Why costs look like this: OR-Tools minimises non-negative integer costs, but we
        # maximise expected revenue that depends on who does the job. Dropping job j costs
        # its disjunction penalty, best_sale[j] + bonus[j] (what the fleet forfeits);
        # tech t serving it costs the drive there plus best_sale[j] - sale[t, j] (what is
        # lost by sending a weaker seller). Serving is then cheaper than dropping by
        # sale[t, j] + bonus[j] - drive - lateness: minimising the sum is maximising the
        # plan's value, and every arc cost stays >= 0.
        for row in range(v):
            forfeit = np.concatenate([np.zeros(v + 1), best_sale - sale[row]])
            cost = self.costs.drive_per_min * drive + np.maximum(forfeit, 0.0)[None, :]
            cost[:, v] = 0.0
            arc = routing.RegisterTransitMatrix(np.rint(cost * CENTS).astype(np.int64).tolist())
            routing.SetArcCostEvaluatorOfVehicle(arc, row)
            timeline.CumulVar(routing.Start(row)).SetRange(free[row], free[row])
            end = fleet[row].profile.work_deadline()
            if end is not None:
                limit = max(round((end.timestamp() - now_s) / 60.0), free[row])
                timeline.CumulVar(routing.End(row)).SetMax(limit)
        late_per_min = round(self.costs.late_per_hour / 60.0 * CENTS)
        tolerance = self.weights.late_tolerance_min * 60.0
        for j in range(k):
            index = manager.NodeToIndex(v + 1 + j)
            opens = max(round((float(table.window_start_s[j]) - now_s) / 60.0), 0)
            closes = round((float(table.window_end_s[j]) - now_s) / 60.0)
            latest = min(horizon, round((float(table.window_end_s[j]) + tolerance - now_s) / 60))
            timeline.CumulVar(index).SetRange(min(opens, latest), latest)
            timeline.SetCumulVarSoftUpperBound(index, max(closes, 0), late_per_min)
            # Skills, declines and shifts: -1 keeps the job droppable (this SWIG build
            # rejects SetAllowedVehiclesForIndex's span argument).
            routing.VehicleVar(index).SetValues([-1, *np.flatnonzero(allowed[:, j]).tolist()])
            penalty = round((float(best_sale[j]) + float(bonus[j])) * CENTS)
            routing.AddDisjunction([index], penalty)
        left = deadline - time.perf_counter()
        if left <= 0.0:
            return None
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = _enum("PARALLEL_CHEAPEST_INSERTION")
        params.local_search_metaheuristic = _metaheuristic("GUIDED_LOCAL_SEARCH")
        params.time_limit.FromMilliseconds(max(int(left * 1000), 1))
        solution = routing.SolveWithParameters(params)
        if solution is None:
            return None
        stops = _stops(routing, manager, solution, v)
        mine = [s for s in stops if s.vehicle == 0]
        if not mine:
            return None  # the plan keeps the freed tech idle: leave it to today's choice
        forfeits = float(np.sum(best_sale + bonus))
        value = forfeits - solution.ObjectiveValue() / CENTS
        first = table.ids[mine[0].job]
        greedy = table.ids[0]
        runner = greedy if first != greedy else table.ids[1]
        reason = _reason(fleet, table, sale, stops, mine[0].job, value, names or {})
        return FleetChoice(
            tech_id=freed.id,
            job_id=first,
            plan_value=round(value, 2),
            runner_up_job_id=runner,
            runner_up_value=None,  # one plan is solved, not one per first job
            greedy_job_id=greedy,
            reason=reason,
            plans_tried=int(routing.solver().Solutions()),
        )


def _enum(name: str) -> Any:
    from ortools.constraint_solver import routing_enums_pb2

    return getattr(routing_enums_pb2.FirstSolutionStrategy, name)


def _metaheuristic(name: str) -> Any:
    from ortools.constraint_solver import routing_enums_pb2

    return getattr(routing_enums_pb2.LocalSearchMetaheuristic, name)


def _stops(routing: Any, manager: Any, solution: Any, vehicles: int) -> list[_Stop]:
    """Every planned visit, in each tech's route order."""
    out: list[_Stop] = []
    for row in range(vehicles):
        index = solution.Value(routing.NextVar(routing.Start(row)))
        while not routing.IsEnd(index):
            out.append(_Stop(row, manager.IndexToNode(index) - vehicles - 1))
            index = solution.Value(routing.NextVar(index))
    return out


def _reason(
    fleet: Sequence[TechAvailability],
    table: JobTable,
    sale: FloatArray,
    stops: Sequence[_Stop],
    chosen: int,
    value: float,
    names: dict[str, str],
) -> str:
    """The plan's choice in a dispatcher's words."""
    me = names.get(fleet[0].profile.id, fleet[0].profile.id)
    kind = [job.kind.replace("_", " ") for job in table.jobs]
    if chosen == 0:
        return (
            f"Fleet plan agrees: {me} takes the best job for them; the fleet's plan for the "
            f"next hours is worth ${value:,.0f}"
        )
    other = next((s for s in stops if s.job == 0), None)
    if other is None:
        return (
            f"{me} takes the {kind[chosen]} instead of the {kind[0]}, which the plan leaves "
            f"for later; the fleet's plan is worth ${value:,.0f}"
        )
    if other.vehicle == 0:
        return (
            f"{me} takes the {kind[chosen]} first and the {kind[0]} after it; the fleet's "
            f"plan is worth ${value:,.0f}"
        )
    them = fleet[other.vehicle].profile.id
    them = names.get(them, them)
    better = " sells it better," if sale[other.vehicle, 0] > 1.05 * sale[0, 0] else ""
    mins = max((fleet[other.vehicle].free_at - fleet[0].free_at).total_seconds() / 60.0, 0.0)
    when = "is free now" if mins < 1.0 else f"frees up in {mins:.0f} min"
    return (
        f"{them}{better} {when} and can reach the {kind[0]}, so "
        f"{me} takes the {kind[chosen]}; the fleet's plan is worth ${value:,.0f}"
    )
