"""Dispatcher actions on the board, and the phone's acknowledgement."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.dispatch import overrides
from api.dispatch.maintenance_bump import bump, suggest_bump
from api.voice.acknowledgements import acknowledge_job
from schema.context import Info
from schema.inputs import ArrivalWindowInput
from schema.permissions import Dispatcher, Technician, allow
from schema.technician import Technician as TechnicianType
from schema.types import Job


@strawberry.type(description="A maintenance visit that could make room for broken equipment.")
class BumpSuggestion:
    maintenance_job: Job = strawberry.field(description="The visit to move to tomorrow.")
    technician: TechnicianType = strawberry.field(description="The tech it frees.")
    travel_minutes: float = strawberry.field(description="That tech's drive to the emergency.")


@strawberry.type(description="The outcome of bumping a maintenance visit.")
class BumpResult:
    job: Job = strawberry.field(description="The broken-equipment job, now assigned.")
    rescheduled: Job = strawberry.field(description="The maintenance visit's new booking.")


@strawberry.type
class DispatcherQuery:
    @strawberry.field(
        description="Which maintenance visit to bump so a tech can take this emergency (or null).",
        extensions=allow(Dispatcher),
    )
    async def maintenance_bump_suggestion(
        self, info: Info, job_id: strawberry.ID
    ) -> BumpSuggestion | None:
        s = await suggest_bump(info.context.dispatch, str(job_id))
        if s is None:
            return None
        return BumpSuggestion(
            maintenance_job=Job.from_doc(s.maintenance_job),
            technician=TechnicianType.from_doc(s.tech),
            travel_minutes=round(s.travel_minutes, 1),
        )


@strawberry.type
class DispatcherMutation:
    @strawberry.mutation(
        description=(
            "Move a job to another available technician at once (the old one is freed). "
            "A job whose tech is driving to it needs force; a tech without the job's "
            "required skills needs overrideSkills (else BAD_USER_INPUT on field "
            "overrideSkills), recorded in the reasons."
        ),
        extensions=allow(Dispatcher),
    )
    async def reassign_job(
        self,
        info: Info,
        job_id: strawberry.ID,
        technician_id: strawberry.ID,
        force: bool = False,
        override_skills: Annotated[
            bool,
            strawberry.argument(description="Reassign even though the tech lacks a skill."),
        ] = False,
    ) -> Job:
        ctx = info.context
        doc = await overrides.reassign(
            ctx.dispatch, ctx.viewer(), str(job_id), str(technician_id), force, override_skills
        )
        return Job.from_doc(doc)

    @strawberry.mutation(
        description="Take a job back from its technician into the bucket.",
        extensions=allow(Dispatcher),
    )
    async def unassign_job(self, info: Info, job_id: strawberry.ID, reason: str) -> Job:
        ctx = info.context
        return Job.from_doc(
            await overrides.unassign(ctx.dispatch, ctx.viewer(), str(job_id), reason)
        )

    @strawberry.mutation(
        description=(
            "Move a visit not yet started to a new window: this job becomes RESCHEDULED and "
            "the returned new job carries the visit; the customer is told."
        ),
        extensions=allow(Dispatcher),
    )
    async def reschedule_job(
        self, info: Info, job_id: strawberry.ID, window: ArrivalWindowInput, reason: str
    ) -> Job:
        ctx = info.context
        doc = await overrides.reschedule(
            ctx.dispatch, ctx.viewer(), str(job_id), window.start, window.end, reason
        )
        return Job.from_doc(doc)

    @strawberry.mutation(
        description=(
            "Make room for broken equipment: move the suggested maintenance visit to the same "
            "window tomorrow and give its tech this job."
        ),
        extensions=allow(Dispatcher),
    )
    async def bump_maintenance(self, info: Info, job_id: strawberry.ID) -> BumpResult:
        ctx = info.context
        job, moved = await bump(ctx.dispatch, ctx.viewer(), str(job_id))
        return BumpResult(job=Job.from_doc(job), rescheduled=Job.from_doc(moved))

    @strawberry.mutation(
        description="The phone shows this job (at this version): clears the board's alert.",
        extensions=allow(Technician),
    )
    async def acknowledge_job(self, info: Info, job_id: strawberry.ID, version: int) -> Job:
        ctx = info.context
        return Job.from_doc(await acknowledge_job(ctx.dispatch, ctx.viewer(), str(job_id), version))
