"""The dispatch board: KPIs, and the live `board` stream for the map.

The stream says what changed and carries the fresh object, re-read from MongoDB.
Technician updates are coalesced per tech (at most one per `position_interval`), so a
fleet reporting positions every second cannot flood a browser; job and alert updates
are sent at once, and only when their version moved. A `RESYNC` update (at start, after
a broker reconnect, and every resync period) tells the page to reload the whole board.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry

from api.core.errors import Forbidden, InvalidInput
from api.insight import kpis as kpi
from realtime import board_channel
from schema.context import Info
from schema.permissions import BoardReader, Dispatcher, Staff, allow
from schema.technician import Technician
from schema.types import Job
from schema.voice_types import Alert


@strawberry.enum(description="What a board update carries.")
class BoardUpdateKind(Enum):
    RESYNC = "resync"
    TECHNICIAN = "technician"
    JOB = "job"
    ALERT = "alert"


@strawberry.type(description="One change on the board; reload everything on RESYNC.")
class BoardUpdate:
    kind: BoardUpdateKind = strawberry.field(description="Which object changed.")
    technician: Technician | None = strawberry.field(default=None, description="For TECHNICIAN.")
    job: Job | None = strawberry.field(default=None, description="For JOB.")
    _alert: strawberry.Private[Alert | None] = None

    @strawberry.field(description="For ALERT (dispatchers and managers only, like `alerts`).")
    def alert(self, info: Info) -> Alert | None:
        # ALERT updates are never sent to other viewers; this holds the rule on the field too.
        if self._alert is not None and not Dispatcher.admits(info.context.principal):
            raise Forbidden(Dispatcher.message or "only dispatchers and managers see alerts")
        return self._alert


@strawberry.type(description="A technician's utilization over the period.")
class TechnicianKpi:
    technician_id: strawberry.ID = strawberry.field(description="The technician.")
    on_duty_hours: float = strawberry.field(description="Hours on duty in the period.")
    on_site_hours: float = strawberry.field(description="Billable hours on site.")
    drive_hours: float = strawberry.field(description="Hours driving to jobs.")
    jobs_completed: int = strawberry.field(description="Jobs completed.")
    revenue: float = strawberry.field(description="Sold, dollars.")
    utilization: float | None = strawberry.field(description="On site / on duty.")
    overworked: bool = strawberry.field(description="Utilization above 95%: check it.")


@strawberry.type(description="KPIs for a period.")
class Kpis:
    start: datetime = strawberry.field(description="Period start (inclusive).")
    end: datetime = strawberry.field(description="Period end (exclusive).")
    revenue: float = strawberry.field(description="Sold on jobs completed in the period.")
    jobs_completed: int = strawberry.field(description="Jobs completed.")
    jobs_booked: int = strawberry.field(
        description=(
            "Calls booked in the period: each booking a CSR, dispatcher or integration made, "
            "counted once. The new job a reschedule makes carries an existing visit on and "
            "is not counted; a booked call later cancelled still counts."
        )
    )
    avg_revenue_per_call: float | None = strawberry.field(description="Revenue per completed job.")
    jobs_per_tech: float | None = strawberry.field(description="Completed jobs per working tech.")
    calls_booked_per_csr: list[CsrCount] = strawberry.field(description="Bookings by CSR.")
    on_time_rate: float | None = strawberry.field(
        description=(
            "Share of arrivals no later than the window's end (an early arrival, which the "
            "customer is told of first, counts as on time)."
        )
    )
    drive_share: float | None = strawberry.field(description="Drive / (drive + on site).")
    utilization_target: float = strawberry.field(description="The trade's gold standard, 0.75.")
    technicians: list[TechnicianKpi] = strawberry.field(description="Per technician.")


@strawberry.type(description="Calls one CSR booked.")
class CsrCount:
    csr: str = strawberry.field(description="The CSR's login.")
    calls: int = strawberry.field(description="Calls booked.")


@strawberry.type
class BoardQuery:
    @strawberry.field(
        description="KPIs for [from, to): at most 92 days.", extensions=allow(BoardReader)
    )
    async def kpis(
        self,
        info: Info,
        from_: Annotated[
            datetime, strawberry.argument(name="from", description="Start, inclusive.")
        ],
        to: Annotated[datetime, strawberry.argument(description="End, exclusive.")],
    ) -> Kpis:
        if from_.tzinfo is None or to.tzinfo is None:
            raise InvalidInput("from and to need a time zone offset", "from")
        if not from_ < to <= from_ + timedelta(days=92):
            raise InvalidInput("the period must be positive and at most 92 days", "to")
        dispatch = info.context.dispatch
        k = await kpi.load_and_compute(dispatch.store, from_, to, dispatch.clock())
        return Kpis(
            start=k.start,
            end=k.end,
            revenue=k.revenue,
            jobs_completed=k.jobs_completed,
            jobs_booked=k.jobs_booked,
            avg_revenue_per_call=k.avg_revenue_per_call,
            jobs_per_tech=k.jobs_per_tech,
            calls_booked_per_csr=[
                CsrCount(csr=c, calls=n) for c, n in k.calls_booked_per_csr.items()
            ],
            on_time_rate=k.on_time_rate,
            drive_share=k.drive_share,
            utilization_target=kpi.UTILIZATION_TARGET,
            technicians=[
                TechnicianKpi(
                    technician_id=strawberry.ID(t.tech_id),
                    on_duty_hours=t.on_duty_hours,
                    on_site_hours=t.on_site_hours,
                    drive_hours=t.drive_hours,
                    jobs_completed=t.jobs_completed,
                    revenue=t.revenue,
                    utilization=t.utilization,
                    overworked=t.warning,
                )
                for t in k.techs
            ],
        )


@strawberry.type
class BoardSubscription:
    @strawberry.subscription(
        description="Live board: technicians (coalesced), jobs and alerts as they change.",
        extensions=allow(Staff),
    )
    async def board(self, info: Info) -> AsyncGenerator[BoardUpdate, None]:
        ctx = info.context
        # Alerts carry vents, private to dispatch: the `alerts` query's rule, here too.
        sees_alerts = Dispatcher.admits(ctx.principal)
        interval = ctx.settings.board_position_interval
        sent_versions: dict[str, int] = {}
        last_tech_push: dict[str, float] = {}
        due: dict[str, float] = {}
        async with ctx.broker.subscribe(board_channel()) as events:
            yield BoardUpdate(kind=BoardUpdateKind.RESYNC)
            next_resync = time.monotonic() + ctx.settings.resync_seconds
            while True:
                now = time.monotonic()
                wait = min([*due.values(), next_resync]) - now
                event = await events.next(within=max(wait, 0.0))
                ctx.check_token()
                now = time.monotonic()
                if event is not None:
                    if event["kind"] == "technician":
                        earliest = last_tech_push.get(event["id"], 0.0) + interval
                        due.setdefault(event["id"], max(earliest, now))
                    elif event["kind"] == "job":
                        update = await _job_update(info, event["id"], sent_versions)
                        if update is not None:
                            yield update
                    elif event["kind"] == "alert" and sees_alerts:
                        doc = await ctx.board.find(event["id"])
                        if doc is not None and doc["version"] > sent_versions.get(doc["_id"], 0):
                            sent_versions[doc["_id"]] = doc["version"]
                            yield BoardUpdate(
                                kind=BoardUpdateKind.ALERT, _alert=Alert.from_doc(doc)
                            )
                    elif event["version"] < 0:  # the broker reconnected: events may be lost
                        yield BoardUpdate(kind=BoardUpdateKind.RESYNC)
                for tech_id in [t for t, at in due.items() if at <= now]:
                    del due[tech_id]
                    last_tech_push[tech_id] = now
                    doc = await ctx.reader.technician_or_none(tech_id)
                    if doc is not None:
                        tech = Technician.from_doc(doc)
                        yield BoardUpdate(kind=BoardUpdateKind.TECHNICIAN, technician=tech)
                if now >= next_resync:
                    next_resync = now + ctx.settings.resync_seconds
                    yield BoardUpdate(kind=BoardUpdateKind.RESYNC)


async def _job_update(info: Info, job_id: str, sent: dict[str, int]) -> BoardUpdate | None:
    doc = await info.context.reader.job_or_none(job_id)
    if doc is None or doc["version"] <= sent.get(job_id, 0):
        return None  # duplicate or out-of-order event: nothing new to show
    sent[job_id] = doc["version"]
    info.context.fresh_loaders()
    return BoardUpdate(kind=BoardUpdateKind.JOB, job=Job.from_doc(doc))
