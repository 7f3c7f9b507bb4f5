"""The board's alerts and each technician's message thread with dispatch.

Alerts are what a dispatcher should look at (vents, late calls, running late, declines,
silent phones); messages are the conversation a phone shows. Both are announced on the
broker after they are written, like every other change.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from enum import StrEnum

from api.core.clock import Clock
from api.core.errors import NotFound
from api.core.principal import Principal
from api.core.validation import identifier
from api.dispatch.settled import UNASSIGNABLE
from api.persistence import alerts as stored
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel, tech_channel

THREAD_LENGTH = 50


class AlertKind(StrEnum):
    VENT = "vent"
    LATE_CALL = "late_call"
    RUNNING_LATE = "running_late"
    DECLINED = "declined"
    UNACKNOWLEDGED = "unacknowledged"
    UNASSIGNABLE = UNASSIGNABLE  # raised by the system (`api.dispatch.stuck`)
    NOTIFICATION_FAILED = "notification_failed"  # a customer's text could not be delivered


class LateCallOutcome(StrEnum):
    KEEP_WITH_OVERTIME = "keep_with_overtime"
    REASSIGN = "reassign"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertBoard:
    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self.store = store
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
        await stored.insert_alert(self.store, alert)
        await self.publish(alert)
        return alert

    async def acknowledge(self, actor: Principal, alert_id: str) -> Doc:
        """Mark seen; acknowledging twice is harmless."""
        identifier(alert_id, "alertId")
        alert = await stored.mark_alert(
            self.store,
            alert_id,
            (AlertStatus.OPEN.value,),
            {
                "status": AlertStatus.ACKNOWLEDGED.value,
                "acknowledged_by": actor.as_actor(),
                "updated_at": self.clock(),
            },
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
        return await stored.find_alert(self.store, alert_id)

    async def recent(self, statuses: tuple[AlertStatus, ...], limit: int = 100) -> list[Doc]:
        names = tuple(s.value for s in statuses)
        return await stored.recent_alerts(self.store, names, max(1, min(limit, 500)))

    async def unresolved(self, kind: AlertKind, job_id: str) -> Doc | None:
        """An open or acknowledged alert of this kind about this job."""
        return await stored.unresolved_alert(self.store, kind.value, job_id)

    async def resolve(self, actor: Principal, alert_id: str, resolution: str) -> Doc | None:
        """Close an alert with its outcome; None if it was resolved meanwhile."""
        return await stored.mark_alert(
            self.store,
            alert_id,
            (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value),
            {
                "status": AlertStatus.RESOLVED.value,
                "resolution": resolution,
                "resolved_by": actor.as_actor(),
                "updated_at": self.clock(),
            },
        )

    async def publish(self, alert: Doc) -> None:
        await self.broker.publish(
            board_channel(), Event(kind="alert", id=alert["_id"], version=alert["version"])
        )

    async def post(
        self, tech_id: str, actor: Principal, direction: str, body: str, alert_id: str | None
    ) -> Doc:
        """Append to a tech's thread and tell the phone to look again."""
        seq = await stored.next_message_seq(self.store, tech_id)
        if seq is None:
            raise NotFound(f"technician {tech_id} not found")
        message: Doc = {
            "_id": "msg_" + secrets.token_hex(8),
            "tech_id": tech_id,
            "seq": seq,
            "direction": direction,
            "from": actor.as_actor(),
            "text": body,
            "alert_id": alert_id,
            "at": self.clock(),
        }
        await stored.insert_message(self.store, message)
        await self.broker.publish(
            tech_channel(tech_id), Event(kind="message", id=message["_id"], version=message["seq"])
        )
        return message

    async def thread(self, tech_id: str, limit: int = THREAD_LENGTH) -> list[Doc]:
        """A tech's conversation with dispatch, oldest first."""
        return list(reversed(await stored.latest_messages(self.store, tech_id, limit)))


def notification_failed(board: AlertBoard) -> Callable[[Doc], Awaitable[None]]:
    """The outbox's failure hook: a text the customer never got becomes a board alert, so
    the dispatcher can call them instead."""

    async def tell_dispatch(message: Doc) -> None:
        to = str(message.get("to") or "the customer")
        await board.raise_alert(
            str(message.get("tech_id") or "system"),
            AlertKind.NOTIFICATION_FAILED,
            f"A text to {to} could not be delivered ({message.get('last_error', 'unknown')}):"
            " call them instead.",
            job_id=message.get("job_id"),
        )

    return tell_dispatch
