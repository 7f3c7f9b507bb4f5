"""Which idle gaps measure dispatch: those with work the tech could take waiting.

A technician who completes a job while every open job needs a skill they lack is not
waiting on dispatch; the next call that fits may be booked minutes later. From the
event log, the jobs open (booked, in the pool) at each completion are rebuilt, and a
completion counts when one of them needs no skill the tech lacks. Pure: plain data in,
plain data out (the bench reads the events and jobs; tests feed them directly).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OPEN = "booked"


@dataclass(frozen=True, slots=True)
class Gap:
    tech_id: str
    completed_job_id: str
    seconds: float | None  # None: no next job reached the phone before the day ended


def open_at(events: Iterable[Mapping[str, Any]]) -> list[tuple[datetime, str, bool]]:
    """(time, job id, open after this event), in time order, from the job events."""
    moves = [
        (e["at"], e["entity_id"], e["after"] == OPEN)
        for e in events
        if e.get("entity") == "job" and e.get("after") is not None
    ]
    return sorted(moves, key=lambda m: m[0])


def takeable_completions(
    events: Iterable[Mapping[str, Any]],
    skills_of_job: Mapping[str, frozenset[str]],
    completed_by: Mapping[str, frozenset[str]],
) -> set[str]:
    """The completed jobs at whose completion some open job needed no skill that the
    completing tech lacks (`completed_by`: completed job id -> that tech's skills)."""
    listed = list(events)
    completions = sorted(
        (e["at"], e["entity_id"])
        for e in listed
        if e.get("entity") == "job"
        and e.get("after") == "completed"
        and e["entity_id"] in completed_by
    )
    moves = open_at(listed)
    pool: set[str] = set()
    i = 0
    out: set[str] = set()
    for at, job_id in completions:
        while i < len(moves) and moves[i][0] <= at:
            _, moved, is_open = moves[i]
            if is_open:
                pool.add(moved)
            else:
                pool.discard(moved)
            i += 1
        mine = completed_by[job_id]
        if any(skills_of_job.get(j, frozenset()) <= mine for j in pool):
            out.add(job_id)
    return out


def split(gaps: Iterable[Gap], takeable: set[str]) -> tuple[list[float], int]:
    """Gaps (s) after completions with takeable work waiting, and how many of those
    completions never got a next job before the day ended."""
    measured: list[float] = []
    never = 0
    for g in gaps:
        if g.completed_job_id not in takeable:
            continue
        if g.seconds is None:
            never += 1
        else:
            measured.append(g.seconds)
    return measured, never
