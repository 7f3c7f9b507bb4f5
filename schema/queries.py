"""Read operations."""

from __future__ import annotations

import strawberry

from api.domain import Role as RoleEnum
from api.reads import MAX_PAGE, JobQuery
from api.validation import identifier
from schema.context import Info
from schema.enums import TechStatus
from schema.inputs import JobFilter
from schema.permissions import Authenticated, BoardReader, allow
from schema.types import Job, Me, Technician


@strawberry.type
class Query:
    @strawberry.field(description="Who the caller is.", extensions=allow(Authenticated))
    async def me(self, info: Info) -> Me:
        p = info.context.viewer()
        tech = None
        if p.role is RoleEnum.TECHNICIAN:
            tech = Technician.from_doc(await info.context.reader.technician(p.subject))
        return Me(role=p.role, subject=p.subject, technician=tech)

    @strawberry.field(
        description="One job. A technician can read only jobs assigned to them.",
        extensions=allow(Authenticated),
    )
    async def job(self, info: Info, id: strawberry.ID) -> Job:
        doc = await info.context.reader.job_for(info.context.viewer(), str(id))
        return Job.from_doc(doc)

    @strawberry.field(
        description=f"Jobs matching a filter, oldest booking first (at most {MAX_PAGE}).",
        extensions=allow(BoardReader),
    )
    async def jobs(
        self, info: Info, filter: JobFilter | None = None, first: int = 100
    ) -> list[Job]:
        f = filter or JobFilter()
        q = JobQuery(
            statuses=tuple(f.statuses or ()),
            kinds=tuple(k.value for k in f.kinds or ()),
            priorities=tuple(p.value for p in f.priorities or ()),
            tech_id=identifier(str(f.technician_id), "technicianId") if f.technician_id else None,
            booked_from=f.booked_from,
            booked_to=f.booked_to,
            limit=first,
        )
        return [Job.from_doc(d) for d in await info.context.reader.jobs(q)]

    @strawberry.field(description="All technicians, by name.", extensions=allow(BoardReader))
    async def technicians(
        self, info: Info, statuses: list[TechStatus] | None = None
    ) -> list[Technician]:
        docs = await info.context.reader.technicians(tuple(statuses or ()))
        return [Technician.from_doc(d) for d in docs]

    @strawberry.field(description="One technician.", extensions=allow(BoardReader))
    async def technician(self, info: Info, id: strawberry.ID) -> Technician:
        return Technician.from_doc(await info.context.reader.technician(str(id)))
