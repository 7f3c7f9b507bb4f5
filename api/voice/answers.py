"""Dispatch answers the technician: replies in the thread, and decisions on late calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.core.errors import Conflict, NotFound
from api.core.events import EventType
from api.core.principal import Principal
from api.core.validation import identifier, text
from api.customers.wording import clock_time
from api.dispatch.assignment import dispatch_idle
from api.dispatch.deps import Dispatch, publish_tech
from api.dispatch.handback import release
from api.persistence import lookups, updates
from api.persistence.store import Doc
from api.voice.alerts import AlertBoard, AlertKind, AlertStatus, LateCallOutcome
from api.voice.speak_up import check_overtime_end, grant_overtime


async def ask_overtime(
    d: Dispatch, board: AlertBoard, actor: Principal, tech_id: str, until: datetime
) -> Doc:
    """Ask an on-duty tech to stay until `until` (at most 8 hours on): recorded on the
    tech, so their app offers "Accept overtime", and said in their thread."""
    identifier(tech_id, "technicianId")
    now = d.clock()
    check_overtime_end(until, now)
    tech = await updates.overtime_asked(d.store, tech_id, until, now=now, actor=actor.as_actor())
    if tech is None:  # which refusal: read only on this rare path
        if await lookups.technician_or_none(d.store, tech_id) is None:
            raise NotFound(f"technician {tech_id} not found")
        raise Conflict("only a technician on duty can be asked to stay on")
    await publish_tech(d, tech)
    zone = ZoneInfo(await d.zone.current())
    ask = f"Can you stay until {clock_time(until, zone)}? Tap Accept overtime if you can."
    await board.post(tech_id, actor, "to_tech", ask, None)
    return tech


async def reply(
    d: Dispatch,
    board: AlertBoard,
    actor: Principal,
    tech_id: str,
    body: str,
    alert_id: str | None,
) -> Doc:
    """A message to the tech's phone; replying to an alert acknowledges it."""
    identifier(tech_id, "technicianId")
    said = text(body, "text", max_len=2000)
    await lookups.technician(d.store, tech_id)
    if alert_id is not None:
        await board.acknowledge(actor, alert_id)
    return await board.post(tech_id, actor, "to_tech", said, alert_id)


async def resolve_late_call(
    d: Dispatch,
    board: AlertBoard,
    actor: Principal,
    alert_id: str,
    outcome: LateCallOutcome,
    note: str | None,
) -> Doc:
    """Keep the job with overtime, or hand it back to the pool; the tech is told."""
    alert = await board.get(alert_id)
    if alert["kind"] != AlertKind.LATE_CALL.value:
        raise Conflict("that alert is not a late call")
    if alert["status"] == AlertStatus.RESOLVED.value:
        raise Conflict("this late call is already resolved")
    tech_id, job_id = alert["tech_id"], alert["job_id"]
    job = await lookups.job(d.store, job_id)
    if job.get("active_tech_id") != tech_id:
        raise Conflict("the job is no longer this technician's")
    if outcome is LateCallOutcome.KEEP_WITH_OVERTIME:
        until = d.clock() + timedelta(minutes=float(job["duration_min"]) + 60)
        # Overtime the tech already accepted may run longer: never shorten it.
        accepted = (await lookups.technician(d.store, tech_id)).get("overtime_until")
        if accepted is not None and accepted > until:
            until = accepted
        await grant_overtime(d, actor, tech_id, until, "late call kept")
        zone = ZoneInfo(await d.zone.current())
        # The tech reads it in the van: the company's clock, as on the rest of the app.
        message = f"Keep it: overtime approved until {clock_time(until, zone)}."
    else:
        await release(
            d,
            actor,
            job,
            event_type=EventType.JOB_RELEASED,
            reason="late call",
            # Dispatch's decision, not the tech's: it is no decline of theirs.
            remember_decline=False,
            keep_away=True,
        )
        message = "Dispatch is reassigning this call; you are free."
    if note:
        message += " " + text(note, "note", max_len=500)
    resolved = await board.resolve(actor, alert_id, outcome.value)
    if resolved is None:
        raise Conflict("this late call was resolved meanwhile")
    await board.post(tech_id, actor, "to_tech", message, alert_id)
    await board.publish(resolved)
    if outcome is LateCallOutcome.REASSIGN:
        await dispatch_idle(d)
    return resolved
