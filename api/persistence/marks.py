"""Once-only marks on a job: a customer notice claimed before it is sent, a tracking
token created on first use. Each is one conditional write, so two API processes racing
for the same mark leave exactly one winner."""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from api.core.errors import NotFound
from api.core.events import EventType
from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.store import Doc, Store

NOTICE_ACTOR = {"role": "manager", "sub": "system:customer_timing"}


async def claim_notice(
    store: Store, job_id: str, field: str, now: datetime, extra: Doc
) -> Doc | None:
    """Mark the notice `field` as sent; the job after, or None if it was already claimed.
    Job data in `extra` (an ETA) is a state change: it bumps the version and is logged in
    the same transaction."""
    if not extra:
        with mapped_driver_errors():
            doc: Doc | None = await store.jobs.find_one_and_update(
                {"_id": job_id, field: {"$exists": False}},
                {"$set": {field: now}},
                return_document=ReturnDocument.AFTER,
            )
        return doc

    async def work(s: AsyncClientSession) -> Doc | None:
        after: Doc | None = await store.jobs.find_one_and_update(
            {"_id": job_id, field: {"$exists": False}},
            {"$set": {field: now, **extra}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
            session=s,
        )
        if after is not None:
            await store.append_event(
                s,
                at=now,
                actor=NOTICE_ACTOR,
                entity="job",
                entity_id=job_id,
                type_=EventType.JOB_ETA,
                before=after["status"],
                after=after["status"],
                version=after["version"],
                data=dict(extra),
            )
        return after

    return await store.transaction(work)


async def tracking_token_of(store: Store, job_id: str, token: str, expires: datetime) -> str:
    """The job's tracking token: `token` if this call created it, else the one that was
    there first."""
    with mapped_driver_errors():
        doc: Doc | None = await store.jobs.find_one_and_update(
            {"_id": job_id, "tracking.token": {"$exists": False}},
            {"$set": {"tracking": {"token": token, "expires_at": expires}}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # somebody else created it first
            doc = await store.jobs.find_one({"_id": job_id}, {"tracking": 1})
    if doc is None:
        raise NotFound(f"job {job_id} not found")
    return str(doc["tracking"]["token"])
