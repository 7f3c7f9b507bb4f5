"""The board's alerts and each technician's message thread with dispatch.

Alerts are what a dispatcher should look at (vents, late calls, running late, declines,
silent phones); messages are the conversation a phone shows. Both are announced on the
broker after they are written, like every other change.
"""

from __future__ import annotations

import secrets
from enum import StrEnum

from pymongo import DESCENDING, ReturnDocument

from api.core.clock import Clock
from api.core.errors import NotFound
from api.core.principal import Principal
from api.core.validation import identifier
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel, tech_channel

THREAD_LENGTH = 50


class AlertKind(StrEnum):
    VENT = "vent"
    LATE_CALL = "late_call"
    RUNNING_LATE = "running_late"
    DECLINED = "declined"
    UNACKNOWLEDGED = "unacknowledged"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertBoard:
    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self.alerts_coll = store.db["alerts"]
        self.messages = store.db["messages"]
        self.technicians = store.technicians
        self.broker = broker
        self.clock = clock

    async def raise_alert(
        self,
        tech_id: str,
        kind: AlertKind,
        body: str,
        *,
        job_id: str | None = None,
        minutes: int | None = None,
    ) -> Doc:
        now = self.clock()
        alert: Doc = {
            "_id": "alr_" + secrets.token_hex(8),
            "kind": kind.value,
            "tech_id": tech_id,
            "job_id": job_id,
            "text": body,
            "minutes": minutes,
            "status": AlertStatus.OPEN.value,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        await self.alerts_coll.insert_one(alert)
        await self.publish(alert)
        return alert

    async def acknowledge(self, actor: Principal, alert_id: str) -> Doc:
        """Mark seen; acknowledging twice is harmless."""
        identifier(alert_id, "alertId")
        alert: Doc | None = await self.alerts_coll.find_one_and_update(
            {"_id": alert_id, "status": AlertStatus.OPEN.value},
            {
                "$set": {
                    "status": AlertStatus.ACKNOWLEDGED.value,
                    "acknowledged_by": actor.as_actor(),
                    "updated_at": self.clock(),
                },
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if alert is None:
            alert = await self.get(alert_id)
        await self.publish(alert)
        return alert

    async def get(self, alert_id: str) -> Doc:
        identifier(alert_id, "alertId")
        doc = await self.find(alert_id)
        if doc is None:
            raise NotFound(f"alert {alert_id} not found")
        return doc

    async def find(self, alert_id: str) -> Doc | None:
        doc: Doc | None = await self.alerts_coll.find_one({"_id": alert_id})
        return doc

    async def recent(self, statuses: tuple[AlertStatus, ...], limit: int = 100) -> list[Doc]:
        query: Doc = {"status": {"$in": [s.value for s in statuses]}} if statuses else {}
        cursor = self.alerts_coll.find(query).sort("created_at", DESCENDING)
        return await cursor.limit(max(1, min(limit, 500))).to_list(None)

    async def publish(self, alert: Doc) -> None:
        await self.broker.publish(
            board_channel(), Event(kind="alert", id=alert["_id"], version=alert["version"])
        )

    async def post(
        self, tech_id: str, actor: Principal, direction: str, body: str, alert_id: str | None
    ) -> Doc:
        """Append to a tech's thread and tell the phone to look again."""
        # `seq` orders a thread even when two messages share a millisecond.
        counter: Doc | None = await self.technicians.find_one_and_update(
            {"_id": tech_id}, {"$inc": {"message_seq": 1}}, return_document=ReturnDocument.AFTER
        )
        if counter is None:
            raise NotFound(f"technician {tech_id} not found")
        message: Doc = {
            "_id": "msg_" + secrets.token_hex(8),
            "tech_id": tech_id,
            "seq": counter["message_seq"],
            "direction": direction,
            "from": actor.as_actor(),
            "text": body,
            "alert_id": alert_id,
            "at": self.clock(),
        }
        await self.messages.insert_one(message)
        await self.broker.publish(
            tech_channel(tech_id), Event(kind="message", id=message["_id"], version=message["seq"])
        )
        return message

    async def thread(self, tech_id: str, limit: int = THREAD_LENGTH) -> list[Doc]:
        """A tech's conversation with dispatch, oldest first."""
        cursor = self.messages.find({"tech_id": tech_id}).sort("seq", DESCENDING)
        docs = await cursor.limit(limit).to_list(None)
        return list(reversed(docs))
