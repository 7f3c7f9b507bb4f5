"""Work no technician can take today shows on the board: an alert with the reason (no
one has the skill, no qualified tech is working, the window is outside every shift or
has passed, no shift is long enough), raised at booking and whenever routing looks
again and finds it so (a tech going off duty, a shift ending)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.core.clock import company_day, parse_hhmm
from api.core.domain import ON_DUTY_STATUSES
from api.dispatch.deps import Dispatch
from api.dispatch.settled import UNASSIGNABLE, close_alert
from api.persistence import alerts as stored
from api.persistence import lookups
from api.persistence.store import Doc
from realtime import Event, board_channel
from routing import OpenJob
from routing.feasibility import LATE_TOLERANCE_MIN

RAISED_BY = "system"  # the technician id of alerts nobody raised by hand


@dataclass(frozen=True, slots=True)
class Working:
    """A technician who works (more) today: from when, until when (None: no limit)."""

    skills: frozenset[str]
    available_from: datetime
    works_until: datetime | None


def working_today(tech: Doc, now: datetime, tz: str) -> Working | None:
    """When this tech can still work today: on duty now, or rostered later today (an
    off-duty tech whose shift has not ended and who has not clocked off today)."""
    skills = frozenset(tech.get("skills", ()))
    if tech["status"] in ON_DUTY_STATUSES:
        ends = [t for t in (tech.get("shift_ends_at"), tech.get("overtime_until")) if t]
        return Working(skills, now, max(ends) if ends else None)
    off_at = tech.get("off_duty_at")
    if off_at is not None and company_day(off_at, tz) == company_day(now, tz):
        return None
    shift = tech.get("shift") or {"start": "08:00", "end": "17:00"}
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, parse_hhmm(shift["start"]), tzinfo=zone)
    end = datetime.combine(day, parse_hhmm(shift["end"]), tzinfo=zone)
    if end <= start:
        end += timedelta(days=1)
    return Working(skills, max(now, start), end) if end > now else None


def stuck_reason(
    job: OpenJob, working: list[Working], roster: list[frozenset[str]], now: datetime
) -> tuple[str, str] | None:
    """Why no technician can take `job` today, as (code, words); None if one can."""
    needs = job.required_skills
    label = ", ".join(sorted(needs)) or "none"
    if not any(needs <= skills for skills in roster):
        return "skill", f"No technician has the required skills ({label})."
    able = [w for w in working if needs <= w.skills]
    if not able:
        return "off", f"No technician with the skills ({label}) is working for the rest of today."
    latest = job.window_end + timedelta(minutes=LATE_TOLERANCE_MIN)
    if latest < now:
        return "passed", "Its arrival window has passed; rebook it with the customer."
    starts = [(w, max(w.available_from, job.window_start)) for w in able]
    within = [
        (w, s) for w, s in starts if s <= latest and (w.works_until is None or s < w.works_until)
    ]
    if not within:
        return "outside", "Its arrival window is outside every qualified technician's shift."
    duration = timedelta(minutes=job.duration_min)
    if not any(w.works_until is None or s + duration <= w.works_until for w, s in within):
        return "short", (
            f"No shift long enough: it needs {job.duration_min:.0f} min and no qualified "
            "technician's shift has that left (overtime would)."
        )
    return None


async def flag_unassignable(d: Dispatch) -> int:
    """Raise an alert for each booked job no technician can take today (once per job and
    reason); close those whose reason has gone. How many were raised."""
    await d.open_jobs.ensure_fresh()
    jobs = list(d.open_jobs.table().jobs)
    now, tz = d.clock(), await d.zone.current()
    techs = await lookups.all_technicians(d.store) if jobs else []
    working, roster = _crew(techs, now, tz)
    stuck: dict[str, str] = {}
    raised = 0
    for job in jobs:
        found = stuck_reason(job, working, roster, now)
        if found is None:
            continue
        stuck[job.id] = found[0]
        raised += await _raise(d, job.id, found, now)
    open_ids = {j.id for j in jobs}
    for job_id, code in list(d.flagged.items()):
        if job_id in open_ids and stuck.get(job_id) != code:
            # Still waiting, but not for that reason any more (a tech came on duty...).
            why = "closed by the system: that reason no longer holds"
            await close_alert(d.store, d.broker, d.clock, _alert_id(job_id, code), why)
    d.flagged.clear()
    d.flagged.update(stuck)
    return raised


async def flag_job(d: Dispatch, job: OpenJob, techs: list[Doc]) -> bool:
    """The booking's own check, on one job (the full pass runs with the background
    batch): raise its alert if no technician can take it today. Whether it is stuck."""
    now, tz = d.clock(), await d.zone.current()
    working, roster = _crew(techs, now, tz)
    found = stuck_reason(job, working, roster, now)
    if found is None:
        return False
    await _raise(d, job.id, found, now)
    d.flagged[job.id] = found[0]
    return True


def _crew(techs: list[Doc], now: datetime, tz: str) -> tuple[list[Working], list[frozenset[str]]]:
    """Who works today (with their hours) and every technician's skills."""
    working = [w for t in techs if (w := working_today(t, now, tz)) is not None]
    return working, [frozenset(t.get("skills", ())) for t in techs]


async def _raise(d: Dispatch, job_id: str, found: tuple[str, str], now: datetime) -> int:
    """Raise the alert for a stuck job unless this process already did; 1 if raised."""
    code, words = found
    if d.flagged.get(job_id) == code:
        return 0  # this process raised it already
    alert = await stored.raise_alert_once(d.store, _alert(job_id, code, words, now))
    if alert is None:
        return 0
    await d.broker.publish(
        board_channel(), Event(kind="alert", id=alert["_id"], version=alert["version"])
    )
    return 1


def _alert_id(job_id: str, code: str) -> str:
    # One alert per job and reason: two processes raising it make one.
    return f"alr_{code}_{job_id}"


def _alert(job_id: str, code: str, words: str, now: datetime) -> Doc:
    return {
        "_id": _alert_id(job_id, code),
        "kind": UNASSIGNABLE,
        "tech_id": RAISED_BY,
        "job_id": job_id,
        "text": words,
        "minutes": None,
        "status": "open",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
