"""What a dispatcher does by hand on the board: reassign, unassign, reschedule."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from api.core.domain import JobStatus, TechStatus
from api.core.errors import Conflict, InvalidInput
from api.core.principal import Principal
from api.core.validation import identifier, text
from api.customers.notifications import Notifier
from api.dispatch.handback import ASSIGNMENT_FIELDS, release
from api.dispatch.service import DispatchService
from api.persistence.store import Doc
from api.persistence.transitions import JobMove, TechMove, move_job, move_tech, transition


class DispatcherActions:
    def __init__(self, dispatch: DispatchService, notifier: Notifier) -> None:
        self.dispatch = dispatch
        self.store = dispatch.store
        self.notifier = notifier

    async def reassign(self, actor: Principal, job_id: str, tech_id: str, force: bool) -> Doc:
        """Move an active job to another available tech in one transaction. A job whose
        tech is already driving to it is locked unless the dispatcher forces it."""
        identifier(job_id, "jobId")
        identifier(tech_id, "technicianId")
        job = await self.dispatch.job(job_id)
        if job["status"] == JobStatus.BOOKED.value:
            return await self.dispatch.assign_job(actor, job_id, tech_id)
        movable = [JobStatus.ASSIGNED] + ([JobStatus.EN_ROUTE] if force else [])
        if job["status"] not in movable:
            hint = (
                " (its tech is driving to it: force to override)"
                if job["status"] == "en_route"
                else ""
            )
            raise Conflict(f"job {job_id} is {job['status']}; it cannot be reassigned{hint}")
        old = job["active_tech_id"]
        if old == tech_id:
            raise Conflict("the job is already this technician's")
        await self.dispatch.technician(tech_id)
        now = self.dispatch.clock()
        moved, new_tech = await transition(
            self.store,
            now=now,
            actor=actor.as_actor(),
            event_type="job.reassigned",
            data={"from_tech_id": old},
            job=JobMove(
                job_id,
                (JobStatus(job["status"]),),
                JobStatus.ASSIGNED,
                set_={
                    "tech_id": tech_id,
                    "active_tech_id": tech_id,
                    "assigned_at": now,
                    "assignment": {"decided_by": "dispatcher", "decided_at": now},
                },
                unset=("travel_started_at", "eta", "acknowledged_version", "acknowledged_at"),
            ),
            tech=TechMove(
                tech_id, (TechStatus.AVAILABLE,), TechStatus.BUSY, set_={"current_job_id": job_id}
            ),
            other_tech=TechMove(
                old, (TechStatus.BUSY,), TechStatus.AVAILABLE, unset=("current_job_id",)
            ),
        )
        assert moved is not None and new_tech is not None
        await self.dispatch.publish_job(moved)
        await self.dispatch.publish_job({**moved, "tech_id": old})  # the old phone looks again
        await self.dispatch.publish_tech(new_tech)
        await self.dispatch.publish_tech(await self.dispatch.technician(old))
        await self.dispatch.dispatch_tech(old)
        return moved

    async def unassign(self, actor: Principal, job_id: str, reason: str) -> Doc:
        identifier(job_id, "jobId")
        why = text(reason, "reason", max_len=500)
        job = await self.dispatch.job(job_id)
        if job["status"] not in (JobStatus.ASSIGNED.value, JobStatus.EN_ROUTE.value):
            raise Conflict(
                f"job {job_id} is {job['status']}; only assigned or en-route jobs can be unassigned"
            )
        released, tech = await release(
            self.dispatch,
            actor,
            job,
            event_type="job.unassigned",
            reason=why,
            remember_decline=True,
        )
        await self.dispatch.dispatch_tech(tech["_id"])
        return released

    async def reschedule(
        self, actor: Principal, job_id: str, start: datetime, end: datetime, reason: str
    ) -> Doc:
        """The visit moves to a new window: this job ends `rescheduled` and a new booked
        job carries the visit on (so each day's record stays complete). Its tech, if any,
        is freed; the customer is told the new window."""
        identifier(job_id, "jobId")
        why = text(reason, "reason", max_len=500)
        now = self.dispatch.clock()
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput("window times need a time zone offset", "window")
        if not (now < end and start < end <= start + timedelta(hours=12)):
            raise InvalidInput("the new window must be in the future, at most 12 hours", "window")
        job = await self.dispatch.job(job_id)
        if job["status"] not in (JobStatus.BOOKED.value, JobStatus.ASSIGNED.value):
            raise Conflict(
                f"job {job_id} is {job['status']}; only jobs not yet started can be rescheduled"
            )
        new_id = "job_" + secrets.token_hex(8)
        fresh = {k: v for k, v in job.items() if k not in (*ASSIGNMENT_FIELDS, "tracking")}
        fresh.update(
            _id=new_id,
            status=JobStatus.BOOKED.value,
            version=1,
            window_start=start,
            window_end=end,
            booked_at=now,
            updated_at=now,
            rescheduled_from=job_id,
            booked_by=actor.as_actor(),
        )
        fresh.pop("previous_status", None)
        tech_id = job.get("active_tech_id")
        actor_doc = actor.as_actor()

        async def work(s: AsyncClientSession) -> tuple[Doc, Doc | None]:
            old = await move_job(
                self.store,
                s,
                JobMove(
                    job_id,
                    (JobStatus(job["status"]),),
                    JobStatus.RESCHEDULED,
                    set_={"rescheduled_to": new_id, "reschedule_reason": why},
                    unset=("active_tech_id",),
                ),
                now=now,
                actor=actor_doc,
                event_type="job.rescheduled",
                data={"to": new_id},
            )
            tech = None
            if tech_id:
                tech = await move_tech(
                    self.store,
                    s,
                    TechMove(
                        tech_id, (TechStatus.BUSY,), TechStatus.AVAILABLE, unset=("current_job_id",)
                    ),
                    now=now,
                    actor=actor_doc,
                    event_type="job.rescheduled",
                    job_id=job_id,
                )
            await self.store.jobs.insert_one(fresh, session=s)
            await self.store.append_event(
                s,
                at=now,
                actor=actor_doc,
                entity="job",
                entity_id=new_id,
                type_="job.booked",
                before=None,
                after=JobStatus.BOOKED.value,
                version=1,
                data={"rescheduled_from": job_id},
            )
            return old, tech

        old, tech = await self.store.transaction(work)
        await self.dispatch.publish_job(old)
        await self.dispatch.publish_job(fresh)
        if tech is not None:
            await self.dispatch.publish_tech(tech)
            await self.dispatch.dispatch_tech(tech["_id"])
        await self.notifier.notify(
            fresh,
            "rescheduled",
            f"Your visit has moved to {start:%a %d %b %H:%M}-{end:%H:%M} UTC. Sorry!",
            eta=start,
        )
        return await self.dispatch.job(new_id)
