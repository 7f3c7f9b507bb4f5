"""Column-wise numpy view of a list of open jobs, built once per policy call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.model import OpenJob

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _floats(values: Sequence[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(len(values))


@dataclass(frozen=True, slots=True)
class JobTable:
    """The jobs plus one numpy array per numeric attribute, aligned by index.

    Times are POSIX seconds so lateness and deadlines are plain array arithmetic.
    """

    jobs: tuple[OpenJob, ...]
    ids: tuple[str, ...]
    lats: FloatArray
    lons: FloatArray
    values: FloatArray
    durations: FloatArray
    window_end_s: FloatArray
    booked_at_s: FloatArray
    urgency_list: BoolArray

    @classmethod
    def build(cls, jobs: Sequence[OpenJob]) -> JobTable:
        """Build the table; raises ValueError if two jobs share an id."""
        ids = tuple(job.id for job in jobs)
        if len(set(ids)) != len(ids):
            raise ValueError("job ids must be unique")
        return cls(
            jobs=tuple(jobs),
            ids=ids,
            lats=_floats([job.location.lat for job in jobs]),
            lons=_floats([job.location.lon for job in jobs]),
            values=_floats([job.value for job in jobs]),
            durations=_floats([job.duration_min for job in jobs]),
            window_end_s=_floats([job.window_end.timestamp() for job in jobs]),
            booked_at_s=_floats([job.booked_at.timestamp() for job in jobs]),
            urgency_list=np.array([job.urgency_list for job in jobs], dtype=np.bool_),
        )

    def __len__(self) -> int:
        return len(self.jobs)
