"""Input checks shared by every entry point (GraphQL, simulator, seed): reject, never clip."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.core.domain import DEFAULT_DURATION_MIN, JobKind, Priority
from api.core.errors import InvalidInput

MAX_JOB_VALUE = 100_000.0
MAX_SOLD_AMOUNT = 250_000.0
_SKILL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")


@dataclass(frozen=True, slots=True)
class Booking:
    customer_name: str
    customer_phone: str
    address: str
    lat: float
    lon: float
    problem: str
    kind: JobKind
    priority: Priority
    estimated_value: float
    required_skills: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    urgency_list: bool = False
    duration_min: float | None = None


# Characters that reorder what is displayed (the "Trojan Source" family): never needed in
# a name, an address or a problem description, and a way to make text lie on the board.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(value: str) -> str:
    """The characters a person sees: without format characters (zero-width spaces and
    joiners, bidi overrides: Unicode category Cf) and whitespace."""
    return "".join(c for c in value if not c.isspace() and unicodedata.category(c) != "Cf")


def text(value: str, field: str, *, max_len: int, min_len: int = 1) -> str:
    cleaned = value.strip()
    if len(cleaned) < min_len or (min_len > 0 and not _visible(cleaned)):
        raise InvalidInput(f"{field} must not be empty", field)
    if any(unicodedata.category(c) == "Cf" and c in _BIDI_CONTROLS for c in cleaned):
        raise InvalidInput(f"{field} contains text-direction control characters", field)
    if len(cleaned) > max_len:
        raise InvalidInput(f"{field} is longer than {max_len} characters", field)
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        raise InvalidInput(f"{field} contains control characters", field)
    return cleaned


def coordinates(lat: float, lon: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InvalidInput("lat must be a number between -90 and 90", "lat")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise InvalidInput("lon must be a number between -180 and 180", "lon")
    return lat, lon


def money(value: float, field: str, *, maximum: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{field} must be zero or a positive amount", field)
    if value > maximum:
        raise InvalidInput(f"{field} is above the {maximum:,.0f} limit", field)
    return round(value, 2)


def skills(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if len(values) > 10:
        raise InvalidInput("at most 10 required skills", "requiredSkills")
    out = []
    for raw in values:
        skill = raw.strip().lower()
        if not _SKILL.match(skill):
            raise InvalidInput(f"invalid skill name {raw[:40]!r}", "requiredSkills")
        out.append(skill)
    return tuple(sorted(set(out)))


def identifier(value: str, field: str) -> str:
    """Ids are opaque short strings; anything else cannot name one of our records."""
    if not isinstance(value, str) or not (1 <= len(value) <= 64) or value.startswith("$"):
        raise InvalidInput(f"{field} is not a valid id", field)
    return value


def arrival_window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """A window a customer can be promised: zoned, ordered, at most 12 h, not over."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("arrival window times need a time zone offset", "arrivalWindow")
    if end <= start:
        raise InvalidInput("arrival window must end after it starts", "arrivalWindow")
    if end - start > timedelta(hours=12):
        raise InvalidInput("arrival window may span at most 12 hours", "arrivalWindow")
    if end < now:
        raise InvalidInput("arrival window is already over", "arrivalWindow")
    if start > now + timedelta(days=90):
        raise InvalidInput("arrival window is more than 90 days ahead", "arrivalWindow")
    return start, end


def booking(b: Booking, now: datetime) -> Booking:
    """A checked, normalised copy of a booking request."""
    coordinates(b.lat, b.lon)
    if not _PHONE.match(b.customer_phone.strip()):
        raise InvalidInput("customer phone must be 7-20 digits", "customer.phone")
    arrival_window(b.window_start, b.window_end, now)
    duration = b.duration_min
    if duration is None:
        duration = float(DEFAULT_DURATION_MIN[b.kind])
    elif not (math.isfinite(duration) and 5 <= duration <= 720):
        raise InvalidInput("duration must be between 5 and 720 minutes", "durationMinutes")
    return Booking(
        customer_name=text(b.customer_name, "customer.name", max_len=120),
        customer_phone=b.customer_phone.strip(),
        address=text(b.address, "address", max_len=300),
        lat=b.lat,
        lon=b.lon,
        problem=text(b.problem, "problem", max_len=2000),
        kind=b.kind,
        priority=b.priority,
        estimated_value=money(b.estimated_value, "estimatedValue", maximum=MAX_JOB_VALUE),
        required_skills=skills(b.required_skills),
        window_start=b.window_start,
        window_end=b.window_end,
        urgency_list=b.urgency_list,
        duration_min=duration,
    )
