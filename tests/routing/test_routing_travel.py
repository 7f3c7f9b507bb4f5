"""Travel-time model tests."""

from __future__ import annotations

import numpy as np
import pytest

from routing import GeodesicTravel, Point, TravelModel
from tests.routing.routing_factories import AUSTIN, offset

# Round Rock, Georgetown, San Marcos, Bastrop, and a point a few blocks away.
DESTINATIONS = [
    Point(30.5083, -97.6789),
    Point(30.6333, -97.6780),
    Point(29.8833, -97.9414),
    Point(30.1105, -97.3153),
    Point(30.2700, -97.7400),
]


def test_vectorised_minutes_agree_with_geodesic_within_one_percent() -> None:
    """minutes_many (haversine) and minutes (geodesic) agree within 1%."""
    travel = GeodesicTravel()
    lats = np.array([p.lat for p in DESTINATIONS])
    lons = np.array([p.lon for p in DESTINATIONS])
    fast = travel.minutes_many(AUSTIN, lats, lons)
    exact = np.array([travel.minutes(AUSTIN, p) for p in DESTINATIONS])
    np.testing.assert_allclose(fast, exact, rtol=0.01)


def test_minutes_scale_with_road_factor_and_speed() -> None:
    """1 km straight line is 1.3 km of road at 40 km/h, i.e. 1.95 minutes."""
    dest = offset(AUSTIN, north_km=1.0)
    assert GeodesicTravel().minutes(AUSTIN, dest) == pytest.approx(1.95, rel=0.01)
    doubled = GeodesicTravel(road_factor=1.3, speed_kmh=80.0).minutes(AUSTIN, dest)
    assert doubled == pytest.approx(1.95 / 2, rel=0.01)


def test_same_point_is_zero_minutes() -> None:
    """Travel from a point to itself takes zero minutes on both paths."""
    travel = GeodesicTravel()
    assert travel.minutes(AUSTIN, AUSTIN) == 0.0
    many = travel.minutes_many(AUSTIN, np.array([AUSTIN.lat]), np.array([AUSTIN.lon]))
    assert many.tolist() == [0.0]


def test_empty_arrays_give_empty_result() -> None:
    """minutes_many on no destinations returns an empty float array."""
    many = GeodesicTravel().minutes_many(AUSTIN, np.array([]), np.array([]))
    assert many.shape == (0,)


def test_geodesic_travel_satisfies_protocol() -> None:
    """GeodesicTravel is a TravelModel."""
    assert isinstance(GeodesicTravel(), TravelModel)


@pytest.mark.parametrize(("road_factor", "speed_kmh"), [(0.0, 40.0), (1.3, 0.0), (-1.0, 40.0)])
def test_invalid_travel_parameters_raise(road_factor: float, speed_kmh: float) -> None:
    """Non-positive road factor or speed is rejected."""
    with pytest.raises(ValueError, match="must be > 0"):
        GeodesicTravel(road_factor=road_factor, speed_kmh=speed_kmh)
