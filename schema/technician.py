"""A field technician as the API shows them: results, shift, place, overtime."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.core import domain
from api.persistence.store import Doc
from schema.context import Info
from schema.enums import TechStatus
from schema.permissions import Staff, allow
from schema.places import Location
from schema.shifts import ShiftDay, Weekday


@strawberry.type(description="A technician's results, the only basis routing judges on.")
class TechnicianStats:
    jobs_completed: int = strawberry.field(description="Completed jobs.")
    sales: int = strawberry.field(description="Completed jobs where something was sold.")
    sold_total: float = strawberry.field(description="Total sold, dollars.")


@strawberry.type(description="A field technician.")
class Technician:
    id: strawberry.ID = strawberry.field(description="Opaque technician id.")
    version: int = strawberry.field(description="Bumped by every change.")
    name: str = strawberry.field(description="Display name.")
    skills: list[str] = strawberry.field(description="What the tech is qualified for.")
    status: TechStatus = strawberry.field(description="Current status.")
    location: Location | None = strawberry.field(description="Last reported position.")
    location_at: datetime | None = strawberry.field(description="When it was reported.")
    home: Location | None = strawberry.field(description="Home base.")
    shift_start: str = strawberry.field(description="Scheduled shift start, HH:MM local.")
    shift_end: str = strawberry.field(description="Scheduled shift end, HH:MM local.")
    shift_ends_at: datetime | None = strawberry.field(description="Today's shift end.")
    current_job_id: strawberry.ID | None = strawberry.field(description="Active job, if any.")
    _stats: strawberry.Private[Doc]
    _doc: strawberry.Private[Doc]

    @strawberry.field(description="The tech's phone (E.164).", extensions=allow(Staff))
    def phone(self) -> str | None:
        phone: str | None = self._doc.get("phone")
        return phone

    @strawberry.field(description="Shift hours per weekday (local time); missing days off.")
    def weekly_shift(self) -> list[ShiftDay]:
        pattern: dict[str, dict[str, str]] = self._doc.get("weekly_shift") or {}
        return [
            ShiftDay(day=Weekday(d), start=h["start"], end=h["end"]) for d, h in pattern.items()
        ]

    _declined: strawberry.Private[list[str]]
    _declined_day: strawberry.Private[str | None]
    _overtime_until: strawberry.Private[datetime | None]

    @strawberry.field(
        description=(
            "Jobs this tech handed back today, the company's day in its time zone "
            "(cherry-picking shows here)."
        ),
        extensions=allow(Staff),
    )
    async def declines_today(self, info: Info) -> int:
        ctx = info.context
        today = await ctx.dispatch.zone.today(ctx.dispatch.clock)
        return len(self._declined) if self._declined_day == today else 0

    @strawberry.field(
        description=(
            "Overtime the tech accepted or dispatch granted: work may run until then "
            "(null when none, or when it has passed)."
        ),
        extensions=allow(Staff),
    )
    def overtime_until(self, info: Info) -> datetime | None:
        until = self._overtime_until
        return until if until is not None and until > info.context.dispatch.clock() else None

    @strawberry.field(
        description=(
            "Dispatch asked the tech to stay on until then (null when not asked, when "
            "answered by accepted overtime, or when it has passed). The tech's app offers "
            '"Accept overtime" while it is set.'
        ),
    )
    def overtime_asked_until(self, info: Info) -> datetime | None:
        asked: datetime | None = self._doc.get("overtime_asked_until")
        return asked if asked is not None and asked > info.context.dispatch.clock() else None

    @strawberry.field(description="Results to date.", extensions=allow(Staff))
    def stats(self) -> TechnicianStats:
        return TechnicianStats(
            jobs_completed=int(self._stats.get("completed", 0)),
            sales=int(self._stats.get("sales", 0)),
            sold_total=float(self._stats.get("sold_total", 0.0)),
        )

    @classmethod
    def from_doc(cls, d: Doc) -> Technician:
        shift = d.get("shift") or {"start": "08:00", "end": "17:00"}
        current = d.get("current_job_id")
        return cls(
            id=strawberry.ID(d["_id"]),
            version=d.get("version", 0),
            name=d["name"],
            skills=list(d.get("skills", [])),
            status=domain.TechStatus(d["status"]),
            location=Location.from_geo(d.get("location")),
            location_at=d.get("location_at"),
            home=Location.from_geo(d.get("home")),
            shift_start=shift["start"],
            shift_end=shift["end"],
            shift_ends_at=d.get("shift_ends_at"),
            current_job_id=strawberry.ID(current) if current else None,
            _stats=d.get("stats") or {},
            _doc=d,
            _declined=list(d.get("declined_today", [])),
            _declined_day=d.get("declined_day"),
            _overtime_until=d.get("overtime_until"),
        )
