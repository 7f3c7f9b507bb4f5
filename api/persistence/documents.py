"""Builders for stored documents: the one place that knows their shape."""

from __future__ import annotations

from datetime import datetime

from api.core.domain import JobStatus
from api.core.validation import Booking
from api.persistence.store import Doc

# What a job forgets when it goes back to the pool (or is carried on by a new booking).
ASSIGNMENT_FIELDS = (
    "active_tech_id",
    "tech_id",
    "assigned_at",
    "travel_started_at",
    "assignment",
    "eta",
    "acknowledged_version",
    "acknowledged_at",
    "unacknowledged_alert_at",
)


def geo_point(lat: float, lon: float) -> Doc:
    """A GeoJSON point (longitude first, as MongoDB's 2dsphere index wants it)."""
    return {"type": "Point", "coordinates": [lon, lat]}


def booked_job(
    job_id: str,
    b: Booking,
    *,
    booked_at: datetime,
    booked_by: dict[str, str],
    customer_id: str | None = None,
) -> Doc:
    """A new job waiting in the pool, from a checked booking (`validation.booking`)."""
    job: Doc = {"_id": job_id, "status": JobStatus.BOOKED.value, "version": 1}
    if customer_id is not None:
        job["customer_id"] = customer_id
    job.update(
        customer={"name": b.customer_name, "phone": b.customer_phone},
        address=b.address,
        location=geo_point(b.lat, b.lon),
        problem=b.problem,
        kind=b.kind.value,
        priority=b.priority.value,
        estimated_value=b.estimated_value,
        duration_min=b.duration_min,
        required_skills=list(b.required_skills),
        window_start=b.window_start,
        window_end=b.window_end,
        urgency_list=b.urgency_list,
        booked_at=booked_at,
        booked_by=booked_by,
        updated_at=booked_at,
    )
    return job


def rebooked_job(
    old: Doc,
    job_id: str,
    *,
    window_start: datetime,
    window_end: datetime,
    booked_at: datetime,
    booked_by: dict[str, str],
) -> Doc:
    """The booked job that carries a rescheduled visit on: the old job's visit, without
    its assignment, tracking or history, in the new window."""
    job = {
        k: v for k, v in old.items() if k not in (*ASSIGNMENT_FIELDS, "tracking", "previous_status")
    }
    job.update(
        _id=job_id,
        status=JobStatus.BOOKED.value,
        version=1,
        window_start=window_start,
        window_end=window_end,
        booked_at=booked_at,
        updated_at=booked_at,
        rescheduled_from=old["_id"],
        booked_by=booked_by,
    )
    return job
