"""Versioned writes of whole records (technicians, skills, customers, the company, a job's
booking details): one transaction that changes the document, bumps its `version` and
appends the change to the `events` log.

Status moves go through `transitions`; these are edits of what a record *says*. The
caller names the conditions a write needs (`require`, `expect_version`); when they do
not hold nothing is written and the caller gets NOT_FOUND or CONFLICT.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from api.core.errors import Conflict, NotFound
from api.persistence.store import Doc, Store

Explain = Callable[[Doc], str]


def _stale_or(explain: Explain | None, expect_version: int | None, name: str) -> Explain:
    def message(current: Doc) -> str:
        if expect_version is not None and current.get("version") != expect_version:
            return (
                f"{name} changed since it was read (version {expect_version}, now "
                f"{current.get('version')}); reload and try again"
            )
        return explain(current) if explain else f"{name} cannot be changed in its current state"

    return message


async def insert_record(
    store: Store,
    collection: str,
    doc: Doc,
    *,
    now: datetime,
    actor: dict[str, str],
    entity: str,
    event_type: str,
    data: Doc | None = None,
) -> Doc:
    """Insert a new record at version 1 with its `created` event."""
    record = {**doc, "version": 1, "created_at": now, "updated_at": now}

    async def work(s: AsyncClientSession) -> Doc:
        await store.db[collection].insert_one(record, session=s)
        await store.append_event(
            s,
            at=now,
            actor=actor,
            entity=entity,
            entity_id=str(record["_id"]),
            type_=event_type,
            before=None,
            after=record.get("status"),
            version=1,
            data=data,
        )
        return record

    return await store.transaction(work)


async def update_record(
    store: Store,
    collection: str,
    record_id: str,
    *,
    changes: Doc,
    now: datetime,
    actor: dict[str, str],
    entity: str,
    event_type: str,
    require: Doc | None = None,
    expect_version: int | None = None,
    unset: Sequence[str] = (),
    upsert: bool = False,
    explain: Explain | None = None,
    data: Doc | None = None,
) -> Doc:
    """Change a record if it meets `require` (and is still at `expect_version`).

    Values go in as `$literal`, so text that looks like an operator stays text.
    """
    query: Doc = {"_id": record_id, **(require or {})}
    if expect_version is not None:
        query["version"] = expect_version
    values: Doc = {k: {"$literal": v} for k, v in changes.items()}
    values.update(
        previous_status="$status",
        updated_at={"$literal": now},
        version={"$add": [{"$ifNull": ["$version", 0]}, 1]},
    )
    pipeline: list[Doc] = [{"$set": values}]
    if unset:
        pipeline.append({"$unset": list(unset)})
    name = f"{entity} {record_id}"
    coll = store.db[collection]

    async def work(s: AsyncClientSession) -> Doc:
        result = await coll.update_one(query, pipeline, upsert=upsert, session=s)
        after: Doc | None = await coll.find_one({"_id": record_id}, session=s)
        if after is None:
            raise NotFound(f"{name} not found")
        if result.matched_count == 0 and result.upserted_id is None:
            raise Conflict(_stale_or(explain, expect_version, name)(after))
        before = after.get("previous_status")
        await store.append_event(
            s,
            at=now,
            actor=actor,
            entity=entity,
            entity_id=record_id,
            type_=event_type,
            before=before if isinstance(before, str) else None,
            after=after.get("status"),
            version=int(after["version"]),
            data={**(data or {}), "changed": sorted(changes)},
        )
        return after

    return await store.transaction(work)
