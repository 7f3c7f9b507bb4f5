"""The technician's voice in GraphQL: vents, late calls, running late, declines, breaks,
and the dispatcher's answers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from api.dispatch import duty
from api.persistence.store import Doc
from api.voice import answers, speak_up
from api.voice.alerts import AlertKind, AlertStatus, LateCallOutcome
from realtime import tech_channel
from schema.context import Info
from schema.permissions import Dispatcher, Technician, allow
from schema.technician import Technician as TechnicianType
from schema.types import Job

strawberry.enum(AlertKind, description="What an alert on the board is about.")
strawberry.enum(AlertStatus, description="Where an alert is in its handling.")
strawberry.enum(LateCallOutcome, description="How dispatch answers a late call.")


@strawberry.type(
    description="Something a dispatcher should look at. Vents are private to dispatch."
)
class Alert:
    id: strawberry.ID = strawberry.field(description="Opaque alert id.")
    kind: AlertKind = strawberry.field(description="What it is about.")
    status: AlertStatus = strawberry.field(description="Open, acknowledged or resolved.")
    technician_id: strawberry.ID = strawberry.field(
        description="Who raised it: a technician's id, or `system` (unassignable work)."
    )
    job_id: strawberry.ID | None = strawberry.field(description="The job concerned, if any.")
    text: str = strawberry.field(description="What the technician said, or the system's reason.")
    minutes: int | None = strawberry.field(description="Minutes late, for running late.")
    resolution: LateCallOutcome | None = strawberry.field(description="Late-call outcome.")
    resolved_by: str | None = strawberry.field(
        description="Who resolved it: a dispatcher's login, or `system:routing` when the facts did."
    )
    closed_reason: str | None = strawberry.field(
        description="Why the system closed it (the job was completed, assigned, cancelled...)."
    )
    created_at: datetime = strawberry.field(description="When it was raised.")
    version: int = strawberry.field(description="Bumped by every change.")

    @classmethod
    def from_doc(cls, d: Doc) -> Alert:
        return cls(
            id=strawberry.ID(d["_id"]),
            kind=AlertKind(d["kind"]),
            status=AlertStatus(d["status"]),
            technician_id=strawberry.ID(d["tech_id"]),
            job_id=strawberry.ID(d["job_id"]) if d.get("job_id") else None,
            text=d["text"],
            minutes=d.get("minutes"),
            resolution=LateCallOutcome(d["resolution"]) if d.get("resolution") else None,
            resolved_by=(d.get("resolved_by") or {}).get("sub"),
            closed_reason=d.get("closed_reason"),
            created_at=d["created_at"],
            version=d["version"],
        )


@strawberry.type(description="One message between a technician and dispatch.")
class Message:
    id: strawberry.ID = strawberry.field(description="Opaque message id.")
    seq: int = strawberry.field(description="Position in the thread, increasing.")
    to_technician: bool = strawberry.field(description="True if dispatch wrote it to the tech.")
    text: str = strawberry.field(description="The message.")
    alert_id: strawberry.ID | None = strawberry.field(description="The alert it answers.")
    at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def from_doc(cls, d: Doc) -> Message:
        return cls(
            id=strawberry.ID(d["_id"]),
            seq=d["seq"],
            to_technician=d["direction"] == "to_tech",
            text=d["text"],
            alert_id=strawberry.ID(d["alert_id"]) if d.get("alert_id") else None,
            at=d["at"],
        )


@strawberry.type
class VoiceQuery:
    @strawberry.field(
        description="Alerts for the board, newest first (vents included: dispatch only).",
        extensions=allow(Dispatcher),
    )
    async def alerts(
        self, info: Info, statuses: list[AlertStatus] | None = None, first: int = 100
    ) -> list[Alert]:
        docs = await info.context.board.recent(tuple(statuses or ()), first)
        return [Alert.from_doc(d) for d in docs]

    @strawberry.field(
        description="The technician's own thread with dispatch, oldest first.",
        extensions=allow(Technician),
    )
    async def my_messages(self, info: Info) -> list[Message]:
        docs = await info.context.board.thread(info.context.viewer().subject)
        return [Message.from_doc(d) for d in docs]


@strawberry.type
class VoiceMutation:
    @strawberry.mutation(
        description="Let off steam to dispatch (private).", extensions=allow(Technician)
    )
    async def vent(self, info: Info, text: str) -> Alert:
        return Alert.from_doc(
            await speak_up.vent(
                info.context.dispatch, info.context.board, info.context.viewer(), text
            )
        )

    @strawberry.mutation(
        description="Say this assignment runs past the shift or came in too late.",
        extensions=allow(Technician),
    )
    async def flag_late_call(self, info: Info, job_id: strawberry.ID, reason: str) -> Alert:
        ctx = info.context
        return Alert.from_doc(
            await speak_up.flag_late_call(
                ctx.dispatch, ctx.board, ctx.viewer(), str(job_id), reason
            )
        )

    @strawberry.mutation(
        description="Give a new ETA; the customer is told if it breaks the window.",
        extensions=allow(Technician),
    )
    async def report_running_late(
        self, info: Info, job_id: strawberry.ID, minutes: int, reason: str
    ) -> Job:
        ctx = info.context
        doc = await speak_up.report_running_late(
            ctx.dispatch, ctx.board, ctx.viewer(), str(job_id), minutes, reason
        )
        return Job.from_doc(doc)

    @strawberry.mutation(
        description="Hand back a job not yet started, with a reason; not offered again today.",
        extensions=allow(Technician),
    )
    async def decline_job(self, info: Info, job_id: strawberry.ID, reason: str) -> Job:
        ctx = info.context
        return Job.from_doc(
            await speak_up.decline_job(ctx.dispatch, ctx.board, ctx.viewer(), str(job_id), reason)
        )

    @strawberry.mutation(description="Go on break (no active job).", extensions=allow(Technician))
    async def start_break(self, info: Info) -> TechnicianType:
        return TechnicianType.from_doc(
            await duty.start_break(info.context.dispatch, info.context.viewer())
        )

    @strawberry.mutation(description="Back from break; work follows.", extensions=allow(Technician))
    async def end_break(self, info: Info) -> TechnicianType:
        return TechnicianType.from_doc(
            await duty.end_break(info.context.dispatch, info.context.viewer())
        )

    @strawberry.mutation(
        description="Accept overtime today until a time (at most 8 hours ahead).",
        extensions=allow(Technician),
    )
    async def accept_overtime(self, info: Info, until: datetime) -> TechnicianType:
        ctx = info.context
        return TechnicianType.from_doc(
            await speak_up.accept_overtime(ctx.dispatch, ctx.viewer(), until)
        )

    @strawberry.mutation(
        description="Write to a technician (optionally answering an alert, which acknowledges it).",
        extensions=allow(Dispatcher),
    )
    async def reply_to_technician(
        self,
        info: Info,
        technician_id: strawberry.ID,
        text: str,
        alert_id: strawberry.ID | None = None,
    ) -> Message:
        ctx = info.context
        doc = await answers.reply(
            ctx.dispatch,
            ctx.board,
            ctx.viewer(),
            str(technician_id),
            text,
            str(alert_id) if alert_id else None,
        )
        return Message.from_doc(doc)

    @strawberry.mutation(description="Mark an alert as seen.", extensions=allow(Dispatcher))
    async def acknowledge_alert(self, info: Info, alert_id: strawberry.ID) -> Alert:
        ctx = info.context
        return Alert.from_doc(await ctx.board.acknowledge(ctx.viewer(), str(alert_id)))

    @strawberry.mutation(
        description="Answer a flagged late call: keep it with overtime, or reassign it.",
        extensions=allow(Dispatcher),
    )
    async def resolve_late_call(
        self,
        info: Info,
        alert_id: strawberry.ID,
        outcome: LateCallOutcome,
        note: str | None = None,
    ) -> Alert:
        ctx = info.context
        doc = await answers.resolve_late_call(
            ctx.dispatch, ctx.board, ctx.viewer(), str(alert_id), outcome, note
        )
        return Alert.from_doc(doc)


@strawberry.type
class VoiceSubscription:
    @strawberry.subscription(
        description="The technician's thread with dispatch: at once, then on every new message.",
        extensions=allow(Technician),
    )
    async def my_messages(self, info: Info) -> AsyncGenerator[list[Message], None]:
        ctx = info.context
        tech_id = ctx.viewer().subject
        last: int | None = None
        async with ctx.broker.subscribe(tech_channel(tech_id)) as events:
            while True:
                events.drain()
                ctx.check_token()
                docs = await ctx.board.thread(tech_id)
                newest = docs[-1]["seq"] if docs else 0
                if newest != last:
                    last = newest
                    yield [Message.from_doc(d) for d in docs]
                await events.next(within=ctx.settings.resync_seconds)
