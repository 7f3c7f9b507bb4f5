"""Turn stored documents into routing's plain data (the only place that knows both)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from api.store import Doc
from routing import OpenJob, Point, TechProfile, shrunk_close_rate, shrunk_ticket_factor

_DEFAULT_CLOSE_RATE = 0.5
_DEFAULT_TICKET = 800.0


@dataclass(frozen=True, slots=True)
class CompanyPrior:
    """Company-wide results every tech's own results are shrunk toward."""

    close_rate: float
    avg_ticket: float

    @classmethod
    def from_techs(cls, techs: Iterable[Doc]) -> CompanyPrior:
        completed = sales = 0
        sold = 0.0
        for t in techs:
            stats = t.get("stats") or {}
            completed += int(stats.get("completed", 0))
            sales += int(stats.get("sales", 0))
            sold += float(stats.get("sold_total", 0.0))
        close_rate = sales / completed if completed else _DEFAULT_CLOSE_RATE
        avg_ticket = sold / sales if sales else _DEFAULT_TICKET
        return cls(close_rate=close_rate, avg_ticket=avg_ticket)


def point(geo: Doc) -> Point:
    lon, lat = geo["coordinates"]
    return Point(lat=float(lat), lon=float(lon))


def geo_point(lat: float, lon: float) -> Doc:
    return {"type": "Point", "coordinates": [lon, lat]}


def tech_profile(doc: Doc, prior: CompanyPrior) -> TechProfile:
    stats = doc.get("stats") or {}
    completed = int(stats.get("completed", 0))
    sales = int(stats.get("sales", 0))
    shift_end: datetime | None = doc.get("shift_ends_at")
    overtime: datetime | None = doc.get("overtime_until")
    return TechProfile(
        id=doc["_id"],
        location=point(doc.get("location") or doc["home"]),
        skills=frozenset(doc.get("skills", ())),
        shift_end=shift_end,
        overtime_until=overtime,
        close_rate=shrunk_close_rate(sales, completed, prior.close_rate),
        ticket_factor=shrunk_ticket_factor(
            float(stats.get("sold_total", 0.0)), sales, prior.avg_ticket
        ),
        declined_job_ids=frozenset(doc.get("declined_today", ())),
    )


def open_job(doc: Doc) -> OpenJob:
    return OpenJob(
        id=doc["_id"],
        location=point(doc["location"]),
        kind=doc["kind"],
        priority=doc["priority"],
        value=float(doc["estimated_value"]),
        duration_min=float(doc["duration_min"]),
        required_skills=frozenset(doc.get("required_skills", ())),
        window_start=doc["window_start"],
        window_end=doc["window_end"],
        booked_at=doc["booked_at"],
        urgency_list=bool(doc.get("urgency_list", False)),
    )
