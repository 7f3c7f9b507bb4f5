"""Parts of `bench day`: the timed phone, the figures it collects, the position burst."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx

from api.access.tokens import issue_token
from api.core.domain import Role
from api.ops.phones.phone import SimulatedPhone
from api.ops.phones.wire import GraphQLSocket
from api.persistence.store import Store
from bench._day_gaps import Gap, split, takeable_completions
from tests.servers import TEST_SECRET, ApiProcess


class Stats:
    def __init__(self) -> None:
        self.gaps: list[float] = []  # completeJob response -> next job on that phone (s)
        self.all_gaps: list[Gap] = []  # every completion, with its gap (None: no next job)
        self.bookings: list[float] = []
        self.positions = 0
        self.position_times: list[float] = []
        self.completed = 0
        self.booked = 0
        self.booking_errors = 0
        self.pushed: set[str] = set()
        self.board_techs = 0


class TimedPhone(SimulatedPhone):
    """A simulated phone that records its idle gaps and position reports."""

    stats: Stats
    completed_at: float | None = None
    completed_job: str = ""
    waiting_at_completion = False

    async def _call(self, ws: GraphQLSocket, name: str, variables: Any = None) -> Any:
        started = time.perf_counter()
        data = await super()._call(ws, name, variables)
        if name == "ReportLocation":
            self.stats.positions += 1
            self.stats.position_times.append(time.perf_counter() - started)
        elif name == "CompleteJob":
            self.completed_at = time.perf_counter()
            self.completed_job = str(variables["jobId"])
            self.stats.completed += 1
            # Only gaps while jobs were waiting measure dispatch (else: no work yet).
            self.waiting_at_completion = self.stats.booked > len(self.stats.pushed)
        return data

    async def _do(self, ws: GraphQLSocket, job: dict[str, Any]) -> None:
        if job["id"] not in self.stats.pushed:
            self.stats.pushed.add(job["id"])
            if self.completed_at is not None:
                gap = time.perf_counter() - self.completed_at
                self.stats.all_gaps.append(Gap(self.tech_id, self.completed_job, gap))
                if self.waiting_at_completion:
                    self.stats.gaps.append(gap)
            self.completed_at = None
        await super()._do(ws, job)

    def day_ended(self) -> None:
        """A completion with no next job by the end of the day is a gap that never closed."""
        if self.completed_at is not None:
            self.stats.all_gaps.append(Gap(self.tech_id, self.completed_job, None))
            self.completed_at = None


async def position_burst(api: ApiProcess, techs: list[str], seconds: float, batch: int) -> float:
    """Positions per second one process accepts from 50 phones sending at once: through
    `reportLocation` (batch 0) or `POST /positions` with `batch` fixes per request."""
    count = 0
    deadline = time.perf_counter() + seconds
    q = "mutation($a: Float!, $o: Float!) { reportLocation(lat: $a, lon: $o) { id } }"
    fixes = {"positions": [{"lat": 30.3, "lon": -97.7}] * max(1, batch)}

    async def phone(tech: str) -> None:
        nonlocal count
        token = issue_token(TEST_SECRET, Role.TECHNICIAN, tech, timedelta(hours=12))
        async with httpx.AsyncClient(
            base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            while time.perf_counter() < deadline:
                if batch:
                    r = await c.post("/positions", json=fixes)
                    if r.status_code == 200:
                        count += int(r.json()["accepted"])
                else:
                    body = {"query": q, "variables": {"a": 30.3, "o": -97.7}}
                    r = await c.post("/graphql", json=body)
                    if r.status_code == 200 and not r.json().get("errors"):
                        count += 1

    started = time.perf_counter()
    await asyncio.gather(*(phone(t) for t in techs[:50]))
    return count / (time.perf_counter() - started)


async def takeable_gaps(store: Store, stats: Stats, tech_skills: dict[str, frozenset[str]]) -> Any:
    """The idle gaps after completions with work that tech could take waiting (the
    issue's figure), from the day's event log; and how many such completions never got
    a next job before the day ended."""
    events = await store.events.find({"entity": "job"}).to_list(None)
    jobs = await store.jobs.find({}, {"required_skills": 1}).to_list(None)
    skills_of_job = {j["_id"]: frozenset(j.get("required_skills", ())) for j in jobs}
    completed_by = {g.completed_job_id: tech_skills[g.tech_id] for g in stats.all_gaps}
    takeable = takeable_completions(events, skills_of_job, completed_by)
    measured, never = split(stats.all_gaps, takeable)
    return {
        "p50": pct(measured, 0.5),
        "p99": pct(measured, 0.99),
        "max": pct(measured, 1.0),
        "n": len(measured),
        "never_served": never,
        "completions": len(stats.all_gaps),
    }


def pct(values: list[float], p: float) -> float:
    """The p-quantile of seconds, in ms (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)
