"""Where things are: stored GeoJSON points as routing's plain `Point`s."""

from __future__ import annotations

from api.persistence.store import Doc
from routing import Point


def point(geo: Doc) -> Point:
    lon, lat = geo["coordinates"]
    return Point(lat=float(lat), lon=float(lon))
