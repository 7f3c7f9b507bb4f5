"""The idempotency keys' store: who owns a key, and the answer kept for its retries.

One document per (caller, key) in the `idempotency` collection (a TTL index forgets
it after 24 hours): `pending` while the first request runs, `done` with the response
once it is kept. The ASGI middleware that uses it lives in the transport.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from api.core.errors import NextjobError
from api.persistence.driver_errors import mapped_driver_errors
from api.persistence.store import Doc, Store


class IdempotencyKeys:
    """Claims on keys; a claim left by a crashed process is taken over after `stale`."""

    def __init__(self, store: Store, wait: float, stale: timedelta) -> None:
        self.coll: AsyncCollection[Doc] = store.db["idempotency"]
        self.wait = wait
        self.stale = stale

    async def claim(self, doc_id: str, body_hash: str) -> Doc | None:
        """None when this request now owns the key; else the document to answer from.
        A request still running under the key is waited for (up to `wait` seconds)."""
        deadline = time.monotonic() + self.wait
        with mapped_driver_errors():
            while True:
                now = datetime.now(UTC)
                try:
                    await self.coll.insert_one(
                        {
                            "_id": doc_id,
                            "body_hash": body_hash,
                            "state": "pending",
                            "created_at": now,
                        }
                    )
                    return None
                except DuplicateKeyError:
                    pass
                # A claim whose owner died (SIGKILL, crash) is taken over once it is stale.
                taken = await self.coll.update_one(
                    {"_id": doc_id, "state": "pending", "created_at": {"$lt": now - self.stale}},
                    {"$set": {"body_hash": body_hash, "created_at": now}},
                )
                if taken.modified_count:
                    return None
                doc = await self.coll.find_one({"_id": doc_id})
                if doc is None:
                    continue  # released in between: try to claim again
                if doc["state"] == "done" or doc["body_hash"] != body_hash:
                    return doc
                if time.monotonic() > deadline:
                    return doc
                await asyncio.sleep(0.05)

    async def keep(self, doc_id: str, status: int, headers: list[list[str]], body: bytes) -> None:
        """The response retries with this key get back."""
        with mapped_driver_errors():
            await self.coll.update_one(
                {"_id": doc_id},
                {"$set": {"state": "done", "status": status, "headers": headers, "body": body}},
            )

    async def release(self, doc_id: str) -> None:
        """Give the key up unanswered; if the database fails, the claim goes stale and is
        taken over."""
        with suppress(NextjobError), mapped_driver_errors():
            await self.coll.delete_one({"_id": doc_id, "state": "pending"})
