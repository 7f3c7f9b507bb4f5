"""Value-type validation tests, plus the package's import boundary."""

from __future__ import annotations

import ast
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import routing
from routing import Point
from tests.routing.routing_factories import HOUR, NOW, make_job, make_tech

ALLOWED_THIRD_PARTY = {"numpy", "scipy", "geopy", "routing"}
# Optional (the dev extra): imported inside a function, never when routing is imported.
LAZY_THIRD_PARTY = {"ortools"}


def test_routing_imports_only_stdlib_numpy_scipy_geopy() -> None:
    """No module in routing imports anything from the rest of the project, and OR-Tools
    only lazily, so the product runs without it."""
    package_dir = Path(routing.__file__).parent
    for module in package_dir.glob("*.py"):
        tree = ast.parse(module.read_text())
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            lazy_ok = id(node) not in top_level
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                allowed = root in ALLOWED_THIRD_PARTY or root in sys.stdlib_module_names
                allowed = allowed or (lazy_ok and root in LAZY_THIRD_PARTY)
                assert allowed, f"{module.name} imports {root}"


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (-91.0, 0.0), (0.0, 181.0)])
def test_point_rejects_out_of_range_coordinates(lat: float, lon: float) -> None:
    """Latitudes beyond +-90 and longitudes beyond +-180 raise ValueError."""
    with pytest.raises(ValueError, match="out of range"):
        Point(lat, lon)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "teleport"}, "unknown job kind"),
        ({"priority": "whenever"}, "unknown priority"),
        ({"value": -1.0}, "value must be >= 0"),
        ({"duration_min": -5.0}, "duration_min must be >= 0"),
        ({"window_end": NOW - HOUR}, "window_end is before"),
        ({"booked_at": datetime(2025, 6, 1, 12, 0)}, "timezone-aware"),
    ],
)
def test_job_validation(overrides: dict[str, Any], message: str) -> None:
    """Unknown kind/priority, negative value/duration, bad window, naive time raise."""
    with pytest.raises(ValueError, match=message):
        make_job("bad", **overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"close_rate": 1.2}, "close_rate"),
        ({"ticket_factor": -0.1}, "ticket_factor"),
        ({"shift_end": datetime(2025, 6, 2, 20)}, "timezone-aware"),
    ],
)
def test_tech_validation(overrides: dict[str, Any], message: str) -> None:
    """Close rate outside [0, 1], negative ticket factor, naive shift end raise."""
    with pytest.raises(ValueError, match=message):
        make_tech(**overrides)


def test_work_deadline_uses_later_of_shift_and_overtime() -> None:
    """Overtime extends the deadline; an earlier overtime value never shortens it."""
    assert make_tech(shift_end=None).work_deadline() is None
    assert make_tech(shift_end=NOW, overtime_until=NOW + HOUR).work_deadline() == NOW + HOUR
    assert make_tech(shift_end=NOW, overtime_until=NOW - HOUR).work_deadline() == NOW
