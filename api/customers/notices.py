"""Which sentence each kind of customer notice says: one table over `wording`, shared by
the customer-timing hooks and by callers that stage a notice inside their own
transaction (`CustomerTiming.stage`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.customers import wording
from api.customers.wording import Company
from api.persistence.store import Doc


@dataclass(frozen=True, slots=True)
class Facts:
    """What a notice may mention; each kind uses the ones it needs."""

    now: datetime
    eta: datetime | None = None
    url: str | None = None
    tech_first: str = "Your technician"
    before_window: bool = False  # a moved-up visit earlier than the window given


KINDS = (
    "on_the_way",
    "heads_up",
    "moved_up",
    "sooner",
    "later",
    "running_late",
    "missed_window",
    "rescheduled",
)


def compose(company: Company, kind: str, job: Doc, facts: Facts) -> str:
    """The signed text for a notice of `kind` about `job`. Kinds that need an ETA and
    have none, and unknown kinds, fall back to the window (never a machine time)."""
    now, eta, url = facts.now, facts.eta, facts.url
    if kind == "missed_window":
        return wording.missed_window(company)
    if kind == "rescheduled" or eta is None or kind not in KINDS:
        when = wording.window(job["window_start"], job["window_end"], now, company.zone)
        if kind == "rescheduled":
            return wording.rescheduled(company, job["window_start"], job["window_end"], now)
        return wording.signed(f"Your visit is booked for {when}.", company)
    if kind == "on_the_way":
        return wording.on_the_way(company, facts.tech_first, eta, now, url)
    if kind == "heads_up":
        return wording.heads_up(company, eta, now, url)
    if kind == "moved_up":
        return wording.moved_up(company, eta, now, url, before_window=facts.before_window)
    if kind == "sooner":
        return wording.sooner(company, eta, now, url)
    return wording.later(company, eta, now, url)  # later, running_late
