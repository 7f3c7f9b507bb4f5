"""Relay-style connections: opaque cursors, filters and sorting for every list."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from api.core.validation import identifier
from api.persistence import paging
from api.persistence.store import Doc
from schema.enums import TechStatus
from schema.inputs import JobFilter
from schema.technician import Technician
from schema.types import Job

E = TypeVar("E")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow endCursor.")
    has_previous_page: bool = strawberry.field(description="More rows precede startCursor.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")

    @classmethod
    def of(cls, page: paging.Page) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


def _cursor() -> Any:
    return strawberry.field(description="Pass as `after`/`before` to page from here.")


def _page_info() -> Any:
    return strawberry.field(description="How to get the next page.")


def _edges(page: paging.Page, edge: Callable[..., E], node: Callable[[Doc], object]) -> list[E]:
    """One edge per row of the page, each with the row's cursor."""
    return [edge(cursor=c, node=node(d)) for c, d in zip(page.cursors, page.docs, strict=True)]


@strawberry.type(description="A job and its cursor.")
class JobEdge:
    cursor: str = _cursor()
    node: Job = strawberry.field(description="The job.")


@strawberry.type(description="A page of jobs.")
class JobConnection:
    edges: list[JobEdge] = strawberry.field(description="The jobs on this page, in order.")
    page_info: PageInfo = _page_info()

    @classmethod
    def of(cls, page: paging.Page) -> JobConnection:
        return cls(edges=_edges(page, JobEdge, Job.from_doc), page_info=PageInfo.of(page))


@strawberry.type(description="A technician and its cursor.")
class TechnicianEdge:
    cursor: str = _cursor()
    node: Technician = strawberry.field(description="The technician.")


@strawberry.type(description="A page of technicians.")
class TechnicianConnection:
    edges: list[TechnicianEdge] = strawberry.field(description="The technicians, in order.")
    page_info: PageInfo = _page_info()

    @classmethod
    def of(cls, page: paging.Page) -> TechnicianConnection:
        edges = _edges(page, TechnicianEdge, Technician.from_doc)
        return cls(edges=edges, page_info=PageInfo.of(page))


@strawberry.enum(description="Ascending or descending.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="What jobs can be sorted by (ties broken by id).")
class JobSortField(Enum):
    BOOKED_AT = "booked_at"
    PRIORITY = "_priority_rank"
    VALUE = "estimated_value"


@strawberry.enum(description="What technicians can be sorted by (ties broken by id).")
class TechnicianSortField(Enum):
    NAME = "name"
    STATUS = "status"


@strawberry.input(description="Order of a job list.")
class JobSort:
    field: JobSortField = strawberry.field(
        default=JobSortField.BOOKED_AT, description="Sort key; PRIORITY puts emergencies first."
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.input(description="Order of a technician list.")
class TechnicianSort:
    field: TechnicianSortField = strawberry.field(
        default=TechnicianSortField.NAME, description="Sort key."
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.input(description="An area: within radiusKm of a point.")
class NearInput:
    lat: float = strawberry.field(description="Latitude of the centre.")
    lon: float = strawberry.field(description="Longitude of the centre.")
    radius_km: float = strawberry.field(description="Radius in kilometres, at most 500.")


@strawberry.input(description="Which technicians to list; every condition must hold.")
class TechnicianFilter:
    statuses: list[TechStatus] | None = strawberry.field(default=None, description="Any of.")
    skills: list[str] | None = strawberry.field(default=None, description="Has all of.")
    near: NearInput | None = strawberry.field(default=None, description="Last seen in area.")


def job_match(f: JobFilter | None, near: NearInput | None) -> Doc:
    f = f or JobFilter()
    match: Doc = {}
    if f.statuses:
        match["status"] = {"$in": [s.value for s in f.statuses]}
    if f.kinds:
        match["kind"] = {"$in": [k.value for k in f.kinds]}
    if f.priorities:
        match["priority"] = {"$in": [p.value for p in f.priorities]}
    if f.technician_id:
        match["tech_id"] = identifier(str(f.technician_id), "technicianId")
    booked: Doc = {}
    if f.booked_from is not None:
        booked["$gte"] = f.booked_from
    if f.booked_to is not None:
        booked["$lt"] = f.booked_to
    if booked:
        match["booked_at"] = booked
    if near is not None:
        match["location"] = paging.near(near.lat, near.lon, near.radius_km)
    return match


def technician_match(f: TechnicianFilter | None) -> Doc:
    f = f or TechnicianFilter()
    match: Doc = {}
    if f.statuses:
        match["status"] = {"$in": [s.value for s in f.statuses]}
    if f.skills:
        match["skills"] = {"$all": [identifier(s, "skills") for s in f.skills]}
    if f.near is not None:
        match["location"] = paging.near(f.near.lat, f.near.lon, f.near.radius_km)
    return match
