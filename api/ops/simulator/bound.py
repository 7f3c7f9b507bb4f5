"""What the board allowed: a linear-programming upper bound on a run's expected revenue.

Each technician-day offers its paid shift minutes; each call may be split across
techs (at most once in all) and costs its true on-site time plus a flat drive. The
objective is the calls' true expected value (hidden close rates and tickets).
Windows, travel geometry and arrival order are ignored, so no policy can beat it;
a policy's share of it says how much of the board it turned into revenue.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from api.core.clock import parse_hhmm
from api.ops.simulator.world import World

FLAT_DRIVE_MIN = 12.0  # a short hop between neighbouring jobs: generous to the bound


def shift_minutes(shift: tuple[str, str]) -> float:
    start, end = (parse_hhmm(s) for s in shift)
    return float((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))


def lp_bound(world: World) -> float:
    """The LP's optimum: total expected revenue the whole run could have earned at most."""
    values: list[float] = []
    rows_call: list[int] = []
    rows_cap: list[int] = []
    minutes: list[float] = []
    techs = world.techs
    for c, call in enumerate(world.calls):
        needs = set(call.booking.required_skills)
        for t, tech in enumerate(techs):
            if not needs <= set(tech.skills):
                continue
            values.append(call.expected_value(tech))
            rows_call.append(c)
            rows_cap.append(call.day * len(techs) + t)
            minutes.append(float(call.booking.duration_min or 60.0) * tech.pace + FLAT_DRIVE_MIN)
    if not values:
        return 0.0
    n, cols = len(values), np.arange(len(values))
    once = coo_matrix((np.ones(n), (rows_call, cols)), shape=(len(world.calls), n))
    cap = coo_matrix((minutes, (rows_cap, cols)), shape=(world.days * len(techs), n))

    capacity = [shift_minutes(t.shift) for _ in range(world.days) for t in techs]
    result = linprog(
        -np.asarray(values),
        A_ub=vstack([once, cap]).tocsr(),
        b_ub=np.concatenate([np.ones(len(world.calls)), np.asarray(capacity)]),
        bounds=(0.0, 1.0),
        method="highs",
    )
    if not result.success:
        raise RuntimeError(f"LP bound failed: {result.message}")
    return float(-result.fun)
