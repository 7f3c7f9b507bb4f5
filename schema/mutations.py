"""State changes: each calls a dispatch action, which checks and writes atomically."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.customers.service_area import check_service_area
from api.dispatch import booking, duty, overrides, work
from api.dispatch.booking_checks import prepare_booking
from schema.context import Info
from schema.inputs import BookJobInput
from schema.permissions import Booker, Canceller, Dispatcher, Technician, allow
from schema.technician import Technician as TechnicianType
from schema.types import Job


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Book a call into the bucket.", extensions=allow(Booker))
    async def book_job(self, info: Info, input: BookJobInput) -> Job:
        ctx = info.context
        check_service_area(ctx.settings, input.lat, input.lon, input.address)
        checked = await prepare_booking(
            ctx.dispatch.store,
            input.to_booking(),
            input.choices(),
            region=ctx.settings.default_region,
            now=ctx.dispatch.clock(),
            actor=ctx.viewer().as_actor(),
        )
        return Job.from_doc(await booking.book_job(ctx.dispatch, ctx.viewer(), checked))

    @strawberry.mutation(
        description="Start the shift: routing sends the first job.", extensions=allow(Technician)
    )
    async def go_on_duty(self, info: Info) -> TechnicianType:
        ctx = info.context
        return TechnicianType.from_doc(await duty.go_on_duty(ctx.dispatch, ctx.viewer()))

    @strawberry.mutation(
        description="End the shift (no active job allowed).", extensions=allow(Technician)
    )
    async def go_off_duty(self, info: Info) -> TechnicianType:
        ctx = info.context
        return TechnicianType.from_doc(await duty.go_off_duty(ctx.dispatch, ctx.viewer()))

    @strawberry.mutation(description="Report the phone's position.", extensions=allow(Technician))
    async def report_location(self, info: Info, lat: float, lon: float) -> TechnicianType:
        ctx = info.context
        return TechnicianType.from_doc(
            await duty.report_location(ctx.dispatch, ctx.viewer(), lat, lon)
        )

    @strawberry.mutation(description="Start driving to the job.", extensions=allow(Technician))
    async def start_travel(self, info: Info, job_id: strawberry.ID) -> Job:
        ctx = info.context
        return Job.from_doc(await work.start_travel(ctx.dispatch, ctx.viewer(), str(job_id)))

    @strawberry.mutation(description="Arrived at the customer.", extensions=allow(Technician))
    async def arrive(self, info: Info, job_id: strawberry.ID) -> Job:
        ctx = info.context
        return Job.from_doc(await work.arrive(ctx.dispatch, ctx.viewer(), str(job_id)))

    @strawberry.mutation(
        description="Finish the job with what was sold (0 if nothing); the next job follows.",
        extensions=allow(Technician),
    )
    async def complete_job(
        self,
        info: Info,
        job_id: strawberry.ID,
        sold_amount: float,
        note: Annotated[
            str | None,
            strawberry.argument(description="The technician's note on the visit, for the office."),
        ] = None,
    ) -> Job:
        ctx = info.context
        job = await work.complete_job(ctx.dispatch, ctx.viewer(), str(job_id), sold_amount, note)
        return Job.from_doc(job)

    @strawberry.mutation(
        description=(
            "Dispatcher override: give a booked job to an available technician. A tech "
            "without the job's required skills needs overrideSkills (else BAD_USER_INPUT "
            "on field overrideSkills); the override is recorded in the reasons."
        ),
        extensions=allow(Dispatcher),
    )
    async def assign_job(
        self,
        info: Info,
        job_id: strawberry.ID,
        technician_id: strawberry.ID,
        override_skills: Annotated[
            bool,
            strawberry.argument(description="Assign even though the tech lacks a skill."),
        ] = False,
    ) -> Job:
        ctx = info.context
        job = await overrides.assign_job(
            ctx.dispatch, ctx.viewer(), str(job_id), str(technician_id), override_skills
        )
        return Job.from_doc(job)

    @strawberry.mutation(
        description="Cancel a job that is not finished; its technician is freed.",
        extensions=allow(Canceller),
    )
    async def cancel_job(self, info: Info, job_id: strawberry.ID, reason: str) -> Job:
        ctx = info.context
        return Job.from_doc(
            await overrides.cancel_job(ctx.dispatch, ctx.viewer(), str(job_id), reason)
        )
