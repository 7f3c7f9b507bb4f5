"""Where the company works: a radius around its base, or a GeoJSON polygon.

Checked where an address becomes a booking (the desk's geocoding and `bookJob`), so a
New York pin for an Austin company is refused with words the CSR can act on.
"""

from __future__ import annotations

import json
from functools import lru_cache

from geopy.distance import great_circle

from api.core.errors import InvalidInput
from api.core.settings import Settings
from api.core.validation import coordinates

Ring = tuple[tuple[float, float], ...]  # (lon, lat) pairs, as GeoJSON has them


def base_point(settings: Settings) -> tuple[float, float]:
    """The company's base as (lat, lon)."""
    lat, _, lon = settings.service_area_center.partition(",")
    return float(lat), float(lon)


@lru_cache(maxsize=4)
def polygons(geojson: str) -> tuple[tuple[Ring, ...], ...]:
    """Each polygon of a GeoJSON Polygon or MultiPolygon (outer ring, then holes)."""
    try:
        shape = json.loads(geojson)
        if shape.get("type") == "Feature":
            shape = shape["geometry"]
        coords = shape["coordinates"]
        kind = shape["type"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError("service area is not a GeoJSON Polygon or MultiPolygon") from exc
    if kind == "Polygon":
        coords = [coords]
    elif kind != "MultiPolygon":
        raise ValueError(f"service area must be a Polygon or MultiPolygon, not {kind}")
    return tuple(
        tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
        for polygon in coords
    )


def _in_ring(lat: float, lon: float, ring: Ring) -> bool:
    # Ray casting along the latitude: count the edges the ray eastwards crosses.
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_polygons(lat: float, lon: float, shapes: tuple[tuple[Ring, ...], ...]) -> bool:
    """Inside some polygon's outer ring and none of its holes."""
    return any(
        _in_ring(lat, lon, rings[0]) and not any(_in_ring(lat, lon, h) for h in rings[1:])
        for rings in shapes
        if rings
    )


def check_service_area(settings: Settings, lat: float, lon: float, address: str = "") -> None:
    """Refuse (BAD_USER_INPUT) a point outside the company's service area."""
    coordinates(lat, lon)  # out-of-range numbers get their own message first
    where = f"{address} ({lat:.4f}, {lon:.4f})" if address else f"{lat:.4f}, {lon:.4f}"
    if settings.service_area_geojson:
        if not in_polygons(lat, lon, polygons(settings.service_area_geojson)):
            raise InvalidInput(f"{where} is outside the company's service area", "address")
        return
    radius = settings.service_area_radius_km
    if radius <= 0:
        return
    km = great_circle(base_point(settings), (lat, lon)).km
    if km > radius:
        raise InvalidInput(
            f"{where} is {km:,.0f} km from the base, outside the {radius:g} km service area",
            "address",
        )
