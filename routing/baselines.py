"""Simple reference policies to measure the scored policy against.

They obey exactly the same hard constraints (shared feasibility code) and report the
scored policy's breakdown for the job they pick, so their choices can be compared on the
same scale. Only the ordering rule differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

from routing.model import Decision, OpenJob, TechProfile
from routing.scoring import Evaluation, JobScorer, Weights
from routing.travel import GeodesicTravel, TravelModel


def _pick(
    tech: TechProfile,
    jobs: Sequence[OpenJob],
    now: datetime,
    travel: TravelModel | None,
    order: Callable[[Evaluation, int], tuple[float, str]],
) -> Decision | None:
    evaluation = JobScorer(jobs, now, Weights()).evaluate(tech, travel or GeodesicTravel())
    feasible = np.flatnonzero(evaluation.feasible).tolist()
    ranked = sorted(feasible, key=lambda i: order(evaluation, i))
    if not ranked:
        return None
    return evaluation.decision(ranked[0], ranked[1] if len(ranked) > 1 else None)


def nearest_job(
    tech: TechProfile,
    jobs: Sequence[OpenJob],
    now: datetime,
    travel: TravelModel | None = None,
) -> Decision | None:
    """Offer the feasible job with the shortest travel time (ties by job id), or None."""
    return _pick(tech, jobs, now, travel, lambda ev, i: (float(ev.travel_min[i]), ev.table.ids[i]))


def fifo_job(
    tech: TechProfile,
    jobs: Sequence[OpenJob],
    now: datetime,
    travel: TravelModel | None = None,
) -> Decision | None:
    """Offer the feasible job booked earliest (ties by job id), or None.

    `travel` is only needed to check the shift-end constraint.
    """
    return _pick(
        tech, jobs, now, travel, lambda ev, i: (float(ev.table.booked_at_s[i]), ev.table.ids[i])
    )
