"""What the technician's voice looks like in GraphQL: alerts on the board, the
messages of a tech's thread, and the enums they use."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.persistence.store import Doc
from api.voice.alerts import AlertKind, AlertStatus, LateCallOutcome

strawberry.enum(AlertKind, description="What an alert on the board is about.")
strawberry.enum(AlertStatus, description="Where an alert is in its handling.")
strawberry.enum(LateCallOutcome, description="How dispatch answers a late call.")


@strawberry.type(
    description="Something a dispatcher should look at. Vents are private to dispatch."
)
class Alert:
    id: strawberry.ID = strawberry.field(description="Opaque alert id.")
    kind: AlertKind = strawberry.field(description="What it is about.")
    status: AlertStatus = strawberry.field(description="Open, acknowledged or resolved.")
    technician_id: strawberry.ID = strawberry.field(
        description="Who raised it: a technician's id, or `system` (unassignable work)."
    )
    job_id: strawberry.ID | None = strawberry.field(description="The job concerned, if any.")
    text: str = strawberry.field(description="What the technician said, or the system's reason.")
    minutes: int | None = strawberry.field(description="Minutes late, for running late.")
    resolution: LateCallOutcome | None = strawberry.field(description="Late-call outcome.")
    resolved_by: str | None = strawberry.field(
        description="Who resolved it: a dispatcher's login, or `system:routing` when the facts did."
    )
    closed_reason: str | None = strawberry.field(
        description="Why the system closed it (the job was completed, assigned, cancelled...)."
    )
    created_at: datetime = strawberry.field(description="When it was raised.")
    version: int = strawberry.field(description="Bumped by every change.")

    @classmethod
    def from_doc(cls, d: Doc) -> Alert:
        return cls(
            id=strawberry.ID(d["_id"]),
            kind=AlertKind(d["kind"]),
            status=AlertStatus(d["status"]),
            technician_id=strawberry.ID(d["tech_id"]),
            job_id=strawberry.ID(d["job_id"]) if d.get("job_id") else None,
            text=d["text"],
            minutes=d.get("minutes"),
            resolution=LateCallOutcome(d["resolution"]) if d.get("resolution") else None,
            resolved_by=(d.get("resolved_by") or {}).get("sub"),
            closed_reason=d.get("closed_reason"),
            created_at=d["created_at"],
            version=d["version"],
        )


@strawberry.type(description="One message between a technician and dispatch.")
class Message:
    id: strawberry.ID = strawberry.field(description="Opaque message id.")
    seq: int = strawberry.field(description="Position in the thread, increasing.")
    to_technician: bool = strawberry.field(description="True if dispatch wrote it to the tech.")
    text: str = strawberry.field(description="The message.")
    alert_id: strawberry.ID | None = strawberry.field(description="The alert it answers.")
    at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def from_doc(cls, d: Doc) -> Message:
        return cls(
            id=strawberry.ID(d["_id"]),
            seq=d["seq"],
            to_technician=d["direction"] == "to_tech",
            text=d["text"],
            alert_id=strawberry.ID(d["alert_id"]) if d.get("alert_id") else None,
            at=d["at"],
        )
