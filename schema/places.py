"""Where and when: points on the map and the promised arrival window."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.persistence.store import Doc


@strawberry.type(description="A point on the map (WGS84).")
class Location:
    lat: float = strawberry.field(description="Latitude in degrees.")
    lon: float = strawberry.field(description="Longitude in degrees.")

    @classmethod
    def from_geo(cls, geo: Doc | None) -> Location | None:
        if not geo:
            return None
        lon, lat = geo["coordinates"]
        return cls(lat=lat, lon=lon)


@strawberry.type(description="The arrival window promised to the customer.")
class ArrivalWindow:
    start: datetime = strawberry.field(description="Earliest arrival.")
    end: datetime = strawberry.field(description="Latest arrival.")
