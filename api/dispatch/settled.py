"""Alerts the facts have settled close themselves: a job assigned is no longer
unassignable, a job driven to was seen by its phone, a job completed, cancelled or moved
needs nobody's attention any more. Each is closed by the system, with the reason."""

from __future__ import annotations

from api.core.clock import Clock
from api.core.principal import SYSTEM
from api.persistence import alerts as stored
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel

UNASSIGNABLE = "unassignable"  # voice's AlertKind.UNASSIGNABLE: raised by `stuck`

_ABOUT_A_JOB = (UNASSIGNABLE, "unacknowledged", "late_call", "running_late", "declined")
_WORKED = (UNASSIGNABLE, "unacknowledged")
# The alert kinds each job status settles.
_SETTLED_BY: dict[str, tuple[str, ...]] = {
    "assigned": (UNASSIGNABLE,),
    "en_route": _WORKED,
    "on_site": _WORKED,
    "completed": _ABOUT_A_JOB,
    "cancelled": _ABOUT_A_JOB,
    "rescheduled": _ABOUT_A_JOB,
}


async def close_alert(
    store: Store, broker: Broker, clock: Clock, alert_id: str, reason: str
) -> Doc | None:
    """Resolve an open or acknowledged alert as the system, with `reason`, and announce
    it; None if somebody resolved it first."""
    doc = await stored.mark_alert(
        store,
        alert_id,
        ("open", "acknowledged"),
        {
            "status": "resolved",
            "resolved_by": SYSTEM.as_actor(),
            "closed_reason": reason,
            "updated_at": clock(),
        },
    )
    if doc is not None:
        await broker.publish(
            board_channel(), Event(kind="alert", id=doc["_id"], version=doc["version"])
        )
    return doc


async def settle_alerts(store: Store, broker: Broker, clock: Clock, job: Doc) -> int:
    """Close the alerts about `job` that its status settles; how many were closed."""
    kinds = _SETTLED_BY.get(str(job.get("status")))
    if kinds is None:
        return 0
    closed = 0
    why = f"closed by the system: job {job['_id']} is {str(job['status']).replace('_', ' ')}"
    for alert in await stored.open_alerts_about(store, job["_id"], kinds):
        closed += await close_alert(store, broker, clock, alert["_id"], why) is not None
    return closed
