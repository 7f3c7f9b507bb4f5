"""Assign many idle techs at once so the fleet as a whole earns the most.

Greedy one-tech-at-a-time dispatch lets the first tech grab a job that a second tech
needed far more; solving the assignment problem over the score matrix avoids that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from scipy.optimize import linear_sum_assignment

from routing.model import Decision, OpenJob, TechProfile
from routing.scoring import JobScorer, Weights
from routing.travel import GeodesicTravel, TravelModel


def assign_batch(
    techs: Sequence[TechProfile],
    jobs: Sequence[OpenJob],
    now: datetime,
    *,
    travel: TravelModel | None = None,
    weights: Weights | None = None,
) -> list[Decision]:
    """Give each tech at most one job and each job at most one tech, maximising total score.

    Infeasible pairs are never assigned; a tech with no feasible job (or who loses every
    feasible job to better uses) gets no Decision. Results are sorted by tech id and do not
    depend on input order. Each Decision's runner-up is that tech's best feasible job that
    nobody was assigned in this batch, i.e. what they would be offered if they declined.
    """
    if len({tech.id for tech in techs}) != len(techs):
        raise ValueError("tech ids must be unique")
    # Sorting makes the solver see the same matrix whatever order callers pass, so ties
    # between equally good assignments always resolve the same way.
    techs_sorted = sorted(techs, key=lambda t: t.id)
    jobs_sorted = sorted(jobs, key=lambda j: j.id)
    scorer = JobScorer(jobs_sorted, now, weights or Weights())
    model = travel or GeodesicTravel()
    evaluations = [scorer.evaluate(tech, model) for tech in techs_sorted]
    n, m = len(techs_sorted), len(jobs_sorted)
    if n == 0 or m == 0:
        return []
    scores = np.vstack([ev.score for ev in evaluations])
    # One private "stay idle" column per tech (score 0, -inf for everyone else) makes a
    # full assignment always exist, so -inf pairs are never forced and the solver finds
    # the best partial matching. Feasible scores are >= 0, so idling never beats a job.
    idle = np.full((n, n), -np.inf)
    np.fill_diagonal(idle, 0.0)
    rows, cols = linear_sum_assignment(np.hstack([scores, idle]), maximize=True)
    assigned = {
        int(r): int(c) for r, c in zip(rows, cols, strict=True) if c < m and scores[r, c] > -np.inf
    }
    taken = set(assigned.values())
    decisions = []
    for row, col in sorted(assigned.items()):
        evaluation = evaluations[row]
        runner_up = next((i for i in evaluation.ranked() if i not in taken), None)
        decisions.append(evaluation.decision(col, runner_up))
    return decisions
