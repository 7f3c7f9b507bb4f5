"""Assign many idle techs at once so the fleet as a whole earns the most.

Greedy one-tech-at-a-time dispatch lets the first tech grab a job that a second tech
needed far more; solving the assignment problem over the score matrix avoids that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from scipy.optimize import linear_sum_assignment

from routing.job_table import JobTable
from routing.model import Decision, OpenJob, TechProfile
from routing.scoring import JobScorer, Weights
from routing.travel import GeodesicTravel, TravelModel


def assign_batch(
    techs: Sequence[TechProfile],
    jobs: Sequence[OpenJob] | JobTable,
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
    `jobs` may be a prebuilt `JobTable` (e.g. from a `JobPool`).
    """
    if len({tech.id for tech in techs}) != len(techs):
        raise ValueError("tech ids must be unique")
    techs_sorted = sorted(techs, key=lambda t: t.id)
    scorer = JobScorer(jobs, now, weights or Weights())
    model = travel or GeodesicTravel()
    evaluations = [scorer.evaluate(tech, model) for tech in techs_sorted]
    n = len(techs_sorted)
    # Some optimal matching gives every tech one of its own n best jobs (of those n, at
    # most n - 1 are taken by the others, and a free one scores no less), and its
    # runner-up is among its n + 1 best; so only those columns go to the solver.
    # Sorting them by id makes ties resolve the same way whatever order callers pass.
    shortlists = [ev.ranked(n + 1) for ev in evaluations]
    ids = scorer.table.ids
    columns = sorted({i for short in shortlists for i in short}, key=ids.__getitem__)
    m = len(columns)
    if n == 0 or m == 0:
        return []
    scores = np.vstack([ev.score[columns] for ev in evaluations])
    # One private "stay idle" column per tech (score 0, -inf for everyone else) makes a
    # full assignment always exist, so -inf pairs are never forced and the solver finds
    # the best partial matching. Feasible scores are >= 0, so idling never beats a job.
    idle = np.full((n, n), -np.inf)
    np.fill_diagonal(idle, 0.0)
    rows, cols = linear_sum_assignment(np.hstack([scores, idle]), maximize=True)
    assigned = {
        int(r): columns[int(c)]
        for r, c in zip(rows, cols, strict=True)
        if c < m and scores[r, c] > -np.inf
    }
    taken = set(assigned.values())
    decisions = []
    for row, col in sorted(assigned.items()):
        runner_up = next((i for i in shortlists[row] if i not in taken), None)
        decisions.append(evaluations[row].decision(col, runner_up))
    return decisions
