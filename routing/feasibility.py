"""Hard constraints: which jobs a tech may be offered at all.

Shared by the scored policy, the batch assigner and the baselines so that every policy
refuses exactly the same pairs.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from routing.job_table import BoolArray, FloatArray, JobTable
from routing.model import TechProfile


def feasible_mask(
    tech: TechProfile, table: JobTable, now: datetime, travel_min: FloatArray
) -> BoolArray:
    """True where the tech may take the job.

    A job is feasible when the tech has every required skill, has not declined it, and
    (if the tech has a shift end) now + travel + duration <= the work deadline, which is
    the later of shift_end and overtime_until. Arriving after the job's window is *not*
    a hard constraint; scoring penalises it instead.
    """
    mask = ~table.lacks_skills(tech.skills)
    mask[table.indices(tech.declined_job_ids)] = False
    deadline = tech.work_deadline()
    if deadline is not None:
        available_min = (deadline - now).total_seconds() / 60.0
        mask &= (travel_min + table.durations) <= available_min
    return np.asarray(mask, dtype=np.bool_)
