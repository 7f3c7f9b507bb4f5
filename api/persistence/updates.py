"""Writes that are not status transitions: field updates on one job or technician.

A change the board shows bumps `version` and, where it is a decision someone made,
is logged in the same transaction; bookkeeping (acknowledgements) bumps nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from api.core.domain import ON_DUTY_STATUSES, JobStatus
from api.core.errors import Conflict
from api.core.events import EventType
from api.persistence.documents import geo_point
from api.persistence.store import Doc, Store


async def customer_id(store: Store, name: str, phone: str, now: datetime) -> str:
    """The customer with this phone (created or renamed), by id."""
    for _ in range(2):
        try:
            doc = await store.customers.find_one_and_update(
                {"phone": phone},
                {
                    "$set": {"name": name, "updated_at": now},
                    "$setOnInsert": {"_id": "cus_" + secrets.token_hex(8), "created_at": now},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue  # a concurrent booking created the customer first
        if doc is not None:
            return str(doc["_id"])
    raise Conflict("customer record is being created concurrently; try again")


async def tech_location(
    store: Store, tech_id: str, lat: float, lon: float, now: datetime
) -> Doc | None:
    """Where the technician is now (not logged: positions are not decisions)."""
    doc: Doc | None = await store.technicians.find_one_and_update(
        {"_id": tech_id},
        {"$set": {"location": geo_point(lat, lon), "location_at": now}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def tech_locations(store: Store, positions: dict[str, tuple[float, float, datetime]]) -> None:
    """Persist the newest positions of many techs at once (no version bump: positions
    are not decisions); an older position never overwrites a newer one."""
    ops = [
        UpdateOne(
            {
                "_id": tech_id,
                "$or": [{"location_at": {"$lt": at}}, {"location_at": {"$exists": False}}],
            },
            {"$set": {"location": geo_point(lat, lon), "location_at": at}},
        )
        for tech_id, (lat, lon, at) in positions.items()
    ]
    if ops:
        await store.technicians.bulk_write(ops, ordered=False)


async def _logged_update(
    store: Store,
    entity: str,
    query: Doc,
    set_: Doc,
    *,
    now: datetime,
    actor: dict[str, str],
    event_type: EventType,
    data: Doc,
) -> Doc | None:
    """Set fields on one document, bump its version and log it, in one transaction;
    None (nothing written) when `query` matches nothing."""
    coll = store.jobs if entity == "job" else store.technicians

    async def work(s: AsyncClientSession) -> Doc | None:
        update = {"$set": {**set_, "updated_at": now}, "$inc": {"version": 1}}
        if (await coll.update_one(query, update, session=s)).matched_count == 0:
            return None
        doc: Doc | None = await coll.find_one({"_id": query["_id"]}, session=s)
        if doc is None:
            return None
        await store.append_event(
            s,
            at=now,
            actor=actor,
            entity=entity,
            entity_id=query["_id"],
            type_=event_type,
            before=doc["status"],
            after=doc["status"],
            version=doc["version"],
            data=data,
        )
        return doc

    return await store.transaction(work)


async def job_eta(
    store: Store,
    job_id: str,
    tech_id: str,
    eta: datetime,
    *,
    now: datetime,
    actor: dict[str, str],
    reason: str,
) -> Doc | None:
    """The technician's new arrival time for their active job, logged; None if the job
    is no longer theirs."""
    return await _logged_update(
        store,
        "job",
        {"_id": job_id, "active_tech_id": tech_id},
        {"eta": eta},
        now=now,
        actor=actor,
        event_type=EventType.JOB_ETA,
        data={"eta": eta, "reason": reason},
    )


async def overtime(
    store: Store,
    tech_id: str,
    until: datetime,
    *,
    now: datetime,
    actor: dict[str, str],
    reason: str,
) -> Doc | None:
    """The technician works until `until` (which answers any ask), logged; None if there
    is no such technician."""
    return await _logged_update(
        store,
        "technician",
        {"_id": tech_id},
        {"overtime_until": until, "overtime_asked_until": None},
        now=now,
        actor=actor,
        event_type=EventType.TECH_OVERTIME,
        data={"until": until, "reason": reason},
    )


async def overtime_asked(
    store: Store, tech_id: str, until: datetime, *, now: datetime, actor: dict[str, str]
) -> Doc | None:
    """Dispatch asks the technician to stay until `until`, logged; None if there is no
    such technician on duty (off duty or deactivated: nobody to ask)."""
    return await _logged_update(
        store,
        "technician",
        {"_id": tech_id, "status": {"$in": list(ON_DUTY_STATUSES)}},
        {"overtime_asked_until": until},
        now=now,
        actor=actor,
        event_type=EventType.TECH_OVERTIME_ASKED,
        data={"until": until},
    )


async def acknowledge(
    store: Store, job_id: str, tech_id: str, version: int, now: datetime
) -> Doc | None:
    """The phone shows this job at `version`: bookkeeping only, no version bump (so an
    acknowledgement never triggers another push). None if it is not that tech's job."""
    doc: Doc | None = await store.jobs.find_one_and_update(
        {"_id": job_id, "active_tech_id": tech_id, "version": {"$gte": version}},
        {"$max": {"acknowledged_version": version}, "$set": {"acknowledged_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def claim_unacknowledged(store: Store, job_id: str, now: datetime) -> Doc | None:
    """Mark a still-unconfirmed assignment as flagged; None if another sweep did first
    or the phone confirmed meanwhile."""
    doc: Doc | None = await store.jobs.find_one_and_update(
        {
            "_id": job_id,
            "status": JobStatus.ASSIGNED.value,
            "unacknowledged_alert_at": {"$exists": False},
            "acknowledged_at": {"$exists": False},
        },
        {"$set": {"unacknowledged_alert_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return doc
