"""The technician's voice in GraphQL: vents, late calls, running late, declines, breaks,
and the dispatcher's answers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from api.dispatch import duty
from api.voice import answers, speak_up
from api.voice.alerts import AlertStatus, LateCallOutcome
from realtime import tech_channel
from schema.context import Info
from schema.permissions import Dispatcher, Technician, allow
from schema.technician import Technician as TechnicianType
from schema.types import Job
from schema.voice_types import Alert, Message


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
        description=(
            "Ask an on-duty technician to stay on until a time (at most 8 hours ahead): "
            'their app offers "Accept overtime" and the ask is said in their thread.'
        ),
        extensions=allow(Dispatcher),
    )
    async def ask_overtime(
        self, info: Info, technician_id: strawberry.ID, until: datetime
    ) -> TechnicianType:
        ctx = info.context
        return TechnicianType.from_doc(
            await answers.ask_overtime(
                ctx.dispatch, ctx.board, ctx.viewer(), str(technician_id), until
            )
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
