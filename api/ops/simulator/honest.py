"""The honest world's rules: unreached calls come back (or go elsewhere), and the
perfect-information oracle's view of each technician.

Pure helpers the simulation calls; they roll no dice of their own (each call carries
its draws), so every policy still faces the identical world for one seed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from api.core.domain import Priority
from api.ops.simulator.world import (
    EMERGENCY_WINDOW_HOURS,
    KINDS,
    MEAN_TICKET_MULTIPLIER,
    PHONES_OPEN,
    WINDOW_HOURS,
    Call,
    TechTruth,
    World,
)
from api.persistence.store import Doc

# The oracle's results are this many pseudo-jobs deep, so shrinkage leaves them as they are.
ORACLE_DEPTH = 100_000
# What the company's average sale looks like, so ticket factors come out as the skill.
_MEAN_VALUE = sum(share * median for share, median, _ in KINDS.values())


def rebooked(world: World, call: Call, goes_elsewhere: float) -> Call | None:
    """The call booked again for the next morning, or None if the customer goes
    elsewhere (its `leave_draw` below `goes_elsewhere`) or there is no next day."""
    day = call.day + 1
    if day >= world.days or call.leave_draw < goes_elsewhere:
        return None
    opens = world.local(day, PHONES_OPEN)
    hours = EMERGENCY_WINDOW_HOURS if call.booking.priority is Priority.EMERGENCY else WINDOW_HOURS
    booking = replace(call.booking, window_start=opens, window_end=opens + timedelta(hours=hours))
    # Rebooked on the evening call-back list: it rings first thing, and never cancels.
    return replace(
        call,
        day=day,
        at=opens - timedelta(minutes=30),
        booking=booking,
        cancels_after_min=None,
        leave_draw=1.0,
    )


def oracle_stats(truth: TechTruth) -> Doc:
    """Stored results that say exactly the hidden truth: P(sale) per kind and the
    ticket skill, so today's revenue policy routes with perfect information."""
    n = ORACLE_DEPTH
    sales = round(n * truth.close_rate)
    ticket = _MEAN_VALUE * MEAN_TICKET_MULTIPLIER * truth.ticket_skill
    by_kind = {}
    for kind, (_, _, lift) in KINDS.items():
        kind_sales = round(n * min(0.95, truth.close_rate * lift))
        by_kind[kind.value] = {
            "completed": n,
            "sales": kind_sales,
            "sold_total": kind_sales * ticket,
        }
    return {
        "stats": {"completed": n, "sales": sales, "sold_total": sales * ticket},
        "stats_by_kind": by_kind,
    }
