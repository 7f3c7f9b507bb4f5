"""The scored dispatch policy: rank jobs for one tech, pick the best, or score all pairs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from routing.job_table import FloatArray, JobTable
from routing.model import Decision, OpenJob, ScoreBreakdown, TechProfile
from routing.scoring import JobScorer, Weights
from routing.travel import GeodesicTravel, TravelModel

__all__ = ["Weights", "choose_next_job", "rank_jobs", "score_matrix"]


def rank_jobs(
    tech: TechProfile,
    jobs: Sequence[OpenJob] | JobTable,
    now: datetime,
    *,
    travel: TravelModel | None = None,
    weights: Weights | None = None,
    limit: int | None = None,
) -> list[tuple[OpenJob, ScoreBreakdown]]:
    """Feasible jobs for `tech` with their score breakdowns, best first.

    Infeasible jobs (missing skills, declined, cannot start in the window's tolerance or
    finish before the shift/overtime deadline; see feasibility.py) are omitted. Equal
    scores are ordered by job id so results are deterministic.
    `jobs` may be a prebuilt `JobTable` (e.g. from a `JobPool`); with `limit`, only the
    best `limit` are returned and explained, which keeps a 100,000-job table cheap.
    """
    scorer = JobScorer(jobs, now, weights or Weights())
    evaluation = scorer.evaluate(tech, travel or GeodesicTravel())
    ranked = evaluation.ranked(limit)
    return [(scorer.table.jobs[i], evaluation.breakdown(i)) for i in ranked]


def choose_next_job(
    tech: TechProfile,
    jobs: Sequence[OpenJob] | JobTable,
    now: datetime,
    *,
    travel: TravelModel | None = None,
    weights: Weights | None = None,
) -> Decision | None:
    """The best feasible job for `tech` plus the runner-up, or None if nothing is feasible."""
    scorer = JobScorer(jobs, now, weights or Weights())
    evaluation = scorer.evaluate(tech, travel or GeodesicTravel())
    ranked = evaluation.ranked(2)
    if not ranked:
        return None
    return evaluation.decision(ranked[0], ranked[1] if len(ranked) > 1 else None)


def score_matrix(
    techs: Sequence[TechProfile],
    jobs: Sequence[OpenJob] | JobTable,
    now: datetime,
    *,
    travel: TravelModel | None = None,
    weights: Weights | None = None,
) -> FloatArray:
    """Scores as a (len(techs), len(jobs)) float array in input order; -inf = infeasible."""
    scorer = JobScorer(jobs, now, weights or Weights())
    model = travel or GeodesicTravel()
    out = np.full((len(techs), len(jobs)), -np.inf, dtype=np.float64)
    for row, tech in enumerate(techs):
        out[row] = scorer.evaluate(tech, model).score
    return out
