"""The `alerts` and `messages` collections: what the board should look at, and each
technician's thread with dispatch."""

from __future__ import annotations

from pymongo import DESCENDING, ReturnDocument

from api.persistence.store import Doc, Store

_RESOLVED = "resolved"


async def insert_alert(store: Store, alert: Doc) -> None:
    await store.db["alerts"].insert_one(alert)


async def find_alert(store: Store, alert_id: str) -> Doc | None:
    doc: Doc | None = await store.db["alerts"].find_one({"_id": alert_id})
    return doc


async def unresolved_alert(store: Store, kind: str, job_id: str) -> Doc | None:
    """An alert of this kind about this job that nobody resolved yet."""
    doc: Doc | None = await store.db["alerts"].find_one(
        {"kind": kind, "job_id": job_id, "status": {"$ne": _RESOLVED}}
    )
    return doc


async def raise_alert_once(store: Store, alert: Doc) -> Doc | None:
    """Insert `alert` unless one with its `_id` exists; a resolved one is reopened with
    the new text. The alert as written, or None when an unresolved one was already there
    (so two processes raising it at once make one alert)."""
    coll = store.db["alerts"]
    result = await coll.update_one({"_id": alert["_id"]}, {"$setOnInsert": alert}, upsert=True)
    if result.upserted_id is not None:
        return alert
    doc: Doc | None = await coll.find_one_and_update(
        {"_id": alert["_id"], "status": _RESOLVED},
        {
            "$set": {
                "status": alert["status"],
                "text": alert["text"],
                "updated_at": alert["updated_at"],
                "created_at": alert["created_at"],
            },
            "$unset": {"resolved_by": "", "closed_reason": "", "resolution": ""},
            "$inc": {"version": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def open_alerts_about(store: Store, job_id: str, kinds: tuple[str, ...]) -> list[Doc]:
    """The unresolved alerts of these kinds about this job."""
    cursor = store.db["alerts"].find(
        {"job_id": job_id, "status": {"$ne": _RESOLVED}, "kind": {"$in": list(kinds)}}
    )
    return await cursor.to_list(None)


async def mark_alert(store: Store, alert_id: str, from_: tuple[str, ...], set_: Doc) -> Doc | None:
    """Move an alert out of one of the statuses `from_` (setting `set_`, which names the
    new status) and bump its version; None if it was in none of them."""
    doc: Doc | None = await store.db["alerts"].find_one_and_update(
        {"_id": alert_id, "status": {"$in": list(from_)}},
        {"$set": set_, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def recent_alerts(store: Store, statuses: tuple[str, ...], limit: int) -> list[Doc]:
    """Newest first; all statuses when none are named."""
    query: Doc = {"status": {"$in": list(statuses)}} if statuses else {}
    cursor = store.db["alerts"].find(query).sort("created_at", DESCENDING)
    return await cursor.limit(limit).to_list(None)


async def next_message_seq(store: Store, tech_id: str) -> int | None:
    """The next number in a tech's thread (None: no such technician). It orders a thread
    even when two messages share a millisecond."""
    counter: Doc | None = await store.technicians.find_one_and_update(
        {"_id": tech_id}, {"$inc": {"message_seq": 1}}, return_document=ReturnDocument.AFTER
    )
    return None if counter is None else int(counter["message_seq"])


async def insert_message(store: Store, message: Doc) -> None:
    await store.db["messages"].insert_one(message)


async def latest_messages(store: Store, tech_id: str, limit: int) -> list[Doc]:
    """A tech's newest `limit` messages, newest first."""
    cursor = store.db["messages"].find({"tech_id": tech_id}).sort("seq", DESCENDING)
    return await cursor.limit(limit).to_list(None)
