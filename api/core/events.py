"""The named events of the log: every state change records one of these.

The values are what the `events` collection stores (and what reports and tests read),
so they never change; add a member for a new kind of change.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    JOB_BOOKED = "job.booked"
    JOB_ASSIGNED = "job.assigned"
    JOB_REASSIGNED = "job.reassigned"
    JOB_EN_ROUTE = "job.en_route"
    JOB_ON_SITE = "job.on_site"
    JOB_COMPLETED = "job.completed"
    JOB_CANCELLED = "job.cancelled"
    JOB_RESCHEDULED = "job.rescheduled"
    JOB_ETA = "job.eta"
    JOB_EDITED = "job.edited"
    # A job handed back to the pool, by whom or why.
    JOB_DECLINED = "job.declined"
    JOB_UNASSIGNED = "job.unassigned"
    JOB_RELEASED = "job.released"
    JOB_UNACKNOWLEDGED = "job.unacknowledged"
    TECH_ON_DUTY = "technician.on_duty"
    TECH_OFF_DUTY = "technician.off_duty"
    TECH_BREAK = "technician.break"
    TECH_BACK = "technician.back"
    TECH_OVERTIME = "technician.overtime"
    TECH_OVERTIME_ASKED = "technician.overtime_asked"
    # The office: people, skills, customers, the company.
    COMPANY_UPDATED = "company.updated"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_EDITED = "customer.edited"
    SKILL_ADDED = "skill.added"
    SKILL_RESTORED = "skill.restored"
    SKILL_RETIRED = "skill.retired"
    TECH_ADDED = "technician.added"
    TECH_DEACTIVATED = "technician.deactivated"
    TECH_EDITED = "technician.edited"
    TECH_REACTIVATED = "technician.reactivated"
