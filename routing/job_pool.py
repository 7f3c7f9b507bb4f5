"""A mutable set of open jobs kept as numpy columns, for processes that decide often.

Building a `JobTable` from 100,000 `OpenJob`s costs far more than scoring it, so a
long-lived pool updates its columns in place: an upsert writes one row, a removal
moves the last row into the hole. Rows stay dense, so `table()` is a set of slices.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.job_table import KIND_CODE, PRIORITY_CODE, JobTable
from routing.model import OpenJob
from routing.travel import unit_vectors

_FLOAT_COLUMNS = (
    "lats",
    "lons",
    "values",
    "durations",
    "window_start_s",
    "window_end_s",
    "booked_at_s",
)
Columns = dict[str, npt.NDArray[Any]]


def _columns(capacity: int) -> Columns:
    cols: Columns = {name: np.zeros(capacity, dtype=np.float64) for name in _FLOAT_COLUMNS}
    cols["urgency_list"] = np.zeros(capacity, dtype=np.bool_)
    cols["priority_code"] = np.zeros(capacity, dtype=np.int64)
    cols["kind_code"] = np.zeros(capacity, dtype=np.int64)
    cols["xyz"] = np.zeros((capacity, 3), dtype=np.float64)
    return cols


class JobPool:
    """Open jobs by id, with the column arrays scoring needs."""

    def __init__(self, jobs: Iterable[OpenJob] = (), capacity: int = 1024) -> None:
        self._jobs: list[OpenJob] = []
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._skill_column: dict[str, int] = {}
        self._cols = _columns(max(capacity, 16))
        self._required = np.zeros((max(capacity, 16), 0), dtype=np.bool_)
        for job in jobs:
            self.upsert(job)

    def _alloc(self, capacity: int, skills: int) -> None:
        """Reallocate (amortised: capacity doubles; skills are few and rarely new)."""
        n = len(self._jobs)
        cols = _columns(capacity)
        for name, arr in cols.items():
            arr[:n] = self._cols[name][:n]
        required = np.zeros((capacity, skills), dtype=np.bool_)
        required[:n, : self._required.shape[1]] = self._required[:n]
        self._cols, self._required = cols, required

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._position

    def get(self, job_id: str) -> OpenJob | None:
        i = self._position.get(job_id)
        return None if i is None else self._jobs[i]

    def ids(self) -> list[str]:
        return list(self._ids)

    def upsert(self, job: OpenJob) -> None:
        """Add the job, or replace the stored one with the same id."""
        new_skills = [s for s in job.required_skills if s not in self._skill_column]
        for s in sorted(new_skills):
            self._skill_column[s] = len(self._skill_column)
        i = self._position.get(job.id)
        if i is None:
            i = len(self._jobs)
            capacity = len(self._cols["lats"])
            if new_skills or i == capacity:
                self._alloc(capacity * 2 if i == capacity else capacity, len(self._skill_column))
            self._jobs.append(job)
            self._ids.append(job.id)
            self._position[job.id] = i
        else:
            if new_skills:
                self._alloc(len(self._cols["lats"]), len(self._skill_column))
            self._jobs[i] = job
        self._write(i, job)

    def _write(self, i: int, job: OpenJob) -> None:
        c = self._cols
        c["lats"][i], c["lons"][i] = job.location.lat, job.location.lon
        c["xyz"][i] = unit_vectors(c["lats"][i : i + 1], c["lons"][i : i + 1])[0]
        c["values"][i], c["durations"][i] = job.value, job.duration_min
        c["window_start_s"][i] = job.window_start.timestamp()
        c["window_end_s"][i] = job.window_end.timestamp()
        c["booked_at_s"][i] = job.booked_at.timestamp()
        c["urgency_list"][i] = job.urgency_list
        c["priority_code"][i] = PRIORITY_CODE[job.priority]
        c["kind_code"][i] = KIND_CODE[job.kind]
        self._required[i] = False
        for s in job.required_skills:
            self._required[i, self._skill_column[s]] = True

    def remove(self, job_id: str) -> OpenJob | None:
        """Drop the job if present (returns it): the last row moves into its place."""
        i = self._position.pop(job_id, None)
        if i is None:
            return None
        removed = self._jobs[i]
        last = len(self._jobs) - 1
        if i != last:
            moved = self._jobs[last]
            self._jobs[i], self._ids[i] = moved, moved.id
            self._position[moved.id] = i
            for arr in self._cols.values():
                arr[i] = arr[last]
            self._required[i] = self._required[last]
        self._jobs.pop()
        self._ids.pop()
        return removed

    def table(self) -> JobTable:
        """A view of the current jobs: valid until the next upsert or remove.

        No copy is made (that would cost as much as the scoring it feeds); routing
        calls are synchronous, so a table used within one decision stays consistent.
        """
        n = len(self._jobs)
        c = self._cols
        return JobTable(
            jobs=self._jobs,
            ids=self._ids,
            lats=c["lats"][:n],
            lons=c["lons"][:n],
            xyz=c["xyz"][:n],
            values=c["values"][:n],
            durations=c["durations"][:n],
            window_start_s=c["window_start_s"][:n],
            window_end_s=c["window_end_s"][:n],
            booked_at_s=c["booked_at_s"][:n],
            urgency_list=c["urgency_list"][:n],
            priority_code=c["priority_code"][:n],
            kind_code=c["kind_code"][:n],
            required=self._required[:n],
            skill_column=self._skill_column,
            position=self._position,
        )
