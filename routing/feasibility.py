"""Hard constraints: which jobs a tech may be offered at all.

Shared by the scored policy, the batch assigner and the baselines so that every policy
refuses exactly the same pairs.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from routing.job_table import BoolArray, FloatArray, JobTable
from routing.model import TechProfile

# A tech may still go if they can arrive up to this long after the window closes (the
# customer is called and usually keeps the visit); later than that, the job is rebooked.
LATE_TOLERANCE_MIN = 180.0


def wait_minutes(table: JobTable, now: datetime, travel_min: FloatArray) -> FloatArray:
    """Minutes a tech leaving now would wait at each job before its window opens."""
    arrive_s = now.timestamp() + travel_min * 60.0
    return np.asarray(np.maximum(table.window_start_s - arrive_s, 0.0) / 60.0, dtype=np.float64)


def feasible_mask(
    tech: TechProfile,
    table: JobTable,
    now: datetime,
    travel_min: FloatArray,
    *,
    late_tolerance_min: float = LATE_TOLERANCE_MIN,
) -> BoolArray:
    """True where the tech may take the job.

    A job is feasible when the tech has every required skill, has not declined it, can
    arrive no later than `late_tolerance_min` after the window's end, and (if the tech
    has a shift end) can finish it by the work deadline (the later of shift_end and
    overtime_until). Arrival is max(now + travel, window_start): a tech never starts
    before the window opens, so a job whose window opens after the deadline is
    infeasible for now. Arriving late within the tolerance is penalised by scoring.
    """
    mask = ~table.lacks_skills(tech.skills)
    mask[table.indices(tech.declined_job_ids)] = False
    arrive_s = np.maximum(now.timestamp() + travel_min * 60.0, table.window_start_s)
    mask &= arrive_s <= table.window_end_s + late_tolerance_min * 60.0
    deadline = tech.work_deadline()
    if deadline is not None:
        mask &= arrive_s + table.durations * 60.0 <= deadline.timestamp()
    return np.asarray(mask, dtype=np.bool_)
