"""Look-ahead: project each tech's likely next jobs, to estimate arrivals for open jobs.

A greedy simulation of dispatch itself: the tech who frees up earliest takes the job
routing would offer them at that moment and place (the same feasibility and scoring
as `rank_jobs`), then frees up again where and when that job ends. The projection is
for dispatchers and customers' arrival estimates; nothing in it is pushed to a phone.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np

from routing.job_table import JobTable
from routing.model import OpenJob, Point, TechProfile, require_aware
from routing.scoring import JobScorer
from routing.travel import GeodesicTravel, TravelModel
from routing.weights import Weights

__all__ = ["Plan", "PlannedStop", "TechAvailability", "project_plan"]


class TechAvailability(NamedTuple):
    """A tech, when they are next free and where: now and here if available, else where
    and when their current job is expected to end."""

    profile: TechProfile
    free_at: datetime
    free_location: Point


class PlannedStop(NamedTuple):
    """One projected visit of a tech's plan."""

    job_id: str
    expected_arrival: datetime
    expected_finish: datetime


@dataclass(frozen=True, slots=True)
class Plan:
    """The projection: each tech's next visits in order, and who is expected at each job.

    Techs with nothing projected still appear in `by_tech` (with an empty tuple);
    jobs nobody can take within the horizon are absent from `by_job`.
    """

    computed_at: datetime
    horizon_end: datetime
    by_tech: Mapping[str, tuple[PlannedStop, ...]]
    by_job: Mapping[str, tuple[str, datetime]]  # job id -> (tech id, expected arrival)
    free_at: Mapping[str, datetime]  # tech id -> when the projection starts them

    @classmethod
    def empty(cls, now: datetime) -> Plan:
        return cls(now, now, {}, {}, {})


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def project_plan(
    techs: Sequence[TechAvailability],
    jobs: JobTable | Sequence[OpenJob],
    now: datetime,
    horizon_min: float = 240.0,
    travel: TravelModel | None = None,
    weights: Weights | None = None,
) -> Plan:
    """Project who takes which open job, and when, up to `now + horizon_min`.

    Repeatedly the tech who frees up earliest (ties by id) takes their best feasible
    job not yet planned, ranked as `rank_jobs` would at that tech's projected time and
    place. Expected arrival is max(free_at + travel, window_start): never before the
    window opens. Only arrivals within the horizon are planned; a tech with no
    feasible job left stops. A tech free before `now` is treated as free at `now`.
    """
    require_aware("now", now)
    if len({t.profile.id for t in techs}) != len(techs):
        raise ValueError("tech ids must be unique")
    table = jobs if isinstance(jobs, JobTable) else JobTable.build(jobs)
    model = travel or GeodesicTravel()
    w = weights or Weights()
    now_s = now.timestamp()
    horizon_s = now_s + horizon_min * 60.0
    taken = np.zeros(len(table), dtype=np.bool_)
    by_tech: dict[str, list[PlannedStop]] = {t.profile.id: [] for t in techs}
    by_job: dict[str, tuple[str, datetime]] = {}
    free_at: dict[str, datetime] = {}
    heap: list[tuple[float, str, TechProfile]] = []
    for t in techs:
        require_aware("free_at", t.free_at)
        start_s = max(t.free_at.timestamp(), now_s)
        free_at[t.profile.id] = _at(start_s)
        heap.append((start_s, t.profile.id, replace(t.profile, location=t.free_location)))
    heapq.heapify(heap)
    while heap and not taken.all():
        start_s, tech_id, tech = heapq.heappop(heap)
        if start_s >= horizon_s:
            break  # everyone else frees up later still
        evaluation = JobScorer(table, _at(start_s), w).evaluate(tech, model)
        arrive_s = np.maximum(start_s + evaluation.travel_min * 60.0, table.window_start_s)
        open_now = evaluation.feasible & ~taken & (arrive_s <= horizon_s)
        best = replace(evaluation, feasible=open_now).ranked(1)
        if not best:
            continue  # later only makes every job less feasible: this tech is done
        i = best[0]
        taken[i] = True
        arrival_s = float(arrive_s[i])
        finish_s = arrival_s + float(table.durations[i]) * 60.0
        job_id = table.ids[i]
        by_tech[tech_id].append(PlannedStop(job_id, _at(arrival_s), _at(finish_s)))
        by_job[job_id] = (tech_id, _at(arrival_s))
        moved = replace(tech, location=table.jobs[i].location)
        heapq.heappush(heap, (finish_s, tech_id, moved))
    return Plan(
        computed_at=now,
        horizon_end=now + timedelta(minutes=horizon_min),
        by_tech={k: tuple(v) for k, v in by_tech.items()},
        by_job=by_job,
        free_at=free_at,
    )
