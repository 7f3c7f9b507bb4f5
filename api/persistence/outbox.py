"""The customer-notification outbox: messages written with the change that causes them,
claimed by one worker at a time with a lease, and marked with their delivery outcome.

The outbox is the `notifications` collection (the job's `notifications` field reads it),
so what a customer was sent and whether it arrived are one record. A message is only
ever written inside a transaction with its cause; a worker that dies mid-send leaves a
lease that runs out, and the next worker sends the same message (same id) again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.marks import NOTICE_ACTOR
from api.persistence.store import Doc, Store

OUTBOX = "notifications"
Session = AsyncClientSession  # what a caller's transaction hands to `stage`


class Delivery(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENT = "sent"  # the webhook accepted it
    RECORDED = "recorded"  # no webhook configured: kept on the job only
    FAILED = "failed"  # gave up after the last attempt; the board shows it


async def ensure_outbox_indexes(store: Store) -> None:
    """The worker's claim query and the job's list of notifications (idempotent)."""
    coll = store.db[OUTBOX]
    with mapped_driver_errors():
        existing = {ix["name"] async for ix in await coll.list_indexes()}
        if "outbox_due" not in existing:
            await coll.create_index(
                [("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="outbox_due"
            )
        if "outbox_job" not in existing:
            await coll.create_index(
                [("job_id", ASCENDING), ("created_at", ASCENDING)], name="outbox_job"
            )


async def stage(store: Store, session: AsyncClientSession, message: Doc) -> None:
    """Write `message` to the outbox inside the caller's transaction: it exists exactly
    when the caller's change commits."""
    await store.db[OUTBOX].insert_one(message, session=session)


async def commit_notice(
    store: Store,
    *,
    job_filter: Doc,
    job_set: Doc,
    message: Doc | None,
    now: datetime,
    eta_changed: bool,
) -> Doc | None:
    """One transaction: update the job matching `job_filter` with `job_set` and write
    `message` to the outbox. None (and nothing written) when no job matched: a once-only
    notice already claimed, or a state that moved on. A changed ETA bumps the job's
    version and is logged, like every state change."""

    async def work(s: AsyncClientSession) -> Doc | None:
        update: Doc = {"$set": job_set}
        if eta_changed:
            update["$inc"] = {"version": 1}
        after: Doc | None = await store.jobs.find_one_and_update(
            job_filter, update, return_document=ReturnDocument.AFTER, session=s
        )
        if after is None:
            return None
        if message is not None:
            await stage(store, s, message)
        if eta_changed:
            await store.append_event(
                s,
                at=now,
                actor=NOTICE_ACTOR,
                entity="job",
                entity_id=after["_id"],
                type_="job.eta",
                before=after["status"],
                after=after["status"],
                version=after["version"],
                data={"eta": after.get("eta"), "notice": message["kind"] if message else None},
            )
        return after

    return await store.transaction(work)


async def remember(store: Store, job_id: str, fields: Doc) -> None:
    """Bookkeeping on the job that is not a state change (an ETA being watched)."""
    with mapped_driver_errors():
        await store.jobs.update_one({"_id": job_id}, {"$set": fields})


async def claim_due(store: Store, now: datetime, lease: timedelta, owner: str) -> Doc | None:
    """Take the oldest due message for `lease`: one conditional write, so two workers
    never hold the same message. A lease that runs out (the holder died) makes it due."""
    with mapped_driver_errors():
        doc: Doc | None = await store.db[OUTBOX].find_one_and_update(
            {"status": Delivery.PENDING.value, "next_attempt_at": {"$lte": now}},
            {
                "$set": {"next_attempt_at": now + lease, "lease_owner": owner},
                "$inc": {"attempts": 1},
            },
            sort=[("next_attempt_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
    return doc


async def settle(
    store: Store, message_id: str, owner: str, status: Delivery, now: datetime, error: str | None
) -> bool:
    """Record the outcome, if this worker still holds the lease."""
    fields: Doc = {"status": status.value, "settled_at": now, "last_error": error}
    if status is Delivery.SENT or status is Delivery.RECORDED:
        fields["sent_at"] = now
    with mapped_driver_errors():
        result = await store.db[OUTBOX].update_one(
            {"_id": message_id, "lease_owner": owner, "status": Delivery.PENDING.value},
            {"$set": fields},
        )
    return result.modified_count == 1


async def retry_at(store: Store, message_id: str, owner: str, when: datetime, error: str) -> None:
    """Give the message back for another attempt at `when`."""
    with mapped_driver_errors():
        await store.db[OUTBOX].update_one(
            {"_id": message_id, "lease_owner": owner, "status": Delivery.PENDING.value},
            {"$set": {"next_attempt_at": when, "last_error": error}, "$unset": {"lease_owner": ""}},
        )


async def for_job(store: Store, job_id: str) -> list[Doc]:
    """A job's messages, oldest first."""
    with mapped_driver_errors():
        cursor = store.db[OUTBOX].find({"job_id": job_id}).sort("created_at", ASCENDING)
        return await cursor.to_list(None)


async def failed_count(store: Store) -> int:
    """Messages the webhook never accepted."""
    with mapped_driver_errors():
        return await store.db[OUTBOX].count_documents({"status": Delivery.FAILED.value})
