"""Giving a job back to the pool: the one place that frees a job and its technician
together (declines, reassigned late calls, dispatcher unassign, silent phones)."""

from __future__ import annotations

from api.core.domain import TechStatus
from api.core.events import EventType
from api.core.principal import Principal
from api.dispatch import moves
from api.dispatch.deps import Dispatch, publish_job, publish_tech
from api.persistence import lookups
from api.persistence.store import Doc
from api.persistence.transitions import move_job_and_tech

# The day's lists routing keeps a tech's jobs out of; `declined_day` says which day.
_TODAY_LISTS = ("declined_today", "kept_away_today")


async def release(
    d: Dispatch,
    actor: Principal,
    job: Doc,
    *,
    event_type: EventType,
    reason: str,
    remember_decline: bool,
    keep_away: bool = False,
    tech_to: TechStatus = TechStatus.AVAILABLE,
) -> tuple[Doc, Doc]:
    """Job back to booked and its tech freed, in one transaction.

    With `remember_decline` the job joins the tech's declines for today (the company's
    day), so routing never offers it to that tech again and the board counts it. With
    `keep_away` it is only kept from that tech today: dispatch took it off them, which
    is no decline of theirs.
    """
    tech_id = job["active_tech_id"]
    set_tech: Doc = {}
    inc: dict[str, float] = {}
    if remember_decline or keep_away:
        tech_doc = await lookups.technician(d.store, tech_id)
        today = await d.zone.today(d.clock)
        fresh = tech_doc.get("declined_day") == today
        field = "declined_today" if remember_decline else "kept_away_today"
        lists = {f: tech_doc.get(f, []) if fresh else [] for f in _TODAY_LISTS}
        lists[field] = [*lists[field], job["_id"]]
        set_tech = {**lists, "declined_day": today}
        if remember_decline:
            inc = {"declines_total": 1}
    released, tech = await move_job_and_tech(
        d.store,
        now=d.clock(),
        actor=actor.as_actor(),
        event_type=event_type,
        data={"reason": reason},
        job=moves.release(job),
        tech=moves.free(tech_id, to=tech_to, set_=set_tech, inc=inc),
    )
    await publish_job(d, {**released, "tech_id": tech_id})  # the old phone looks again
    await publish_tech(d, tech)
    return released, tech
