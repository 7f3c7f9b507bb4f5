"""One step of a transition, inside its transaction: apply a move and log it.

A move names the states it may start from. If the document is not in one of them the
step raises CONFLICT (or NOT_FOUND when there is no such document for this caller), so
the whole transaction writes nothing. `transitions` runs the steps together.
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


async def job_step(
    store: Store,
    s: AsyncClientSession,
    move: JobMove,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    data: Doc | None,
) -> Doc:
    """Apply one job move inside the transaction `s` and log it."""
    query: Doc = {"_id": move.job_id, "status": {"$in": [st.value for st in move.from_]}}
    if move.owner is not None:
        query["tech_id"] = move.owner
    after = await _update_and_read(store.jobs, query, _update(move, now), s)
    if after is None:
        current = await store.jobs.find_one({"_id": move.job_id}, session=s)
        if current is None or (move.owner is not None and current.get("tech_id") != move.owner):
            raise NotFound(f"job {move.job_id} not found")
        raise Conflict(f"job {move.job_id} is {current['status']}; cannot make it {move.to.value}")
    data = {**(data or {}), "tech_id": after.get("tech_id")}
    await _log(store, s, "job", move.job_id, after, move, now, actor, event_type, data)
    return after


async def tech_step(
    store: Store,
    s: AsyncClientSession,
    move: TechMove,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    job_id: str | None,
) -> Doc:
    """Apply one technician move inside the transaction `s` and log it."""
    query: Doc = {"_id": move.tech_id, "status": {"$in": [st.value for st in move.from_]}}
    after = await _update_and_read(store.technicians, query, _update(move, now), s)
    if after is None:
        current = await store.technicians.find_one({"_id": move.tech_id}, session=s)
        if current is None:
            raise NotFound(f"technician {move.tech_id} not found")
        raise Conflict(
            f"technician {move.tech_id} is {current['status']}; cannot make it {move.to.value}"
        )
    data = {"job_id": job_id} if job_id else {}
    await _log(store, s, "technician", move.tech_id, after, move, now, actor, event_type, data)
    return after


async def _log(
    store: Store,
    s: AsyncClientSession,
    entity: str,
    entity_id: str,
    after: Doc,
    move: JobMove | TechMove,
    now: datetime,
    actor: Actor,
    event_type: EventType,
    data: Doc,
) -> None:
    await store.append_event(
        s,
        at=now,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        type_=event_type,
        before=_before(after, move),
        after=move.to.value,
        version=after["version"],
        data=data,
    )


async def book_step(
    store: Store, s: AsyncClientSession, job: Doc, now: datetime, actor: Actor, data: Doc | None
) -> None:
    """Insert a new booked job inside the transaction `s` and log it."""
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


def _before(after: Doc, move: JobMove | TechMove) -> str:
    """The status a document left: recorded on it as `previous_status` by the update."""
    prev: Any = after.get("previous_status")
    if isinstance(prev, str):
        return prev
    return move.from_[0].value if len(move.from_) == 1 else "unknown"
