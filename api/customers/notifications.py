"""Customer notifications: a record on the job first, then delivery through a sender.

The record is the truth (visible on the job); delivery is best effort with its
outcome recorded. The default sender posts JSON to a webhook
(`NEXTJOB_NOTIFY_WEBHOOK_URL`) that the contractor's SMS/call provider listens on;
with no URL configured, notifications are recorded and marked `recorded` only.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Protocol

import httpx

from api.core.clock import Clock, utcnow
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.store import Doc, Store

log = logging.getLogger(__name__)


class Sender(Protocol):
    async def send(self, notification: Doc) -> str:
        """Deliver; return the delivery status (`sent`, `recorded`, `failed: ...`)."""
        ...


class RecordOnly:
    async def send(self, notification: Doc) -> str:
        return "recorded"


class WebhookSender:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    async def send(self, notification: Doc) -> str:
        payload = {
            "id": notification["_id"],
            "job_id": notification["job_id"],
            "kind": notification["kind"],
            "to": notification["to"],
            "text": notification["text"],
            "eta": notification["eta"].isoformat() if notification.get("eta") else None,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            log.warning("notification webhook failed: %s", type(exc).__name__)
            return f"failed: {type(exc).__name__}"
        if response.status_code >= 300:
            return f"failed: HTTP {response.status_code}"
        return "sent"


class Notifier:
    def __init__(self, store: Store, sender: Sender, clock: Clock = utcnow) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock

    @maps_driver_errors
    async def notify(self, job: Doc, kind: str, text: str, *, eta: datetime | None = None) -> Doc:
        notification: Doc = {
            "_id": "ntf_" + secrets.token_hex(8),
            "job_id": job["_id"],
            "kind": kind,
            "to": job["customer"]["phone"],
            "text": text,
            "eta": eta,
            "created_at": self.clock(),
            "status": "pending",
        }
        await self.store.db["notifications"].insert_one(notification)
        status = await self.sender.send(notification)
        await self.store.db["notifications"].update_one(
            {"_id": notification["_id"]}, {"$set": {"status": status, "sent_at": self.clock()}}
        )
        return {**notification, "status": status}

    @maps_driver_errors
    async def for_job(self, job_id: str) -> list[Doc]:
        cursor = self.store.db["notifications"].find({"job_id": job_id}).sort("created_at", 1)
        return await cursor.to_list(None)


def make_sender(webhook_url: str | None) -> Sender:
    return WebhookSender(webhook_url) if webhook_url else RecordOnly()
