"""Builders for hand-made routing cases around downtown Austin, TX."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from routing import OpenJob, Point, TechProfile

NOW = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)  # 10:00 in Austin
AUSTIN = Point(30.2672, -97.7431)
HOUR = timedelta(hours=1)


def offset(origin: Point, north_km: float = 0.0, east_km: float = 0.0) -> Point:
    """A point roughly `north_km` north and `east_km` east of `origin`."""
    lat = origin.lat + north_km / 110.574
    lon = origin.lon + east_km / (111.320 * math.cos(math.radians(origin.lat)))
    return Point(lat, lon)


def make_tech(tech_id: str = "tech-1", **overrides: Any) -> TechProfile:
    """A tech at downtown Austin with hvac+plumbing skills and 8 hours of shift left."""
    fields: dict[str, Any] = {
        "id": tech_id,
        "location": AUSTIN,
        "skills": frozenset({"hvac", "plumbing"}),
        "shift_end": NOW + 8 * HOUR,
    }
    fields.update(overrides)
    return TechProfile(**fields)


def make_job(job_id: str, **overrides: Any) -> OpenJob:
    """A normal-priority one-hour hvac repair at downtown Austin worth $500, booked now."""
    fields: dict[str, Any] = {
        "id": job_id,
        "location": AUSTIN,
        "kind": "repair",
        "priority": "normal",
        "value": 500.0,
        "duration_min": 60.0,
        "required_skills": frozenset({"hvac"}),
        "window_start": NOW,
        "window_end": NOW + 4 * HOUR,
        "booked_at": NOW,
    }
    fields.update(overrides)
    return OpenJob(**fields)
