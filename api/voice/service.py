"""The technician's voice: vents, late calls, running late, declines and breaks,
and the dispatcher's answers.

Techs never pick their jobs, but they are heard: each of these raises an alert on the
board (`alerts`), and a dispatcher's reply or decision reaches the phone through the
tech's message thread (`messages`). Vents are private to dispatchers and managers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pymongo import ReturnDocument

from api.core.clock import Clock, utcnow
from api.core.domain import ACTIVE_STATUSES, JobStatus, Role, TechStatus
from api.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.core.principal import Principal
from api.core.validation import identifier, text
from api.customers.notifications import Notifier
from api.dispatch.handback import release
from api.dispatch.service import DispatchService
from api.persistence.store import Doc
from api.persistence.transitions import TechMove, transition
from api.voice.alerts import AlertBoard, AlertKind, AlertStatus


class LateCallOutcome(StrEnum):
    KEEP_WITH_OVERTIME = "keep_with_overtime"
    REASSIGN = "reassign"


class VoiceService:
    def __init__(
        self, dispatch: DispatchService, notifier: Notifier, clock: Clock = utcnow
    ) -> None:
        self.dispatch = dispatch
        self.store = dispatch.store
        self.broker = dispatch.broker
        self.notifier = notifier
        self.clock = clock
        self.board = AlertBoard(self.store, self.broker, clock)

    # ---- technician side ------------------------------------------------------------

    async def vent(self, actor: Principal, body: str) -> Doc:
        tech_id = self._tech(actor)
        said = text(body, "text", max_len=2000)
        await self._known_tech(tech_id)
        alert = await self.board.raise_alert(tech_id, AlertKind.VENT, said)
        await self.board.post(tech_id, actor, "to_dispatch", said, alert["_id"])
        return alert

    async def flag_late_call(self, actor: Principal, job_id: str, reason: str) -> Doc:
        tech_id = self._tech(actor)
        why = text(reason, "reason", max_len=500)
        job = await self._own_active_job(tech_id, job_id)
        existing = await self.board.alerts_coll.find_one(
            {"kind": AlertKind.LATE_CALL.value, "job_id": job["_id"], "status": {"$ne": "resolved"}}
        )
        if existing is not None:
            raise Conflict("this late call is already flagged; dispatch will answer")
        return await self.board.raise_alert(tech_id, AlertKind.LATE_CALL, why, job_id=job["_id"])

    async def report_running_late(
        self, actor: Principal, job_id: str, minutes: int, reason: str
    ) -> Doc:
        tech_id = self._tech(actor)
        if not 1 <= minutes <= 600:
            raise InvalidInput("minutes must be between 1 and 600", "minutes")
        why = text(reason, "reason", max_len=500)
        job = await self._own_active_job(tech_id, job_id)
        now = self.clock()
        eta = now + timedelta(minutes=minutes)
        updated: Doc | None = await self.store.jobs.find_one_and_update(
            {"_id": job["_id"], "active_tech_id": tech_id},
            {"$set": {"eta": eta, "updated_at": now}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise Conflict("the job changed; look at your current job again")
        await self.store.append_event(
            None,
            at=now,
            actor=actor.as_actor(),
            entity="job",
            entity_id=job["_id"],
            type_="job.eta",
            before=updated["status"],
            after=updated["status"],
            version=updated["version"],
            data={"eta": eta, "reason": why},
        )
        if eta > updated["window_end"]:
            await self.board.raise_alert(
                tech_id, AlertKind.RUNNING_LATE, why, job_id=job["_id"], minutes=minutes
            )
            await self.notifier.notify(
                updated,
                "running_late",
                f"Your technician is running late; new arrival {eta:%H:%M} UTC.",
                eta=eta,
            )
        await self.dispatch.publish_job(updated)
        return updated

    async def decline_job(self, actor: Principal, job_id: str, reason: str) -> Doc:
        """Hand the job back: it returns to the pool and is never offered to this tech today."""
        tech_id = self._tech(actor)
        why = text(reason, "reason", max_len=500)
        job = await self._own_active_job(tech_id, job_id)
        if job["status"] != JobStatus.ASSIGNED.value:
            raise Conflict("only a job you have not started can be declined; call dispatch")
        released, _ = await release(
            self.dispatch, actor, job, event_type="job.declined", reason=why, remember_decline=True
        )
        await self.board.raise_alert(tech_id, AlertKind.DECLINED, why, job_id=job_id)
        await self.dispatch.dispatch_idle()
        return released

    async def start_break(self, actor: Principal) -> Doc:
        return await self._tech_move(
            actor, TechStatus.AVAILABLE, TechStatus.ON_BREAK, "technician.break"
        )

    async def end_break(self, actor: Principal) -> Doc:
        tech = await self._tech_move(
            actor, TechStatus.ON_BREAK, TechStatus.AVAILABLE, "technician.back"
        )
        await self.dispatch.dispatch_tech(tech["_id"])
        return await self._known_tech(tech["_id"])

    async def accept_overtime(self, actor: Principal, until: datetime) -> Doc:
        tech_id = self._tech(actor)
        now = self.clock()
        if until.tzinfo is None:
            raise InvalidInput("until needs a time zone offset", "until")
        if not now < until <= now + timedelta(hours=8):
            raise InvalidInput("overtime must end within the next 8 hours", "until")
        tech: Doc | None = await self.store.technicians.find_one_and_update(
            {"_id": tech_id},
            {"$set": {"overtime_until": until, "updated_at": now}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if tech is None:
            raise NotFound(f"technician {tech_id} not found")
        await self.dispatch.publish_tech(tech)
        if tech["status"] == TechStatus.AVAILABLE.value:
            await self.dispatch.dispatch_tech(tech_id)
        return tech

    # ---- dispatcher side -----------------------------------------------------------------

    async def reply(self, actor: Principal, tech_id: str, body: str, alert_id: str | None) -> Doc:
        identifier(tech_id, "technicianId")
        said = text(body, "text", max_len=2000)
        await self._known_tech(tech_id)
        if alert_id is not None:
            await self.board.acknowledge(actor, alert_id)
        return await self.board.post(tech_id, actor, "to_tech", said, alert_id)

    async def resolve_late_call(
        self, actor: Principal, alert_id: str, outcome: LateCallOutcome, note: str | None
    ) -> Doc:
        alert = await self.board.get(alert_id)
        if alert["kind"] != AlertKind.LATE_CALL.value:
            raise Conflict("that alert is not a late call")
        if alert["status"] == AlertStatus.RESOLVED.value:
            raise Conflict("this late call is already resolved")
        tech_id, job_id = alert["tech_id"], alert["job_id"]
        job = await self.dispatch.job(job_id)
        if job.get("active_tech_id") != tech_id:
            raise Conflict("the job is no longer this technician's")
        if outcome is LateCallOutcome.KEEP_WITH_OVERTIME:
            until = self.clock() + timedelta(minutes=float(job["duration_min"]) + 60)
            await self.store.technicians.update_one(
                {"_id": tech_id}, {"$set": {"overtime_until": until}, "$inc": {"version": 1}}
            )
            message = f"Keep it: overtime approved until {until:%H:%M} UTC."
        else:
            await release(
                self.dispatch,
                actor,
                job,
                event_type="job.released",
                reason="late call",
                remember_decline=True,
            )
            message = "Dispatch is reassigning this call; you are free."
        if note:
            message += " " + text(note, "note", max_len=500)
        resolved: Doc | None = await self.board.alerts_coll.find_one_and_update(
            {"_id": alert_id, "status": {"$ne": AlertStatus.RESOLVED.value}},
            {
                "$set": {
                    "status": AlertStatus.RESOLVED.value,
                    "resolution": outcome.value,
                    "resolved_by": actor.as_actor(),
                    "updated_at": self.clock(),
                },
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if resolved is None:
            raise Conflict("this late call was resolved meanwhile")
        await self.board.post(tech_id, actor, "to_tech", message, alert_id)
        await self.board.publish(resolved)
        if outcome is LateCallOutcome.REASSIGN:
            await self.dispatch.dispatch_idle()
        return resolved

    # ---- helpers -------------------------------------------------------------------------

    def technician_of(self, actor: Principal) -> str:
        return self._tech(actor)

    def _tech(self, actor: Principal) -> str:
        if actor.role is not Role.TECHNICIAN:
            raise Forbidden("only a technician can do this, for themselves")
        return actor.subject

    async def _known_tech(self, tech_id: str) -> Doc:
        doc: Doc | None = await self.store.technicians.find_one({"_id": tech_id})
        if doc is None:
            raise NotFound(f"technician {tech_id} not found")
        return doc

    async def _own_active_job(self, tech_id: str, job_id: str) -> Doc:
        identifier(job_id, "jobId")
        job: Doc | None = await self.store.jobs.find_one({"_id": job_id, "tech_id": tech_id})
        if job is None:
            raise NotFound(f"job {job_id} not found")
        if job["status"] not in [s.value for s in ACTIVE_STATUSES]:
            raise Conflict(f"job {job_id} is {job['status']}, not your current job")
        return job

    async def _tech_move(
        self, actor: Principal, from_: TechStatus, to: TechStatus, event: str
    ) -> Doc:
        tech_id = self._tech(actor)
        _, tech = await transition(
            self.store,
            now=self.clock(),
            actor=actor.as_actor(),
            event_type=event,
            tech=TechMove(tech_id, (from_,), to),
        )
        assert tech is not None
        await self.dispatch.publish_tech(tech)
        return tech
