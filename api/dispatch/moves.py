"""Every allowed move of a job or a technician, defined once: the states it may start
from, the state it reaches, and what it records. Actions combine these into one
transition (`api.persistence.transitions`)."""

from __future__ import annotations

from datetime import datetime

from api.core.domain import JobStatus, TechStatus
from api.persistence.documents import ASSIGNMENT_FIELDS
from api.persistence.steps import JobMove, TechMove
from api.persistence.store import Doc

# What a job forgets when it is handed to another tech before work starts.
_TRAVEL_FIELDS = ("travel_started_at", "eta", "acknowledged_version", "acknowledged_at")


# ---- the job ---------------------------------------------------------------------------


def assign(
    job_id: str,
    tech_id: str,
    now: datetime,
    assignment: Doc,
    from_: JobStatus = JobStatus.BOOKED,
) -> JobMove:
    """The job becomes this tech's (from the pool, or from another tech: a reassignment
    forgets the old tech's travel and acknowledgement)."""
    return JobMove(
        job_id,
        (from_,),
        JobStatus.ASSIGNED,
        set_={
            "tech_id": tech_id,
            "active_tech_id": tech_id,
            "assigned_at": now,
            "assignment": assignment,
        },
        unset=() if from_ is JobStatus.BOOKED else _TRAVEL_FIELDS,
    )


def start_travel(job_id: str, tech_id: str, now: datetime) -> JobMove:
    return JobMove(
        job_id,
        (JobStatus.ASSIGNED,),
        JobStatus.EN_ROUTE,
        set_={"travel_started_at": now},
        owner=tech_id,
    )


def arrive(job_id: str, tech_id: str, now: datetime) -> JobMove:
    return JobMove(
        job_id, (JobStatus.EN_ROUTE,), JobStatus.ON_SITE, set_={"arrived_at": now}, owner=tech_id
    )


def complete(
    job_id: str, tech_id: str, now: datetime, sold: float, note: str | None = None
) -> JobMove:
    done: Doc = {"completed_at": now, "sold_amount": sold}
    if note:
        done["completion_note"] = note
    return JobMove(
        job_id,
        (JobStatus.ON_SITE,),
        JobStatus.COMPLETED,
        set_=done,
        unset=("active_tech_id",),
        owner=tech_id,
    )


def release(job: Doc) -> JobMove:
    """Back to the pool, forgetting its assignment."""
    return JobMove(
        job["_id"], (JobStatus(job["status"]),), JobStatus.BOOKED, unset=ASSIGNMENT_FIELDS
    )


def cancel(job: Doc, now: datetime, reason: str) -> JobMove:
    return JobMove(
        job["_id"],
        (JobStatus(job["status"]),),
        JobStatus.CANCELLED,
        set_={"cancelled_at": now, "cancel_reason": reason},
        unset=("active_tech_id",),
    )


def reschedule(job: Doc, successor_id: str, reason: str) -> JobMove:
    """This job ends; `successor_id` carries the visit on in a new window."""
    return JobMove(
        job["_id"],
        (JobStatus(job["status"]),),
        JobStatus.RESCHEDULED,
        set_={"rescheduled_to": successor_id, "reschedule_reason": reason},
        unset=("active_tech_id",),
    )


# ---- the technician --------------------------------------------------------------------


def occupy(tech_id: str, job_id: str) -> TechMove:
    """A free tech takes a job."""
    return TechMove(
        tech_id, (TechStatus.AVAILABLE,), TechStatus.BUSY, set_={"current_job_id": job_id}
    )


def switch(tech_id: str, job_id: str) -> TechMove:
    """A busy tech's job is swapped for another (a maintenance bump): busy throughout."""
    return TechMove(tech_id, (TechStatus.BUSY,), TechStatus.BUSY, set_={"current_job_id": job_id})


def free(
    tech_id: str,
    *,
    to: TechStatus = TechStatus.AVAILABLE,
    set_: Doc | None = None,
    inc: dict[str, float] | None = None,
) -> TechMove:
    """A busy tech lets go of their job (completed, cancelled, moved, handed back)."""
    return TechMove(
        tech_id, (TechStatus.BUSY,), to, set_=set_ or {}, unset=("current_job_id",), inc=inc or {}
    )


def completion_stats(kind: str, sold: float) -> dict[str, float]:
    """What a completion adds to a tech's results, overall and per kind (routing learns
    from these)."""
    sale = 1 if sold > 0 else 0
    out: dict[str, float] = {}
    for prefix in ("stats", f"stats_by_kind.{kind}"):
        out.update(
            {f"{prefix}.completed": 1, f"{prefix}.sales": sale, f"{prefix}.sold_total": sold}
        )
    return out


def on_duty(tech_id: str, now: datetime, shift_ends: datetime) -> TechMove:
    return TechMove(
        tech_id,
        (TechStatus.OFF_DUTY, TechStatus.ON_BREAK),
        TechStatus.AVAILABLE,
        set_={"shift_ends_at": shift_ends, "on_duty_since": now},
    )


def off_duty(tech_id: str, now: datetime) -> TechMove:
    """Clocked off: `off_duty_at` says the tech is done for the day (see `stuck`)."""
    return TechMove(
        tech_id,
        (TechStatus.AVAILABLE, TechStatus.ON_BREAK),
        TechStatus.OFF_DUTY,
        set_={"off_duty_at": now},
        unset=("shift_ends_at", "on_duty_since"),
    )


def start_break(tech_id: str) -> TechMove:
    return TechMove(tech_id, (TechStatus.AVAILABLE,), TechStatus.ON_BREAK)


def end_break(tech_id: str) -> TechMove:
    return TechMove(tech_id, (TechStatus.ON_BREAK,), TechStatus.AVAILABLE)
