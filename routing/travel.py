"""Travel-time models: how many minutes a tech needs to drive from A to B."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from geopy.distance import geodesic

from routing.model import Point

FloatArray = npt.NDArray[np.float64]

# Mean Earth radius (IUGG). The haversine sphere differs from the WGS84 ellipsoid used by
# geopy's geodesic by at most ~0.5% in distance, which is far below the uncertainty of a
# road-factor estimate, so the fast vectorised path is safe to use for ranking.
EARTH_RADIUS_KM = 6371.0088


@runtime_checkable
class TravelModel(Protocol):
    """Estimates driving minutes between points; swap in a road-network model later."""

    def minutes(self, origin: Point, dest: Point) -> float:
        """Driving minutes from `origin` to `dest`."""
        ...

    def minutes_many(self, origin: Point, lats: FloatArray, lons: FloatArray) -> FloatArray:
        """Driving minutes from `origin` to each (lats[i], lons[i]), as a float array."""
        ...


def haversine_km(origin: Point, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Great-circle distance in km from `origin` to each point, on a spherical Earth."""
    lat1 = np.radians(origin.lat)
    lon1 = np.radians(origin.lon)
    lat2 = np.radians(np.asarray(lats, dtype=np.float64))
    lon2 = np.radians(np.asarray(lons, dtype=np.float64))
    a = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    # clip guards against a > 1 from rounding, which would make arcsin return nan
    central = 2.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return np.asarray(EARTH_RADIUS_KM * central, dtype=np.float64)


def unit_vectors(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Points as (n, 3) unit vectors on the sphere, for `GeodesicTravel.minutes_unit`."""
    lat = np.radians(np.asarray(lats, dtype=np.float64))
    lon = np.radians(np.asarray(lons, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def chord_km(origin: Point, xyz: FloatArray) -> FloatArray:
    """The haversine distance computed from precomputed unit vectors.

    The same great circle (2 asin(chord / 2) is haversine's own identity), but with
    the trigonometry of the destinations done once when they were stored, it costs
    a third of `haversine_km` per call: a decision over 100,000 jobs needs that.
    """
    o = unit_vectors(np.array([origin.lat]), np.array([origin.lon]))[0]
    d = xyz - o
    chord = np.sqrt(np.einsum("ij,ij->i", d, d))
    central = 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    return np.asarray(EARTH_RADIUS_KM * central, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class GeodesicTravel:
    """Straight-line distance inflated by `road_factor`, driven at `speed_kmh`.

    `minutes` uses geopy's ellipsoidal geodesic (exact); `minutes_many` uses a numpy
    haversine on a sphere (fast). They agree within ~0.5%.
    """

    road_factor: float = 1.3
    speed_kmh: float = 40.0

    def __post_init__(self) -> None:
        if self.road_factor <= 0.0:
            raise ValueError(f"road_factor must be > 0, got {self.road_factor}")
        if self.speed_kmh <= 0.0:
            raise ValueError(f"speed_kmh must be > 0, got {self.speed_kmh}")

    def _km_to_minutes(self, km: float) -> float:
        return km * self.road_factor / self.speed_kmh * 60.0

    def minutes(self, origin: Point, dest: Point) -> float:
        """Driving minutes from `origin` to `dest` via the WGS84 geodesic."""
        km = float(geodesic((origin.lat, origin.lon), (dest.lat, dest.lon)).km)
        return self._km_to_minutes(km)

    def minutes_many(self, origin: Point, lats: FloatArray, lons: FloatArray) -> FloatArray:
        """Driving minutes from `origin` to many points via a vectorised haversine."""
        km = haversine_km(origin, lats, lons)
        return np.asarray(km * (self.road_factor / self.speed_kmh * 60.0), dtype=np.float64)

    def minutes_unit(self, origin: Point, xyz: FloatArray) -> FloatArray:
        """`minutes_many` for destinations given as `unit_vectors` (same figures, faster)."""
        km = chord_km(origin, xyz)
        return np.asarray(km * (self.road_factor / self.speed_kmh * 60.0), dtype=np.float64)
