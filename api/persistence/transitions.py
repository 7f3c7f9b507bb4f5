"""Conditional, versioned state transitions: each is one transaction plus its log entries.

A transition names the states it may start from. If the document is not in one of
them the transaction writes nothing and the caller gets CONFLICT (or NOT_FOUND when
there is no such document for this caller), never a half-done change.

One function per shape of change, each returning exactly what it moved: `move_job`,
`move_tech`, `move_job_and_tech`, `move_job_and_any_tech` (a job whose technician, if
it has one, is freed with it), and `book` (a new job into the pool).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from api.core.domain import JobStatus, TechStatus
from api.core.errors import Conflict, NotFound
from api.core.events import EventType
from api.persistence.store import Doc, Store


@dataclass(frozen=True, slots=True)
class TechMove:
    """The technician side of a job transition (or a tech-only transition)."""

    tech_id: str
    from_: Sequence[TechStatus]
    to: TechStatus
    set_: Doc = field(default_factory=dict)
    unset: Sequence[str] = ()
    inc: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobMove:
    job_id: str
    from_: Sequence[JobStatus]
    to: JobStatus
    set_: Doc = field(default_factory=dict)
    unset: Sequence[str] = ()
    owner: str | None = None  # the job must belong to this technician
    inc: dict[str, float] = field(default_factory=dict)


def _update(move: JobMove | TechMove, now: datetime) -> list[Doc]:
    """An update pipeline: remembers the status it left, sets the new one, bumps version.

    Every value goes in as `$literal`, so text that looks like an operator stays text.
    """
    values: Doc = {k: {"$literal": v} for k, v in move.set_.items()}
    values.update(
        {k: {"$add": [{"$ifNull": [f"${k}", 0]}, {"$literal": n}]} for k, n in move.inc.items()}
    )
    values.update(
        status={"$literal": move.to.value},
        updated_at={"$literal": now},
        version={"$add": [{"$ifNull": ["$version", 0]}, 1]},
    )
    stages: list[Doc] = [{"$set": {"previous_status": "$status"}}, {"$set": values}]
    if move.unset:
        stages.append({"$unset": list(move.unset)})
    return stages


async def _update_and_read(
    coll: AsyncCollection[Doc], query: Doc, update: list[Doc], s: AsyncClientSession
) -> Doc | None:
    # update + read by _id rather than find_one_and_update: same atomicity inside the
    # transaction, and far cheaper on servers that scan for findAndModify.
    result = await coll.update_one(query, update, session=s)
    if result.matched_count == 0:
        return None
    doc: Doc | None = await coll.find_one({"_id": query["_id"]}, session=s)
    return doc


Actor = dict[str, str]


async def _job_in(
    store: Store,
    s: AsyncClientSession,
    move: JobMove,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    data: Doc | None,
) -> Doc:
    """Apply one job move inside a transaction and log it."""
    query: Doc = {"_id": move.job_id, "status": {"$in": [st.value for st in move.from_]}}
    if move.owner is not None:
        query["tech_id"] = move.owner
    after = await _update_and_read(store.jobs, query, _update(move, now), s)
    if after is None:
        current = await store.jobs.find_one({"_id": move.job_id}, session=s)
        if current is None or (move.owner is not None and current.get("tech_id") != move.owner):
            raise NotFound(f"job {move.job_id} not found")
        raise Conflict(f"job {move.job_id} is {current['status']}; cannot make it {move.to.value}")
    await store.append_event(
        s,
        at=now,
        actor=actor,
        entity="job",
        entity_id=move.job_id,
        type_=event_type,
        before=_before(after, move),
        after=move.to.value,
        version=after["version"],
        data={**(data or {}), "tech_id": after.get("tech_id")},
    )
    return after


async def _tech_in(
    store: Store,
    s: AsyncClientSession,
    move: TechMove,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    job_id: str | None,
) -> Doc:
    """Apply one technician move inside a transaction and log it."""
    query: Doc = {"_id": move.tech_id, "status": {"$in": [st.value for st in move.from_]}}
    after = await _update_and_read(store.technicians, query, _update(move, now), s)
    if after is None:
        current = await store.technicians.find_one({"_id": move.tech_id}, session=s)
        if current is None:
            raise NotFound(f"technician {move.tech_id} not found")
        raise Conflict(
            f"technician {move.tech_id} is {current['status']}; cannot make it {move.to.value}"
        )
    await store.append_event(
        s,
        at=now,
        actor=actor,
        entity="technician",
        entity_id=move.tech_id,
        type_=event_type,
        before=_before(after, move),
        after=move.to.value,
        version=after["version"],
        data={"job_id": job_id} if job_id else {},
    )
    return after


async def _book_in(
    store: Store, s: AsyncClientSession, job: Doc, now: datetime, actor: Actor, data: Doc | None
) -> None:
    await store.jobs.insert_one(job, session=s)
    await store.append_event(
        s,
        at=now,
        actor=actor,
        entity="job",
        entity_id=job["_id"],
        type_=EventType.JOB_BOOKED,
        before=None,
        after=JobStatus.BOOKED.value,
        version=1,
        data=data,
    )


async def book(
    store: Store, job: Doc, *, now: datetime, actor: Actor, data: Doc | None = None
) -> None:
    """Insert a new booked job (see `documents.booked_job`) and log it, atomically."""

    async def work(s: AsyncClientSession) -> None:
        await _book_in(store, s, job, now, actor, data)

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
        return await _job_in(store, s, job, now, actor, event_type, data)

    return await store.transaction(work)


async def move_tech(
    store: Store, *, now: datetime, actor: Actor, event_type: EventType, tech: TechMove
) -> Doc:
    """Move one technician, atomically with its log entry; returns the technician."""

    async def work(s: AsyncClientSession) -> Doc:
        return await _tech_in(store, s, tech, now, actor, event_type, None)

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
        job_after = await _job_in(store, s, job, now, actor, event_type, data)
        tech_after = await _tech_in(store, s, tech, now, actor, event_type, job.job_id)
        if other_tech is not None:
            await _tech_in(store, s, other_tech, now, actor, event_type, job.job_id)
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
        job_after = await _job_in(store, s, job, now, actor, event_type, data)
        tech_after = None
        if tech is not None:
            tech_after = await _tech_in(store, s, tech, now, actor, event_type, job.job_id)
        if successor is not None:
            await _book_in(store, s, successor, now, actor, {"rescheduled_from": job.job_id})
        return job_after, tech_after

    return await store.transaction(work)


def _before(after: Doc, move: JobMove | TechMove) -> str:
    """The status a document left: recorded on it as `previous_status` by the update."""
    prev: Any = after.get("previous_status")
    if isinstance(prev, str):
        return prev
    return move.from_[0].value if len(move.from_) == 1 else "unknown"
