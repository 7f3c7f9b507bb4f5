"""Working days through the real dispatch actions, store and broker, on a virtual clock.

CSRs book each call when it rings; dispatch routes as it does in
production; each simulated technician behaves like the phone app: it listens on its
own broker channel, re-reads its record when told to look again, and works the job
it finds (start travel, arrive, complete) at the virtual times its hidden speed, pace
and close rate dictate.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from api.core.clock import parse_hhmm
from api.core.domain import JobStatus, Role
from api.core.principal import Principal
from api.core.settings import Settings
from api.dispatch import booking, duty, overrides, work
from api.dispatch.deps import Dispatch, Policy
from api.ops.simulator.engine import EventQueue
from api.ops.simulator.honest import oracle_stats, rebooked
from api.ops.simulator.records import (
    JobRecord,
    Outcome,
    ShiftRecord,
    SimResult,
    learned,
    tech_document,
)
from api.ops.simulator.world import GOES_ELSEWHERE, Call, TechTruth, World
from api.persistence.store import Store
from realtime import MemoryBroker, Subscription, tech_channel
from routing import GeodesicTravel, Point

CSR = Principal(role=Role.CSR, subject="csr_simulator")
DISPATCHER = Principal(role=Role.DISPATCHER, subject="dispatch_simulator")
DAY_STARTS, DAY_CLOSES = parse_hhmm("05:00"), parse_hhmm("21:00")
UNSERVED_REASON = "not reached today: handed back to the CSRs to rebook"


@dataclass(slots=True)
class SimTech:
    truth: TechTruth
    inbox: Subscription | None = None
    location: tuple[float, float] = (0.0, 0.0)
    job: JobRecord | None = None
    shift: ShiftRecord | None = None  # set while on duty

    @property
    def actor(self) -> Principal:
        return Principal(role=Role.TECHNICIAN, subject=self.truth.id)

    def drive_minutes(self, call: Call) -> float:
        here, there = Point(*self.location), Point(call.booking.lat, call.booking.lon)
        free_flow = GeodesicTravel(speed_kmh=self.truth.speed_kmh).minutes(here, there)
        return free_flow * call.traffic_noise


class Simulation:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        world: World,
        policy: Policy,
        *,
        oracle: bool = False,
        goes_elsewhere: float = GOES_ELSEWHERE,
    ) -> None:
        self.store = store
        self.world = world
        self.policy = policy
        self.oracle = oracle
        self.goes_elsewhere = goes_elsewhere
        self.queue = EventQueue(world.local(0, DAY_STARTS))
        self.dispatch = Dispatch.build(
            store, MemoryBroker(), settings, clock=self.queue.clock, policy=policy
        )
        self.techs = {t.id: SimTech(truth=t, location=t.home) for t in world.techs}
        self.jobs: dict[str, JobRecord] = {}
        self.shifts: list[ShiftRecord] = []

    async def run(self) -> SimResult:
        started = time.perf_counter()
        docs = [tech_document(t) for t in self.world.techs]
        if self.oracle:
            docs = [
                {**doc, **oracle_stats(t)} for doc, t in zip(docs, self.world.techs, strict=True)
            ]
        await self.store.technicians.insert_many(docs)
        async with AsyncExitStack() as stack:
            for tech in self.techs.values():
                channel = tech_channel(tech.truth.id)
                tech.inbox = await stack.enter_async_context(
                    self.dispatch.broker.subscribe(channel)
                )
            self._schedule()
            actions = await self.queue.run()
        return SimResult(
            world=self.world,
            policy=self.policy,
            jobs=list(self.jobs.values()),
            shifts=self.shifts,
            learned=learned(self.world, await self.store.technicians.find().to_list(None)),
            oracle=self.oracle,
            goes_elsewhere=self.goes_elsewhere,
            actions=actions,
            wall_seconds=time.perf_counter() - started,
        )

    def _schedule(self) -> None:
        for call in self.world.calls:
            self.queue.at(call.at, partial(self._book, call))
        for day in range(self.world.days):
            for tech in self.techs.values():
                start, end = (parse_hhmm(s) for s in tech.truth.shift)
                self.queue.at(self.world.local(day, start), partial(self._on_duty, tech, day))
                self.queue.at(self.world.local(day, end), partial(self._shift_over, tech))
            self.queue.at(self.world.local(day, DAY_CLOSES), self._close_day)

    # ---- the office ----------------------------------------------------------------

    async def _book(self, call: Call) -> None:
        doc = await booking.book_job(self.dispatch, CSR, call.booking)
        record = JobRecord(job_id=doc["_id"], call=call)
        self.jobs[record.job_id] = record
        if call.cancels_after_min is not None:
            when = self.queue.now + timedelta(minutes=call.cancels_after_min)
            self.queue.at(when, partial(self._customer_cancels, record))
        await self._pick_up()

    async def _customer_cancels(self, record: JobRecord) -> None:
        if record.outcome is not Outcome.BOOKED:
            return  # a tech is already on it (or it is done): the customer keeps the visit
        await overrides.cancel_job(self.dispatch, CSR, record.job_id, "customer cancelled")
        record.outcome = Outcome.CANCELLED
        await self._pick_up()

    async def _close_day(self) -> None:
        """Nothing is silently dropped: every job still on the board is handed back."""
        left = self.store.jobs.find({"status": JobStatus.BOOKED.value}, {"_id": 1})
        for doc in await left.sort("booked_at", 1).to_list(None):
            await overrides.cancel_job(self.dispatch, DISPATCHER, doc["_id"], UNSERVED_REASON)
            record = self.jobs[doc["_id"]]
            record.outcome = Outcome.UNSERVED
            again = rebooked(self.world, record.call, self.goes_elsewhere)
            if again is not None:
                self.queue.at(again.at, partial(self._book, again))

    # ---- the technicians -----------------------------------------------------------

    async def _pick_up(self) -> None:
        """Like each phone: on a "look again", re-read and start the job found there."""
        for tech in self.techs.values():
            if tech.inbox is None or not tech.inbox.drain():
                continue
            if tech.job is not None or tech.shift is None:
                continue
            doc = await self.store.technicians.find_one(
                {"_id": tech.truth.id}, {"current_job_id": 1}
            )
            job_id = (doc or {}).get("current_job_id")
            if job_id:
                await self._start_travel(tech, self.jobs[job_id])

    async def _on_duty(self, tech: SimTech, day: int) -> None:
        tech.location = tech.truth.home
        await duty.report_location(self.dispatch, tech.actor, *tech.location)
        doc = await duty.go_on_duty(self.dispatch, tech.actor)
        tech.shift = ShiftRecord(
            tech_id=tech.truth.id, day=day, on_at=self.queue.now, scheduled_end=doc["shift_ends_at"]
        )
        self.shifts.append(tech.shift)
        await self._pick_up()

    async def _shift_over(self, tech: SimTech) -> None:
        if tech.shift is not None and tech.job is None:
            await self._off_duty(tech, tech.shift)

    async def _off_duty(self, tech: SimTech, shift: ShiftRecord) -> None:
        await duty.go_off_duty(self.dispatch, tech.actor)
        shift.off_at = self.queue.now
        tech.shift = None

    async def _start_travel(self, tech: SimTech, record: JobRecord) -> None:
        await work.start_travel(self.dispatch, tech.actor, record.job_id)
        record.outcome, record.tech_id = Outcome.WORKING, tech.truth.id
        record.assigned_at = self.queue.now
        record.drive_min = tech.drive_minutes(record.call)
        tech.job = record
        if tech.shift is not None:
            tech.shift.drive_min += record.drive_min
        arrive = self.queue.now + timedelta(minutes=record.drive_min)
        self.queue.at(arrive, partial(self._arrive, tech, record))

    async def _arrive(self, tech: SimTech, record: JobRecord) -> None:
        await work.arrive(self.dispatch, tech.actor, record.job_id)
        b = record.call.booking
        tech.location = (b.lat, b.lon)
        await duty.report_location(self.dispatch, tech.actor, b.lat, b.lon)
        record.arrived_at = self.queue.now
        record.onsite_min = record.call.onsite_minutes(tech.truth)
        if tech.shift is not None:
            tech.shift.onsite_min += record.onsite_min
        done = self.queue.now + timedelta(minutes=record.onsite_min)
        self.queue.at(done, partial(self._complete, tech, record))

    async def _complete(self, tech: SimTech, record: JobRecord) -> None:
        record.sold = record.call.sold_amount(tech.truth)
        tech.job = None
        await work.complete_job(self.dispatch, tech.actor, record.job_id, record.sold)
        record.outcome, record.completed_at = Outcome.COMPLETED, self.queue.now
        shift = tech.shift
        if shift is not None:
            shift.jobs += 1
        await self._pick_up()
        if tech.job is None and shift is not None and self.queue.now >= shift.scheduled_end:
            await self._off_duty(tech, shift)


async def simulate(
    uri: str,
    db_name: str,
    settings: Settings,
    world: World,
    policy: Policy,
    *,
    oracle: bool = False,
    goes_elsewhere: float = GOES_ELSEWHERE,
) -> SimResult:
    """Run `world` under `policy` on a fresh database `db_name`, dropped afterwards."""
    store = Store(uri, db_name)
    try:
        if await store.technicians.estimated_document_count():
            raise RuntimeError(
                f"database {db_name!r} is not empty; the simulator needs a fresh one"
            )
        await store.ensure_indexes()
        sim = Simulation(
            store, settings, world, policy, oracle=oracle, goes_elsewhere=goes_elsewhere
        )
        return await sim.run()
    finally:
        await store.client.drop_database(db_name)
        await store.close()
