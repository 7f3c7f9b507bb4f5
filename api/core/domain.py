"""The words of the trade: statuses, kinds, priorities and who may move what where."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class JobStatus(StrEnum):
    BOOKED = "booked"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


class TechStatus(StrEnum):
    OFF_DUTY = "off_duty"
    AVAILABLE = "available"
    BUSY = "busy"
    ON_BREAK = "on_break"
    # Deactivated by a manager: never on duty, never assigned (reactivation is OFF_DUTY).
    INACTIVE = "inactive"


class JobKind(StrEnum):
    REPAIR = "repair"
    BROKEN_EQUIPMENT = "broken_equipment"
    MAINTENANCE = "maintenance"
    INSTALL = "install"
    ESTIMATE = "estimate"


class Priority(StrEnum):
    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Role(StrEnum):
    TECHNICIAN = "technician"
    CSR = "csr"
    DISPATCHER = "dispatcher"
    MANAGER = "manager"
    INTEGRATION = "integration"


# The statuses in which a job occupies its technician: at most one per tech.
ACTIVE_STATUSES: Final = (JobStatus.ASSIGNED, JobStatus.EN_ROUTE, JobStatus.ON_SITE)
OPEN_STATUSES: Final = (JobStatus.BOOKED,)
FINAL_STATUSES: Final = (JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.RESCHEDULED)
# A technician at work today (a break included), as stored.
ON_DUTY_STATUSES: Final = tuple(
    s.value for s in (TechStatus.AVAILABLE, TechStatus.BUSY, TechStatus.ON_BREAK)
)

# Typical on-site minutes by kind, used when the booking does not say.
DEFAULT_DURATION_MIN: Final = {
    JobKind.REPAIR: 75,
    JobKind.BROKEN_EQUIPMENT: 90,
    JobKind.MAINTENANCE: 45,
    JobKind.INSTALL: 180,
    JobKind.ESTIMATE: 40,
}

KNOWN_SKILLS: Final = frozenset(
    {"hvac", "plumbing", "electrical", "refrigeration", "water_heater", "drains", "it"}
)
