"""Builders for stored documents: the one place that knows their shape."""

from __future__ import annotations

from api.persistence.store import Doc


def geo_point(lat: float, lon: float) -> Doc:
    """A GeoJSON point (longitude first, as MongoDB's 2dsphere index wants it)."""
    return {"type": "Point", "coordinates": [lon, lat]}
