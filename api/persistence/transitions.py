"""Conditional, versioned state transitions: each is one transaction plus its log entries.

One function per shape of change, each returning exactly what it moved: `move_job`,
`move_tech`, `move_job_and_tech`, `move_job_and_any_tech` (a job whose technician, if
it has one, is freed with it), and `book` (a new job into the pool). The moves
themselves (`JobMove`, `TechMove`) and how one is applied live in `steps`.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from api.core.events import EventType
from api.persistence.steps import Actor, JobMove, TechMove, book_step, job_step, tech_step
from api.persistence.store import Doc, Store


async def book(
    store: Store, job: Doc, *, now: datetime, actor: Actor, data: Doc | None = None
) -> None:
    """Insert a new booked job (see `documents.booked_job`) and log it, atomically."""

    async def work(s: AsyncClientSession) -> None:
        await book_step(store, s, job, now, actor, data)

    await store.transaction(work)


async def move_job(
    store: Store,
    *,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    job: JobMove,
    data: Doc | None = None,
) -> Doc:
    """Move one job, atomically with its log entry; returns the job after the move."""

    async def work(s: AsyncClientSession) -> Doc:
        return await job_step(store, s, job, now, actor, event_type, data)

    return await store.transaction(work)


async def move_tech(
    store: Store, *, now: datetime, actor: Actor, event_type: EventType, tech: TechMove
) -> Doc:
    """Move one technician, atomically with its log entry; returns the technician."""

    async def work(s: AsyncClientSession) -> Doc:
        return await tech_step(store, s, tech, now, actor, event_type, None)

    return await store.transaction(work)


async def move_job_and_tech(
    store: Store,
    *,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    job: JobMove,
    tech: TechMove,
    other_tech: TechMove | None = None,
    data: Doc | None = None,
) -> tuple[Doc, Doc]:
    """Move a job and its technician together, atomically; log each move.

    Returns the job and `tech` after the move (`other_tech` is for reassignment, where
    the old tech is freed as the new one becomes busy).
    """

    async def work(s: AsyncClientSession) -> tuple[Doc, Doc]:
        job_after = await job_step(store, s, job, now, actor, event_type, data)
        tech_after = await tech_step(store, s, tech, now, actor, event_type, job.job_id)
        if other_tech is not None:
            await tech_step(store, s, other_tech, now, actor, event_type, job.job_id)
        return job_after, tech_after

    return await store.transaction(work)


async def move_job_and_any_tech(
    store: Store,
    *,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    job: JobMove,
    tech: TechMove | None,
    data: Doc | None = None,
    successor: Doc | None = None,
) -> tuple[Doc, Doc | None]:
    """Move a job and, if it had one, its technician, atomically; log each move.

    `successor`, a new booked job carrying the visit on (a reschedule), is inserted and
    logged in the same transaction.
    """

    async def work(s: AsyncClientSession) -> tuple[Doc, Doc | None]:
        job_after = await job_step(store, s, job, now, actor, event_type, data)
        tech_after = None
        if tech is not None:
            tech_after = await tech_step(store, s, tech, now, actor, event_type, job.job_id)
        if successor is not None:
            await book_step(store, s, successor, now, actor, {"rescheduled_from": job.job_id})
        return job_after, tech_after

    return await store.transaction(work)


async def swap_job(
    store: Store,
    *,
    now: datetime,
    actor: Actor,
    bumped: JobMove,
    successor: Doc,
    job: JobMove,
    tech: TechMove,
    reasons: Doc,
) -> tuple[Doc, Doc, Doc]:
    """One tech's job swapped for another, atomically: `bumped` ends rescheduled (its
    visit carried on by `successor`, a new booked job) and `job` becomes the tech's.
    Either all of it happens or none (a maintenance bump). Returns the bumped job, the
    new job, and the technician."""

    async def work(s: AsyncClientSession) -> tuple[Doc, Doc, Doc]:
        old = await job_step(
            store, s, bumped, now, actor, EventType.JOB_RESCHEDULED, {"to": successor["_id"]}
        )
        await book_step(store, s, successor, now, actor, {"rescheduled_from": bumped.job_id})
        new = await job_step(
            store, s, job, now, actor, EventType.JOB_ASSIGNED, {"reasons": reasons}
        )
        after = await tech_step(store, s, tech, now, actor, EventType.JOB_ASSIGNED, job.job_id)
        return old, new, after

    return await store.transaction(work)
