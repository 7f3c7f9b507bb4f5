"""MongoDB: collections, indexes, and the one way state changes are written.

Every change is a transaction that conditionally updates the documents involved
(bumping their `version`) and appends to the `events` log, so the log and the
state never disagree. The one-job-per-technician rule is a unique partial index
on `jobs.active_tech_id`: MongoDB itself refuses a second active job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from api.core.errors import Conflict
from api.persistence.driver_errors import is_transient, mapped_driver_errors, translate

Doc = dict[str, Any]
T = TypeVar("T")

_TXN_ATTEMPTS = 5

# (collection, keys, options). Checked by name first: re-creating a 2dsphere index
# with the same name is refused by some servers as a spec conflict.
_INDEXES: list[tuple[str, list[tuple[str, Any]], dict[str, Any]]] = [
    (
        "jobs",
        [("active_tech_id", ASCENDING)],
        {
            "name": "one_active_job_per_tech",
            "unique": True,
            "partialFilterExpression": {"active_tech_id": {"$type": "string"}},
        },
    ),
    ("jobs", [("location", "2dsphere")], {"name": "job_location"}),
    ("jobs", [("status", ASCENDING), ("booked_at", ASCENDING)], {"name": "status_booked_at"}),
    ("jobs", [("tech_id", ASCENDING), ("status", ASCENDING)], {"name": "tech_status"}),
    ("jobs", [("tracking.token", ASCENDING)], {"name": "tracking_token", "sparse": True}),
    ("technicians", [("location", "2dsphere")], {"name": "tech_location"}),
    ("technicians", [("status", ASCENDING)], {"name": "tech_status"}),
    ("customers", [("phone", ASCENDING)], {"name": "customer_phone", "unique": True}),
    (
        "events",
        [("entity_id", ASCENDING), ("version", ASCENDING)],
        {"name": "entity_version"},
    ),
    ("events", [("at", DESCENDING)], {"name": "event_at"}),
    # Every job write looks for the alerts its new facts close (dispatch's `stuck`).
    ("alerts", [("job_id", ASCENDING), ("status", ASCENDING)], {"name": "alert_job_status"}),
    # Idempotency keys (transport's idempotency middleware): the `_id`, so unique; kept 24 h.
    (
        "idempotency",
        [("created_at", ASCENDING)],
        {"name": "idempotency_ttl", "expireAfterSeconds": 24 * 3600},
    ),
]


class Store:
    """Owns the MongoDB client; created in the app lifespan, closed on shutdown."""

    def __init__(self, uri: str, db_name: str) -> None:
        self.client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, serverSelectionTimeoutMS=10_000, appname="nextjob"
        )
        self.db: AsyncDatabase[Doc] = self.client[db_name]
        self.jobs = self.db["jobs"]
        self.technicians = self.db["technicians"]
        self.customers = self.db["customers"]
        self.events = self.db["events"]

    async def close(self) -> None:
        await self.client.close()

    async def ping(self) -> bool:
        """Readiness: a refusal is the answer, not an error to translate (or log)."""
        try:
            await self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    async def ensure_indexes(self) -> None:
        """Create the indexes the invariants and queries rely on (idempotent)."""
        for collection, keys, options in _INDEXES:
            coll = self.db[collection]
            existing = {ix["name"] async for ix in await coll.list_indexes()}
            if options["name"] not in existing:
                await coll.create_index(keys, **options)

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run `work` in a transaction, retrying transient write conflicts.

        A `NextjobError` raised by `work` aborts the transaction and propagates as is;
        driver errors are translated at this boundary.
        """
        with mapped_driver_errors():
            for attempt in range(1, _TXN_ATTEMPTS + 1):
                try:
                    async with (
                        self.client.start_session() as session,
                        await session.start_transaction(),
                    ):
                        return await work(session)
                except Exception as exc:
                    if not (is_transient(exc) and attempt < _TXN_ATTEMPTS):
                        raise
        raise Conflict("the change raced with another one; try again")  # pragma: no cover

    async def append_event(
        self,
        session: AsyncClientSession | None,
        *,
        at: datetime,
        actor: Doc,
        entity: str,
        entity_id: str,
        type_: str,
        before: str | None,
        after: str | None,
        version: int,
        data: Doc | None = None,
    ) -> None:
        await self.events.insert_one(
            {
                "at": at,
                "actor": actor,
                "entity": entity,
                "entity_id": entity_id,
                "type": type_,
                "before": before,
                "after": after,
                "version": version,
                "data": data or {},
            },
            session=session,
        )


# `translate` is re-exported for modules that still import it from here (api.dispatch).
__all__ = ["Doc", "Store", "translate"]
