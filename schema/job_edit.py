"""Editing a booked job (CSRs, dispatchers, managers, integrations with `jobs:write`)."""

from __future__ import annotations

import strawberry

from api.dispatch.job_edit import JobEdit, edit_booked_job
from schema.context import Info
from schema.enums import Priority
from schema.inputs import ArrivalWindowInput
from schema.permissions import Booker, allow
from schema.types import Job


@strawberry.input(description="Changes to a booked job; omitted fields stay as they are.")
class EditJobInput:
    arrival_window: ArrivalWindowInput | None = strawberry.field(
        default=None, description="New promised window."
    )
    estimated_value: float | None = strawberry.field(default=None, description="Expected value.")
    problem: str | None = strawberry.field(default=None, description="What the customer reports.")
    required_skills: list[str] | None = strawberry.field(
        default=None, description="Catalogue skills the tech must have."
    )
    priority: Priority | None = strawberry.field(default=None, description="Urgency.")
    notes: str | None = strawberry.field(default=None, description="The office's notes.")

    def edit(self) -> JobEdit:
        w = self.arrival_window
        return JobEdit(
            window=(w.start, w.end) if w else None,
            estimated_value=self.estimated_value,
            problem=self.problem,
            required_skills=tuple(self.required_skills)
            if self.required_skills is not None
            else None,
            priority=self.priority,
            notes=self.notes,
        )


@strawberry.type
class JobEditMutation:
    @strawberry.mutation(
        description=(
            "Edit a booked (not yet assigned) job as read at `version`; a stale version or "
            "an assigned job is a CONFLICT."
        ),
        extensions=allow(Booker),
    )
    async def edit_job(
        self, info: Info, id: strawberry.ID, version: int, input: EditJobInput
    ) -> Job:
        ctx = info.context
        doc = await edit_booked_job(
            ctx.dispatch,
            str(id),
            input.edit(),
            expect_version=version,
            actor=ctx.viewer().as_actor(),
        )
        return Job.from_doc(doc)
