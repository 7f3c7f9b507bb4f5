"""Conditional, versioned state transitions: each is one transaction plus its log entries.

A transition names the states it may start from. If the document is not in one of
them the transaction writes nothing and the caller gets CONFLICT (or NOT_FOUND when
there is no such document for this caller), never a half-done change.
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


async def _apply_job(store: Store, s: AsyncClientSession, move: JobMove, now: datetime) -> Doc:
    query: Doc = {"_id": move.job_id, "status": {"$in": [st.value for st in move.from_]}}
    if move.owner is not None:
        query["tech_id"] = move.owner
    job = await _update_and_read(store.jobs, query, _update(move, now), s)
    if job is not None:
        return job
    current = await store.jobs.find_one({"_id": move.job_id}, session=s)
    if current is None or (move.owner is not None and current.get("tech_id") != move.owner):
        raise NotFound(f"job {move.job_id} not found")
    raise Conflict(f"job {move.job_id} is {current['status']}; cannot make it {move.to.value}")


async def _apply_tech(store: Store, s: AsyncClientSession, move: TechMove, now: datetime) -> Doc:
    query: Doc = {"_id": move.tech_id, "status": {"$in": [st.value for st in move.from_]}}
    tech = await _update_and_read(store.technicians, query, _update(move, now), s)
    if tech is not None:
        return tech
    current = await store.technicians.find_one({"_id": move.tech_id}, session=s)
    if current is None:
        raise NotFound(f"technician {move.tech_id} not found")
    raise Conflict(
        f"technician {move.tech_id} is {current['status']}; cannot make it {move.to.value}"
    )


async def move_job(
    store: Store,
    s: AsyncClientSession,
    move: JobMove,
    *,
    now: datetime,
    actor: dict[str, str],
    event_type: str,
    data: Doc | None = None,
) -> Doc:
    """Apply one job move inside a transaction and log it."""
    after = await _apply_job(store, s, move, now)
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


async def move_tech(
    store: Store,
    s: AsyncClientSession,
    move: TechMove,
    *,
    now: datetime,
    actor: dict[str, str],
    event_type: str,
    job_id: str | None = None,
) -> Doc:
    """Apply one technician move inside a transaction and log it."""
    after = await _apply_tech(store, s, move, now)
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


async def transition(
    store: Store,
    *,
    now: datetime,
    actor: dict[str, str],
    event_type: str,
    job: JobMove | None = None,
    tech: TechMove | None = None,
    other_tech: TechMove | None = None,
    data: Doc | None = None,
) -> tuple[Doc | None, Doc | None]:
    """Move a job and up to two technicians together, atomically; log each move.

    Returns the job and the first technician after the move (`other_tech` is for
    reassignment, where the old tech is freed as the new one becomes busy).
    """
    job_id = job.job_id if job else None

    async def work(s: AsyncClientSession) -> tuple[Doc | None, Doc | None]:
        job_after = tech_after = None
        if job is not None:
            job_after = await move_job(
                store, s, job, now=now, actor=actor, event_type=event_type, data=data
            )
        for i, move in enumerate(m for m in (tech, other_tech) if m is not None):
            after = await move_tech(
                store, s, move, now=now, actor=actor, event_type=event_type, job_id=job_id
            )
            tech_after = after if i == 0 and tech is not None else tech_after
        return job_after, tech_after

    return await store.transaction(work)


def _before(after: Doc, move: JobMove | TechMove) -> str:
    """The status a document left: recorded on it as `previous_status` by the update."""
    prev: Any = after.get("previous_status")
    if isinstance(prev, str):
        return prev
    return move.from_[0].value if len(move.from_) == 1 else "unknown"
