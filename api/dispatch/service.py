"""The dispatch service: every state change goes through here.

GraphQL resolvers, the simulator and background tasks all call it. It checks the
input, writes one atomic transition (see `transitions`), then tells the broker
which channels should look again. Routing decides; this module does.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from api.core.clock import shift_end_after
from api.core.domain import ACTIVE_STATUSES, JobStatus, TechStatus
from api.core.errors import Conflict, NotFound
from api.core.principal import Principal
from api.core.validation import (
    MAX_SOLD_AMOUNT,
    Booking,
    booking,
    coordinates,
    identifier,
    money,
    text,
)
from api.dispatch.auto_dispatch import AutoDispatch
from api.dispatch.service_core import Policy
from api.persistence.documents import geo_point
from api.persistence.store import Doc
from api.persistence.transitions import JobMove, TechMove, transition
from realtime import Event, board_channel

__all__ = ["DispatchService", "Policy"]


class DispatchService(AutoDispatch):
    """Every state change: booking, duty, working a job, dispatcher overrides."""

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
        await self.dispatch_tech(tech_id, slot_opened=True)
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
                await self.dispatch_tech(tech["_id"], slot_opened=True)
            return job
        raise Conflict(f"job {job_id} keeps changing; try again")  # pragma: no cover


def _free(tech_id: str) -> TechMove:
    return TechMove(tech_id, (TechStatus.BUSY,), TechStatus.AVAILABLE, unset=("current_job_id",))
