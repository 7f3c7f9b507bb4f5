"""Editing a booked job: window, value, problem, skills, priority, notes.

Only a job still in the bucket (BOOKED) can be edited, and only at the version the
editor read: a job that moved on or changed meanwhile is a CONFLICT, never a silent
overwrite. The edit is one versioned write logged in `events`; the open-job index and
the board then hear about it, and routing looks again (new skills or a new window may
make a waiting technician the right one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.core.domain import JobStatus, Priority
from api.core.errors import InvalidInput
from api.core.events import EventType
from api.core.validation import MAX_JOB_VALUE, arrival_window, identifier, money, text
from api.dispatch.assignment import dispatch_idle
from api.dispatch.deps import Dispatch, publish_job
from api.dispatch.skills import require_known
from api.persistence.records import update_record
from api.persistence.store import Doc, Store


@dataclass(frozen=True, slots=True)
class JobEdit:
    """The changes; `None` leaves a field as it is."""

    window: tuple[datetime, datetime] | None = None
    estimated_value: float | None = None
    problem: str | None = None
    required_skills: tuple[str, ...] | None = None
    priority: Priority | None = None
    notes: str | None = None


async def _changes(store: Store, e: JobEdit, now: datetime) -> Doc:
    out: Doc = {}
    if e.window is not None:
        out["window_start"], out["window_end"] = arrival_window(*e.window, now)
    if e.estimated_value is not None:
        out["estimated_value"] = money(e.estimated_value, "estimatedValue", maximum=MAX_JOB_VALUE)
    if e.problem is not None:
        out["problem"] = text(e.problem, "problem", max_len=2000)
    if e.required_skills is not None:
        out["required_skills"] = list(
            await require_known(store, e.required_skills, "requiredSkills")
        )
    if e.priority is not None:
        out["priority"] = e.priority.value
    if e.notes is not None:
        out["notes"] = text(e.notes, "notes", max_len=4000, min_len=0)
    if not out:
        raise InvalidInput("nothing to change", "input")
    return out


async def edit_booked_job(
    d: Dispatch,
    job_id: str,
    edit: JobEdit,
    *,
    expect_version: int,
    actor: dict[str, str],
) -> Doc:
    """Apply an edit to a BOOKED job read at `expect_version`; CONFLICT otherwise."""
    identifier(job_id, "jobId")
    store, now = d.store, d.clock()
    changes = await _changes(store, edit, now)
    job = await update_record(
        store,
        "jobs",
        job_id,
        changes=changes,
        require={"status": JobStatus.BOOKED.value},
        expect_version=expect_version,
        now=now,
        actor=actor,
        entity="job",
        event_type=EventType.JOB_EDITED,
        explain=lambda cur: (
            f"job {job_id} is {cur['status']}; only a booked job can be edited (unassign it first)"
        ),
    )
    await publish_job(d, job)
    await dispatch_idle(d)
    return job
