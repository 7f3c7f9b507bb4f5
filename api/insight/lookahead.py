"""The look-ahead plan of one process: routing's projection, kept fresh from events.

The plan says which tech will likely take each open job and when they would arrive,
so the board and the customer get an expected arrival before anything is assigned.
It is for dispatch only: nothing here is pushed to a phone, and it moves no job.

Re-planned on every board event (at most once per `min_interval` seconds) and by the
app's periodic housekeeping. The projection runs in a worker thread on a private copy
of its inputs, so the event loop is never held by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from api.core.clock import company_day
from api.core.domain import ACTIVE_STATUSES, TechStatus
from api.core.errors import NextjobError
from api.core.tasks import cancel_all
from api.customers.places import point
from api.dispatch.deps import Dispatch
from api.dispatch.profiles import CompanyPrior, tech_profile
from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.store import Doc
from realtime import board_channel
from routing import GeodesicTravel, JobTable, Plan, TechAvailability, TravelModel, project_plan

log = logging.getLogger(__name__)

_ON_DUTY = (TechStatus.AVAILABLE.value, TechStatus.BUSY.value)
_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def active_arrival(job: Doc, tech: Doc | None, travel: TravelModel) -> datetime | None:
    """When the tech is (or was) expected at an assigned, en-route or on-site job: the
    arrival itself once on site, else the announced eta, else a drive-time estimate."""
    if job.get("arrived_at") is not None:
        arrived: datetime = job["arrived_at"]
        return arrived
    if job.get("eta") is not None:
        eta: datetime = job["eta"]
        return eta
    leave: datetime | None = job.get("travel_started_at") or job.get("assigned_at")
    if leave is None or tech is None or not (tech.get("location") or tech.get("home")):
        return None
    here = point(tech.get("location") or tech["home"])
    drive = timedelta(minutes=travel.minutes(here, point(job["location"])))
    window_start: datetime = job["window_start"]
    return max(leave + drive, window_start)


def snapshot(table: JobTable) -> JobTable:
    """A copy that later changes to the open-job index cannot touch (for a thread)."""
    return replace(
        table,
        jobs=tuple(table.jobs),
        ids=tuple(table.ids),
        lats=table.lats.copy(),
        lons=table.lons.copy(),
        xyz=table.xyz.copy(),
        values=table.values.copy(),
        durations=table.durations.copy(),
        window_start_s=table.window_start_s.copy(),
        window_end_s=table.window_end_s.copy(),
        booked_at_s=table.booked_at_s.copy(),
        urgency_list=table.urgency_list.copy(),
        priority_code=table.priority_code.copy(),
        kind_code=table.kind_code.copy(),
        required=table.required.copy(),
        skill_column=dict(table.skill_column),
        position=dict(table.position),
    )


class LookaheadPlanner:
    """Keeps the latest `Plan` (and active jobs' expected arrivals) for this process."""

    def __init__(
        self,
        service: Dispatch,
        *,
        horizon_min: float = 240.0,
        min_interval: float = 1.0,
        travel: TravelModel | None = None,
    ) -> None:
        self.service = service
        self.horizon_min = horizon_min
        self.min_interval = min_interval
        self.travel = travel or GeodesicTravel()
        self.plan: Plan | None = None
        # Assigned, en-route and on-site jobs: job id -> (tech id, expected arrival).
        self.active: dict[str, tuple[str, datetime]] = {}
        self._wanted = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._exit = contextlib.AsyncExitStack()

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Plan once, then follow the board's events until `stop`."""
        sub = await self._exit.enter_async_context(self.service.broker.subscribe(board_channel()))
        self.request()

        async def listen() -> None:
            async for _ in sub:
                self.request()

        self._tasks = [
            asyncio.create_task(listen(), name="lookahead-listener"),
            asyncio.create_task(self._replan_forever(), name="lookahead-replan"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_all(tasks)
        await self._exit.aclose()

    def request(self) -> None:
        """Ask for a re-plan soon (coalesced: many requests make one re-plan)."""
        self._wanted.set()

    async def _replan_forever(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            await self.replan()
            # Pacing on the event loop's clock: at most one projection per interval.
            await asyncio.sleep(self.min_interval)

    # ---- reads -------------------------------------------------------------------------

    def expected(self, job_id: str) -> tuple[str, datetime] | None:
        """(tech id, expected arrival) for a job, booked (from the plan) or active."""
        if job_id in self.active:
            return self.active[job_id]
        return None if self.plan is None else self.plan.by_job.get(job_id)

    async def current(self) -> Plan:
        """The latest plan, computing the first one if none exists yet."""
        if self.plan is None:
            await self.replan()
        return self.plan or Plan.empty(self.service.clock())

    # ---- planning ----------------------------------------------------------------------

    async def replan(self) -> None:
        """Read the techs, their active jobs and the open jobs, and project a new plan."""
        try:
            async with self._lock:
                with mapped_driver_errors():
                    await self._replan()
        except NextjobError as exc:
            log.warning("look-ahead re-plan skipped: %s", exc.message)

    async def _replan(self) -> None:
        store, now = self.service.store, self.service.clock()
        techs: list[Doc] = await store.technicians.find({}).to_list(None)
        on_duty = [t for t in techs if t["status"] in _ON_DUTY]
        active: dict[str, Doc] = {}
        async for job in store.jobs.find({"status": {"$in": _ACTIVE}}):
            if job.get("active_tech_id"):
                active[job["active_tech_id"]] = job
        prior = CompanyPrior.from_techs(techs)
        today = company_day(now, await self.service.zone.current())  # declines are per day
        by_id = {t["_id"]: t for t in techs}
        expected: dict[str, tuple[str, datetime]] = {}
        for tech_id, job in active.items():
            arrival = active_arrival(job, by_id.get(tech_id), self.travel)
            if arrival is not None:
                expected[job["_id"]] = (tech_id, arrival)
        availability = []
        for doc in on_duty:
            current = active.get(doc["_id"])
            if current is None:
                availability.append(self._free_now(doc, prior, now, today))
            elif current["_id"] in expected:
                ends = expected[current["_id"]][1] + timedelta(minutes=current["duration_min"])
                profile = tech_profile(doc, prior, today)
                availability.append(TechAvailability(profile, ends, point(current["location"])))
        jobs = snapshot(self.service.open_jobs.table())
        self.plan = await asyncio.to_thread(
            project_plan, availability, jobs, now, self.horizon_min, self.travel
        )
        self.active = expected

    @staticmethod
    def _free_now(doc: Doc, prior: CompanyPrior, now: datetime, today: str) -> TechAvailability:
        profile = tech_profile(doc, prior, today)
        return TechAvailability(profile, now, profile.location)
