"""A technician's duty: on and off shift, breaks, and where they are."""

from __future__ import annotations

from api.core.domain import TechStatus
from api.core.errors import Conflict, NotFound
from api.core.events import EventType
from api.core.principal import Principal
from api.core.validation import coordinates
from api.dispatch import moves
from api.dispatch.assignment import dispatch_tech
from api.dispatch.deps import Dispatch, acting_tech, publish_tech
from api.dispatch.shifts import shift_ends_at
from api.dispatch.stuck import flag_unassignable
from api.persistence import lookups, updates
from api.persistence.company import read_company
from api.persistence.documents import geo_point
from api.persistence.steps import TechMove
from api.persistence.store import Doc
from api.persistence.transitions import move_tech
from realtime import Event, board_channel


async def go_on_duty(d: Dispatch, actor: Principal) -> Doc:
    """Start the shift (or come back from a break) and get the next job at once."""
    tech_id = acting_tech(actor)
    now = d.clock()
    doc = await lookups.technician(d.store, tech_id)
    if doc["status"] == TechStatus.INACTIVE.value:
        raise Conflict("this technician is deactivated; ask a manager to reactivate you")
    company = await read_company(d.store, d.settings)
    # The weekly shift pattern, in the company's time zone, sets when the shift ends.
    ends = shift_ends_at(doc, now, company.timezone)
    tech = await move_tech(
        d.store,
        now=now,
        actor=actor.as_actor(),
        event_type=EventType.TECH_ON_DUTY,
        tech=moves.on_duty(tech_id, now, ends),
    )
    await publish_tech(d, tech)
    await dispatch_tech(d, tech_id)
    return await lookups.technician(d.store, tech_id)


async def go_off_duty(d: Dispatch, actor: Principal) -> Doc:
    """End the shift; only a tech without a job may."""
    tech_id = acting_tech(actor)
    try:
        tech = await _step(d, actor, moves.off_duty(tech_id, d.clock()), EventType.TECH_OFF_DUTY)
    except Conflict as exc:
        raise Conflict(f"{exc.message}: finish or hand back the current job first") from exc
    await flag_unassignable(d)  # the only tech with a skill may just have left
    return tech


async def _step(d: Dispatch, actor: Principal, move: TechMove, event_type: EventType) -> Doc:
    tech = await move_tech(
        d.store, now=d.clock(), actor=actor.as_actor(), event_type=event_type, tech=move
    )
    await publish_tech(d, tech)
    return tech


async def start_break(d: Dispatch, actor: Principal) -> Doc:
    """A free tech pauses: routing sends nothing until the break ends."""
    return await _step(d, actor, moves.start_break(acting_tech(actor)), EventType.TECH_BREAK)


async def end_break(d: Dispatch, actor: Principal) -> Doc:
    """Back from the break, and straight to the next job if there is one."""
    tech = await _step(d, actor, moves.end_break(acting_tech(actor)), EventType.TECH_BACK)
    await dispatch_tech(d, tech["_id"])
    return await lookups.technician(d.store, tech["_id"])


async def report_locations(d: Dispatch, actor: Principal, fixes: list[tuple[float, float]]) -> int:
    """Many positions of one tech, oldest first (a phone's buffered fixes): each is
    checked, the newest is reported; how many were accepted."""
    acting_tech(actor)
    for lat, lon in fixes:
        coordinates(lat, lon)
    if fixes:
        await report_location(d, actor, *fixes[-1])
    if d.positions.following:
        d.positions.accepted += len(fixes) - 1  # the newest was counted by report_location
    return len(fixes)


async def report_location(d: Dispatch, actor: Principal, lat: float, lon: float) -> Doc:
    """Where the tech is: the board's map moves (positions are not logged). In a running
    app this is the position path (memory or Redis now, MongoDB at a bounded rate)."""
    tech_id = acting_tech(actor)
    coordinates(lat, lon)
    now = d.clock()
    if not d.positions.following:
        tech = await updates.tech_location(d.store, tech_id, lat, lon, now)
        if tech is None:
            raise NotFound(f"technician {tech_id} not found")
        await d.broker.publish(
            board_channel(), Event(kind="technician", id=tech_id, version=tech["version"])
        )
        return tech
    known = d.techs.get(tech_id)
    if known is None:
        known = await lookups.technician_or_none(d.store, tech_id)
        if known is None:
            raise NotFound(f"technician {tech_id} not found")
        d.techs.apply(known)
    d.positions.report(tech_id, lat, lon, now)
    return {**known, "location": geo_point(lat, lon), "location_at": now}
