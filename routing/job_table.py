"""Column-wise numpy view of the open jobs that scoring runs over.

`JobTable.build` makes one from a list of jobs; `routing.job_pool.JobPool` keeps one
up to date in place, so a process that decides often never rebuilds it from scratch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.model import JOB_KINDS, PRIORITIES, OpenJob
from routing.travel import unit_vectors

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Priorities and kinds are stored as codes so weights apply with one numpy take.
PRIORITY_ORDER: tuple[str, ...] = tuple(sorted(PRIORITIES))
KIND_ORDER: tuple[str, ...] = tuple(sorted(JOB_KINDS))
PRIORITY_CODE: Mapping[str, int] = {p: i for i, p in enumerate(PRIORITY_ORDER)}
KIND_CODE: Mapping[str, int] = {k: i for i, k in enumerate(KIND_ORDER)}


def _floats(values: Sequence[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(len(values))


def _ints(values: Sequence[int]) -> IntArray:
    return np.asarray(values, dtype=np.int64).reshape(len(values))


@dataclass(frozen=True, slots=True)
class JobTable:
    """The jobs plus one numpy array per attribute, aligned by index.

    Times are POSIX seconds so waiting, lateness and deadlines are plain array arithmetic.
    `required[i, skill_column[s]]` is True when job i needs skill s, so the skills
    check is one vectorised test. `position` maps a job id to its index.
    """

    jobs: Sequence[OpenJob]
    ids: Sequence[str]
    lats: FloatArray
    lons: FloatArray
    xyz: FloatArray  # (n, 3) unit vectors of the locations, for fast great-circle distances
    values: FloatArray
    durations: FloatArray
    window_start_s: FloatArray
    window_end_s: FloatArray
    booked_at_s: FloatArray
    urgency_list: BoolArray
    priority_code: IntArray
    kind_code: IntArray
    required: BoolArray
    skill_column: Mapping[str, int]
    position: Mapping[str, int]

    @classmethod
    def build(cls, jobs: Sequence[OpenJob]) -> JobTable:
        """Build the table; raises ValueError if two jobs share an id."""
        jobs = tuple(jobs)
        ids = tuple(job.id for job in jobs)
        position = {job_id: i for i, job_id in enumerate(ids)}
        if len(position) != len(ids):
            raise ValueError("job ids must be unique")
        skills = sorted({s for job in jobs for s in job.required_skills})
        skill_column = {s: c for c, s in enumerate(skills)}
        required = np.zeros((len(jobs), len(skills)), dtype=np.bool_)
        for i, job in enumerate(jobs):
            for s in job.required_skills:
                required[i, skill_column[s]] = True
        lats = _floats([job.location.lat for job in jobs])
        lons = _floats([job.location.lon for job in jobs])
        return cls(
            jobs=jobs,
            ids=ids,
            lats=lats,
            lons=lons,
            xyz=unit_vectors(lats, lons).reshape(len(jobs), 3),
            values=_floats([job.value for job in jobs]),
            durations=_floats([job.duration_min for job in jobs]),
            window_start_s=_floats([job.window_start.timestamp() for job in jobs]),
            window_end_s=_floats([job.window_end.timestamp() for job in jobs]),
            booked_at_s=_floats([job.booked_at.timestamp() for job in jobs]),
            urgency_list=np.array([job.urgency_list for job in jobs], dtype=np.bool_),
            priority_code=_ints([PRIORITY_CODE[job.priority] for job in jobs]),
            kind_code=_ints([KIND_CODE[job.kind] for job in jobs]),
            required=required,
            skill_column=skill_column,
            position=position,
        )

    def __len__(self) -> int:
        return len(self.jobs)

    def lacks_skills(self, skills: frozenset[str]) -> BoolArray:
        """True where the job needs a skill not in `skills`."""
        missing = [c for s, c in self.skill_column.items() if s not in skills]
        if not missing:
            return np.zeros(len(self), dtype=np.bool_)
        return np.asarray(self.required[:, missing].any(axis=1), dtype=np.bool_)

    def indices(self, job_ids: frozenset[str]) -> list[int]:
        """Indices of those of `job_ids` that are in the table."""
        return [self.position[j] for j in job_ids if j in self.position]
