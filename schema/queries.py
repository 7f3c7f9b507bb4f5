"""Read operations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.core.domain import Role as RoleEnum
from api.core.validation import identifier
from api.persistence import paging
from api.persistence.reads import MAX_PAGE, JobQuery
from schema.context import Info
from schema.enums import TechStatus
from schema.inputs import JobFilter
from schema.pagination import (
    JobConnection,
    JobSort,
    NearInput,
    SortDirection,
    TechnicianConnection,
    TechnicianFilter,
    TechnicianSort,
    job_match,
    technician_match,
)
from schema.permissions import Authenticated, JobsReader, JobViewer, TechniciansReader, allow
from schema.technician import Technician
from schema.types import Job, Me

_FIRST = "Page forward: at most this many (0-500, default 50)."
_AFTER = "Page forward: rows after this cursor."
_LAST = "Page backward: at most this many (0-500)."
_BEFORE = "Page backward: rows before this cursor."


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
        extensions=allow(JobViewer),
    )
    async def job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Job id.")],
    ) -> Job:
        doc = await info.context.reader.job_for(info.context.viewer(), str(id))
        return Job.from_doc(doc)

    @strawberry.field(
        description="Jobs, filtered, sorted and paged by cursor; stable while jobs are booked.",
        extensions=allow(JobsReader),
    )
    async def jobs_connection(
        self,
        info: Info,
        filter: Annotated[JobFilter | None, strawberry.argument(description="Conditions.")] = None,
        near: Annotated[NearInput | None, strawberry.argument(description="Area.")] = None,
        sort: Annotated[JobSort | None, strawberry.argument(description="Order.")] = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=_LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=_BEFORE)] = None,
    ) -> JobConnection:
        s = sort or JobSort()
        page = await paging.fetch_page(
            info.context.reader.store.jobs,
            job_match(filter, near),
            s.field.value,
            s.direction is SortDirection.DESC,
            paging.PageRequest(first, after, last, before),
        )
        return JobConnection.of(page)

    @strawberry.field(
        description="Technicians, filtered, sorted and paged by cursor.",
        extensions=allow(TechniciansReader),
    )
    async def technicians_connection(
        self,
        info: Info,
        filter: Annotated[
            TechnicianFilter | None, strawberry.argument(description="Conditions.")
        ] = None,
        sort: Annotated[TechnicianSort | None, strawberry.argument(description="Order.")] = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=_LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=_BEFORE)] = None,
    ) -> TechnicianConnection:
        s = sort or TechnicianSort()
        page = await paging.fetch_page(
            info.context.reader.store.technicians,
            technician_match(filter),
            s.field.value,
            s.direction is SortDirection.DESC,
            paging.PageRequest(first, after, last, before),
        )
        return TechnicianConnection.of(page)

    @strawberry.field(
        description=f"Jobs matching a filter, oldest booking first (at most {MAX_PAGE}).",
        extensions=allow(JobsReader),
        deprecation_reason="Use jobsConnection: cursor pages, sorting and an area filter.",
    )
    async def jobs(
        self,
        info: Info,
        filter: Annotated[JobFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: Annotated[int, strawberry.argument(description="At most this many.")] = 100,
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

    @strawberry.field(
        description="All technicians, by name.",
        extensions=allow(TechniciansReader),
        deprecation_reason="Use techniciansConnection: cursor pages, sorting and filters.",
    )
    async def technicians(
        self,
        info: Info,
        statuses: Annotated[
            list[TechStatus] | None, strawberry.argument(description="Any of these statuses.")
        ] = None,
    ) -> list[Technician]:
        docs = await info.context.reader.technicians(tuple(statuses or ()))
        return [Technician.from_doc(d) for d in docs]

    @strawberry.field(description="One technician.", extensions=allow(TechniciansReader))
    async def technician(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Technician id.")],
    ) -> Technician:
        return Technician.from_doc(await info.context.reader.technician(str(id)))
