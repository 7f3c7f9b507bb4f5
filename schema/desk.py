"""The booking desk: arrival windows with room left, geocoding, the CSR's own figures,
and the defaults the desk starts a booking from. Booking itself is `bookJob`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.core.domain import DEFAULT_DURATION_MIN
from api.customers.geocoding import geocode_address
from api.customers.service_area import base_point
from api.insight import booking_desk as desk
from api.persistence.company import read_company
from schema.context import Info
from schema.enums import JobKind
from schema.permissions import Booker, Staff, allow


@strawberry.type(description="A broad arrival window on one day, with the room left in it.")
class BookingWindow:
    start: datetime = strawberry.field(description="Window opens (the company's local time).")
    end: datetime = strawberry.field(description="Window closes.")
    capacity_minutes: float = strawberry.field(description="Bookable on-site minutes (from now).")
    booked_minutes: float = strawberry.field(description="Minutes of work already there.")
    room_minutes: float = strawberry.field(description="Capacity less booked, at least 0.")
    room_calls: int = strawberry.field(description="Calls of the asked kind that still fit.")
    jobs_booked: int = strawberry.field(description="Jobs with work in this window.")
    full: bool = strawberry.field(description="No room left (it can still be booked).")


@strawberry.type(description="Bookings of one kind.")
class KindCount:
    kind: JobKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="Calls booked.")
    value: float = strawberry.field(description="Their estimated value, $.")


@strawberry.type(description="The caller's bookings today (the company's local day).")
class DeskFigures:
    day: date = strawberry.field(description="The local day counted.")
    total: int = strawberry.field(description="Calls booked today.")
    value: float = strawberry.field(description="Their estimated value, $.")
    by_kind: list[KindCount] = strawberry.field(description="Every kind, zeros included.")


@strawberry.type(description="An address looked up; when not found, the CSR places the pin.")
class GeocodeResult:
    query: str = strawberry.field(description="The address as asked.")
    found: bool = strawberry.field(description="A point was found.")
    message: str = strawberry.field(description="What to tell the CSR.")
    lat: float | None = strawberry.field(description="Latitude, when found.")
    lon: float | None = strawberry.field(description="Longitude, when found.")
    label: str | None = strawberry.field(description="The geocoder's name for the place.")
    source: str = strawberry.field(description="`cache`, the provider's name, or `none`.")


@strawberry.type(description="What the desk fills in for a kind until the CSR changes it.")
class KindDefault:
    kind: JobKind = strawberry.field(description="The kind.")
    value: float = strawberry.field(description="Starting estimated value, $.")
    duration_minutes: float = strawberry.field(description="Typical minutes on site.")


@strawberry.type(description="Where the company works.")
class ServiceArea:
    lat: float = strawberry.field(description="The base's latitude.")
    lon: float = strawberry.field(description="The base's longitude.")
    radius_km: float | None = strawberry.field(description="Radius; null for a polygon.")


@strawberry.type(description="What the booking desk starts from.")
class BookingDefaults:
    timezone: str = strawberry.field(description="The company's time zone (IANA).")
    kinds: list[KindDefault] = strawberry.field(description="Per-kind starting values.")
    service_area: ServiceArea = strawberry.field(description="The service area's base.")


async def _timezone(info: Info) -> str:
    """The company's time zone: saved by a manager, else `NEXTJOB_TIMEZONE`."""
    return (await read_company(info.context.reader.store, info.context.settings)).timezone


def _now(info: Info) -> datetime:
    # The planner's clock: the one every dispatch action uses (tests and simulator inject it).
    now: datetime = info.context.planner.service.clock()
    return now


_DAYS = "Today and the following days, this many in all (1-14, default 5)."
_SKILLS = "Count only technicians with all of these skills."
_KIND = "The kind whose typical duration sizes `roomCalls` (default REPAIR)."


@strawberry.type
class DeskQuery:
    @strawberry.field(
        description="Broad arrival windows for booking, with the room left in each, from "
        "technicians' shifts, booked work and the look-ahead plan.",
        extensions=allow(Staff),
    )
    async def booking_windows(
        self,
        info: Info,
        days: Annotated[int, strawberry.argument(description=_DAYS)] = 5,
        skills: Annotated[list[str] | None, strawberry.argument(description=_SKILLS)] = None,
        kind: Annotated[JobKind, strawberry.argument(description=_KIND)] = JobKind.REPAIR,
    ) -> list[BookingWindow]:
        ctx = info.context
        rooms = await desk.booking_windows(
            ctx.reader.store,
            ctx.planner,
            ctx.settings,
            _now(info),
            days,
            skills or [],
            await _timezone(info),
        )
        call = float(DEFAULT_DURATION_MIN[kind])
        return [
            BookingWindow(
                start=r.start,
                end=r.end,
                capacity_minutes=round(r.capacity_min, 1),
                booked_minutes=round(r.booked_min, 1),
                room_minutes=round(r.room_min, 1),
                room_calls=int(r.room_min // call),
                jobs_booked=r.jobs,
                full=r.full,
            )
            for r in rooms
        ]

    @strawberry.field(
        description="The caller's own bookings today, by kind.", extensions=allow(Staff)
    )
    async def my_bookings(self, info: Info) -> DeskFigures:
        ctx = info.context
        figures = await desk.my_bookings(
            ctx.reader.store, ctx.viewer(), _now(info), await _timezone(info)
        )
        kinds = [KindCount(kind=f.kind, count=f.count, value=f.value) for f in figures.by_kind]
        return DeskFigures(
            day=figures.day,
            total=sum(k.count for k in kinds),
            value=round(sum(k.value for k in kinds), 2),
            by_kind=kinds,
        )

    @strawberry.field(
        description="Look an address up (cached). Not found: place the pin by hand. "
        "Outside the service area: BAD_USER_INPUT.",
        extensions=allow(Booker),
    )
    async def geocode_address(
        self,
        info: Info,
        address: Annotated[str, strawberry.argument(description="Street address.")],
    ) -> GeocodeResult:
        ctx = info.context
        a = await geocode_address(ctx.reader.store, ctx.settings, address, _now(info))
        return GeocodeResult(
            query=a.query,
            found=a.found,
            message=a.message,
            lat=a.lat,
            lon=a.lon,
            label=a.label,
            source=a.source,
        )

    @strawberry.field(
        description="What the booking desk starts from: per-kind values, skills, the area.",
        extensions=allow(Staff),
    )
    async def booking_defaults(self, info: Info) -> BookingDefaults:
        settings = info.context.settings
        values = desk.kind_defaults(settings)
        lat, lon = base_point(settings)
        radius = None if settings.service_area_geojson else settings.service_area_radius_km
        return BookingDefaults(
            timezone=await _timezone(info),
            kinds=[
                KindDefault(kind=k, value=v, duration_minutes=float(DEFAULT_DURATION_MIN[k]))
                for k, v in values.items()
            ],
            service_area=ServiceArea(lat=lat, lon=lon, radius_km=radius),
        )
