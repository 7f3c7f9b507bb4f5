"""The dispatch service: every state change goes through here.

GraphQL resolvers, the simulator and background tasks all call it. It checks the
input, writes one atomic transition (see `transitions`), then tells the broker
which channels should look again. Routing decides; this module does.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from api.auth import SYSTEM, Principal
from api.candidates import OpenJobIndex
from api.clock import Clock, shift_end_after, utcnow
from api.customer_timing import CustomerTiming
from api.domain import ACTIVE_STATUSES, JobStatus, Role, TechStatus
from api.errors import Conflict, Forbidden, NotFound
from api.profiles import CompanyPrior, geo_point, tech_profile
from api.settings import Settings
from api.store import Doc, Store
from api.transitions import JobMove, TechMove, transition
from api.validation import MAX_SOLD_AMOUNT, Booking, booking, coordinates, identifier, money, text
from realtime import Broker, Event, board_channel, tech_channel
from routing import (
    Decision,
    JobTable,
    ScoreBreakdown,
    TechProfile,
    assign_batch,
    fifo_job,
    nearest_job,
    rank_jobs,
)

log = logging.getLogger(__name__)


class Policy(StrEnum):
    """How the next job is chosen: `revenue` is the product; the others are the
    hand-dispatch baselines the simulator measures it against."""

    REVENUE = "revenue"
    NEAREST = "nearest"
    FIFO = "fifo"


class DispatchService:
    def __init__(
        self,
        store: Store,
        broker: Broker,
        settings: Settings,
        clock: Clock = utcnow,
        policy: Policy = Policy.REVENUE,
    ) -> None:
        self.policy = policy
        self.store = store
        self.broker = broker
        self.settings = settings
        self.clock = clock
        self._dispatch_lock = asyncio.Lock()
        # Set by the app: tells customers when their tech is on the way.
        self.customer_timing: CustomerTiming | None = None
        # Set by the app: counts assignment decisions by who decided (metrics).
        self.on_assignment: Callable[[str], None] = lambda decided_by: None
        self.open_jobs = OpenJobIndex(store, broker, clock, settings.resync_seconds)

    async def start(self) -> None:
        """Load the open-job index and keep it fresh (call from the app's lifespan)."""
        await self.open_jobs.start()

    async def stop(self) -> None:
        await self.open_jobs.stop()

    # ---- booking (CSR, dispatcher, integrations) -------------------------------------

    async def book_job(self, actor: Principal, request: Booking) -> Doc:
        now = self.clock()
        b = booking(request, now)
        customer_id = await self._customer_id(b.customer_name, b.customer_phone, now)
        job: Doc = {
            "_id": "job_" + secrets.token_hex(8),
            "status": JobStatus.BOOKED.value,
            "version": 1,
            "customer_id": customer_id,
            "customer": {"name": b.customer_name, "phone": b.customer_phone},
            "address": b.address,
            "location": geo_point(b.lat, b.lon),
            "problem": b.problem,
            "kind": b.kind.value,
            "priority": b.priority.value,
            "estimated_value": b.estimated_value,
            "duration_min": b.duration_min,
            "required_skills": list(b.required_skills),
            "window_start": b.window_start,
            "window_end": b.window_end,
            "urgency_list": b.urgency_list,
            "booked_at": now,
            "booked_by": actor.as_actor(),
            "updated_at": now,
        }

        async def work(s: AsyncClientSession) -> None:
            await self.store.jobs.insert_one(job, session=s)
            await self.store.append_event(
                s,
                at=now,
                actor=actor.as_actor(),
                entity="job",
                entity_id=job["_id"],
                type_="job.booked",
                before=None,
                after=JobStatus.BOOKED.value,
                version=1,
            )

        await self.store.transaction(work)
        await self._publish_job(job)
        await self.dispatch_idle()
        return await self._job(job["_id"])

    async def _customer_id(self, name: str, phone: str, now: datetime) -> str:
        for _ in range(2):
            try:
                doc = await self.store.customers.find_one_and_update(
                    {"phone": phone},
                    {
                        "$set": {"name": name, "updated_at": now},
                        "$setOnInsert": {"_id": "cus_" + secrets.token_hex(8), "created_at": now},
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # a concurrent booking created the customer first
            if doc is not None:
                return str(doc["_id"])
        raise Conflict("customer record is being created concurrently; try again")

    # ---- technician duty -----------------------------------------------------------------

    async def go_on_duty(self, actor: Principal) -> Doc:
        tech_id = self._tech_id(actor)
        now = self.clock()
        doc = await self._technician(tech_id)
        shift = doc.get("shift") or {"start": "08:00", "end": "17:00"}
        ends = shift_end_after(now, shift["start"], shift["end"], self.settings.timezone)
        _, tech = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type="technician.on_duty",
            tech=TechMove(
                tech_id,
                (TechStatus.OFF_DUTY, TechStatus.ON_BREAK),
                TechStatus.AVAILABLE,
                set_={"shift_ends_at": ends, "on_duty_since": now},
            ),
        )
        assert tech is not None  # a tech move always returns the technician
        await self._publish_tech(tech)
        await self.dispatch_tech(tech_id)
        return await self._technician(tech_id)

    async def go_off_duty(self, actor: Principal) -> Doc:
        tech_id = self._tech_id(actor)
        now = self.clock()
        try:
            _, tech = await transition(
                self.store,
                now=now,
                actor=actor.as_actor(),
                event_type="technician.off_duty",
                tech=TechMove(
                    tech_id,
                    (TechStatus.AVAILABLE, TechStatus.ON_BREAK),
                    TechStatus.OFF_DUTY,
                    unset=("shift_ends_at", "on_duty_since"),
                ),
            )
        except Conflict as exc:
            raise Conflict(f"{exc.message}: finish or hand back the current job first") from exc
        assert tech is not None
        await self._publish_tech(tech)
        return tech

    async def report_location(self, actor: Principal, lat: float, lon: float) -> Doc:
        tech_id = self._tech_id(actor)
        coordinates(lat, lon)
        now = self.clock()
        tech: Doc | None = await self.store.technicians.find_one_and_update(
            {"_id": tech_id},
            {
                "$set": {"location": geo_point(lat, lon), "location_at": now},
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if tech is None:
            raise NotFound(f"technician {tech_id} not found")
        await self.broker.publish(
            board_channel(), Event(kind="technician", id=tech_id, version=tech["version"])
        )
        return tech

    # ---- working a job (technician) --------------------------------------------------

    async def start_travel(self, actor: Principal, job_id: str) -> Doc:
        job = await self._tech_job_step(
            actor,
            job_id,
            JobStatus.ASSIGNED,
            JobStatus.EN_ROUTE,
            "travel_started_at",
            "job.en_route",
        )
        if self.customer_timing is not None:
            await self.customer_timing.on_the_way(job, self.clock())
        return job

    async def arrive(self, actor: Principal, job_id: str) -> Doc:
        return await self._tech_job_step(
            actor, job_id, JobStatus.EN_ROUTE, JobStatus.ON_SITE, "arrived_at", "job.on_site"
        )

    async def _tech_job_step(
        self,
        actor: Principal,
        job_id: str,
        from_: JobStatus,
        to: JobStatus,
        stamp: str,
        event_type: str,
    ) -> Doc:
        tech_id = self._tech_id(actor)
        identifier(job_id, "jobId")
        now = self.clock()
        job, _ = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type=event_type,
            job=JobMove(job_id, (from_,), to, set_={stamp: now}, owner=tech_id),
        )
        assert job is not None
        await self._publish_job(job)
        return job

    async def complete_job(self, actor: Principal, job_id: str, sold_amount: float) -> Doc:
        tech_id = self._tech_id(actor)
        identifier(job_id, "jobId")
        sold = money(sold_amount, "soldAmount", maximum=MAX_SOLD_AMOUNT)
        kind = (await self._job(job_id))["kind"]  # for the per-kind results routing learns
        now = self.clock()
        job, tech = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type="job.completed",
            data={"sold_amount": sold},
            job=JobMove(
                job_id,
                (JobStatus.ON_SITE,),
                JobStatus.COMPLETED,
                set_={"completed_at": now, "sold_amount": sold},
                unset=("active_tech_id",),
                owner=tech_id,
            ),
            tech=TechMove(
                tech_id,
                (TechStatus.BUSY,),
                TechStatus.AVAILABLE,
                unset=("current_job_id",),
                inc={
                    "stats.completed": 1,
                    "stats.sales": 1 if sold > 0 else 0,
                    "stats.sold_total": sold,
                    f"stats_by_kind.{kind}.completed": 1,
                    f"stats_by_kind.{kind}.sales": 1 if sold > 0 else 0,
                    f"stats_by_kind.{kind}.sold_total": sold,
                },
            ),
        )
        assert job is not None and tech is not None
        # Route first, then announce: the phone's re-read then usually finds the next
        # job already there instead of flashing "no job" in between.
        await self.dispatch_tech(tech_id)
        await self._publish_job(job)
        await self._publish_tech(tech)
        return job

    # ---- dispatcher actions ------------------------------------------------------------

    async def assign_job(self, actor: Principal, job_id: str, tech_id: str) -> Doc:
        """A dispatcher's override: this job to this technician, now."""
        identifier(job_id, "jobId")
        identifier(tech_id, "technicianId")
        await self._technician(tech_id)
        return await self._assign(actor, job_id, tech_id, {"decided_by": "dispatcher"})

    async def cancel_job(self, actor: Principal, job_id: str, reason: str) -> Doc:
        identifier(job_id, "jobId")
        why = text(reason, "reason", max_len=500)
        cancellable = (JobStatus.BOOKED, *ACTIVE_STATUSES)
        for attempt in range(3):
            current = await self._job(job_id)
            if current["status"] not in cancellable:
                raise Conflict(f"job {job_id} is {current['status']}; it cannot be cancelled")
            tech_id = current.get("active_tech_id")
            now = self.clock()
            try:
                job, tech = await transition(
                    self.store,
                    now=now,
                    actor=actor.as_actor(),
                    event_type="job.cancelled",
                    data={"reason": why},
                    job=JobMove(
                        job_id,
                        (JobStatus(current["status"]),),
                        JobStatus.CANCELLED,
                        set_={"cancelled_at": now, "cancel_reason": why},
                        unset=("active_tech_id",),
                    ),
                    tech=_free(tech_id) if tech_id else None,
                )
            except Conflict:
                if attempt == 2:
                    raise
                continue  # the job moved on between our read and write; look again
            assert job is not None
            await self._publish_job(job)
            if tech is not None:
                await self._publish_tech(tech)
                await self.dispatch_tech(tech["_id"])
            return job
        raise Conflict(f"job {job_id} keeps changing; try again")  # pragma: no cover

    # ---- routing -------------------------------------------------------------------------

    async def dispatch_tech(self, tech_id: str) -> Doc | None:
        """Give an available technician the best next job; try runner-ups if it races."""
        async with self._dispatch_lock:
            techs = await self.store.technicians.find({}).to_list(None)
            prior = CompanyPrior.from_techs(techs)
            tech = next((t for t in techs if t["_id"] == tech_id), None)
            if tech is None or tech["status"] != TechStatus.AVAILABLE.value:
                return None
            await self.open_jobs.ensure_fresh()
            candidates = self._candidates(tech_profile(tech, prior), self.open_jobs.table())
            for job_id, reasons in candidates:
                try:
                    return await self._assign(SYSTEM, job_id, tech_id, reasons)
                except Conflict:
                    if not await self._still_available(tech_id):
                        return None
                    # Our index was stale (someone else took the job): correct it and
                    # try the runner-up.
                    await self.open_jobs.refresh(job_id)
            return None

    def _candidates(self, tech: TechProfile, jobs: JobTable) -> list[tuple[str, Doc]]:
        """The jobs to try for this tech, best first, each with the reasons to record."""
        now, limit = self.clock(), self.settings.max_candidates
        if self.policy is Policy.REVENUE:
            ranked = rank_jobs(tech, jobs, now, limit=limit)
            out = []
            for i, (job, breakdown) in enumerate(ranked):
                runner = ranked[i + 1] if i + 1 < len(ranked) else None
                out.append(
                    (
                        job.id,
                        _reasons(
                            breakdown,
                            runner[0].id if runner else None,
                            runner[1].score if runner else None,
                        ),
                    )
                )
            return out
        pick = nearest_job if self.policy is Policy.NEAREST else fifo_job
        picked: list[tuple[str, Doc]] = []
        remaining = list(jobs.jobs)
        while len(picked) < limit:
            decision = pick(tech, remaining, now)
            if decision is None:
                break
            picked.append(
                (decision.job_id, {**_decision_reasons(decision), "policy": self.policy.value})
            )
            remaining = [j for j in remaining if j.id != decision.job_id]
        return picked

    async def dispatch_idle(self) -> int:
        """Assign every available technician at once (optimal batch), then fill gaps."""
        async with self._dispatch_lock:
            techs = await self.store.technicians.find({}).to_list(None)
            prior = CompanyPrior.from_techs(techs)
            free = [t for t in techs if t["status"] == TechStatus.AVAILABLE.value]
            if not free:
                return 0
            await self.open_jobs.ensure_fresh()
            jobs = self.open_jobs.table()
            if not len(jobs):
                return 0
            missed: list[str] = []
            assigned = 0
            if self.policy is not Policy.REVENUE:
                missed = [t["_id"] for t in free]  # baselines pick one tech at a time
            else:
                profiles = [tech_profile(t, prior) for t in free]
                for d in assign_batch(profiles, jobs, self.clock()):
                    try:
                        await self._assign(SYSTEM, d.job_id, d.tech_id, _decision_reasons(d))
                        assigned += 1
                    except Conflict:
                        await self.open_jobs.refresh(d.job_id)
                        missed.append(d.tech_id)
        for tech_id in missed:
            if await self.dispatch_tech(tech_id) is not None:
                assigned += 1
        return assigned

    async def _assign(self, actor: Principal, job_id: str, tech_id: str, reasons: Doc) -> Doc:
        now = self.clock()
        reasons = {**reasons, "decided_at": now}
        job, tech = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type="job.assigned",
            data={"reasons": reasons},
            job=JobMove(
                job_id,
                (JobStatus.BOOKED,),
                JobStatus.ASSIGNED,
                set_={
                    "tech_id": tech_id,
                    "active_tech_id": tech_id,
                    "assigned_at": now,
                    "assignment": reasons,
                },
            ),
            tech=TechMove(
                tech_id, (TechStatus.AVAILABLE,), TechStatus.BUSY, set_={"current_job_id": job_id}
            ),
        )
        assert job is not None and tech is not None
        self.on_assignment(str(reasons.get("decided_by", "unknown")))
        await self._publish_job(job)
        await self._publish_tech(tech)
        return job

    async def _still_available(self, tech_id: str) -> bool:
        doc = await self.store.technicians.find_one({"_id": tech_id}, {"status": 1})
        return doc is not None and doc["status"] == TechStatus.AVAILABLE.value

    # ---- helpers -------------------------------------------------------------------------

    def _tech_id(self, actor: Principal) -> str:
        if actor.role is not Role.TECHNICIAN:
            raise Forbidden("only a technician can do this, for themselves")
        return actor.subject

    async def _technician(self, tech_id: str) -> Doc:
        doc: Doc | None = await self.store.technicians.find_one({"_id": tech_id})
        if doc is None:
            raise NotFound(f"technician {tech_id} not found")
        return doc

    async def _job(self, job_id: str) -> Doc:
        doc: Doc | None = await self.store.jobs.find_one({"_id": job_id})
        if doc is None:
            raise NotFound(f"job {job_id} not found")
        return doc

    # Public for the services built on this one (voice, customer timing).
    async def job(self, job_id: str) -> Doc:
        return await self._job(job_id)

    async def technician(self, tech_id: str) -> Doc:
        return await self._technician(tech_id)

    async def publish_job(self, job: Doc) -> None:
        await self._publish_job(job)

    async def publish_tech(self, tech: Doc) -> None:
        await self._publish_tech(tech)

    async def _publish_job(self, job: Doc) -> None:
        # Every job write ends here, so this process's index never waits for the broker.
        self.open_jobs.apply(job)
        event = Event(kind="job", id=job["_id"], version=job["version"])
        if job.get("tech_id"):
            await self.broker.publish(tech_channel(job["tech_id"]), event)
        await self.broker.publish(board_channel(), event)

    async def _publish_tech(self, tech: Doc) -> None:
        event = Event(kind="technician", id=tech["_id"], version=tech["version"])
        await self.broker.publish(tech_channel(tech["_id"]), event)
        await self.broker.publish(board_channel(), event)


def _free(tech_id: str) -> TechMove:
    return TechMove(tech_id, (TechStatus.BUSY,), TechStatus.AVAILABLE, unset=("current_job_id",))


def _reasons(b: ScoreBreakdown, runner_up: str | None, runner_score: float | None) -> Doc:
    return {
        "decided_by": "routing",
        **asdict(b),
        "runner_up_job_id": runner_up,
        "runner_up_score": runner_score,
    }


def _decision_reasons(d: Decision) -> Doc:
    return _reasons(d.breakdown, d.runner_up_job_id, d.runner_up_score)
