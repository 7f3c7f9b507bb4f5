"""The run's KPIs, computed from its records (pure functions, no I/O).

Billable utilization is on-site time over paid time (clock-on to the later of shift
end and clock-off): 75% is the trade's gold standard, above 95% means overwork or
doctored numbers. Drive share is drive / (drive + on-site). On time means the tech
arrived within the customer's arrival window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from api.ops.simulator.bound import lp_bound
from api.ops.simulator.records import JobRecord, LearnedTech, Outcome, ShiftRecord, SimResult
from routing import shrunk_close_rate

GOLD_STANDARD, OVERWORK = 0.75, 0.95

Summary = dict[str, Any]


def utilization_by_tech(shifts: Iterable[ShiftRecord]) -> dict[str, float]:
    onsite: defaultdict[str, float] = defaultdict(float)
    paid: defaultdict[str, float] = defaultdict(float)
    for s in shifts:
        onsite[s.tech_id] += s.onsite_min
        paid[s.tech_id] += s.paid_min
    return {t: onsite[t] / paid[t] if paid[t] > 0 else 0.0 for t in sorted(paid)}


def learning_correlation(learned: Iterable[LearnedTech]) -> float | None:
    """Pearson correlation of routing's shrunk close rates with the hidden true ones."""
    techs = list(learned)
    completed = sum(t.completed for t in techs)
    prior = sum(t.sales for t in techs) / completed if completed else 0.5
    estimate = np.array([shrunk_close_rate(t.sales, t.completed, prior) for t in techs])
    truth = np.array([t.true_close_rate for t in techs])
    if len(techs) < 2 or estimate.std() == 0 or truth.std() == 0:
        return None
    return float(np.corrcoef(estimate, truth)[0, 1])


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def summarize(result: SimResult, label: str | None = None) -> Summary:
    """The run's KPIs; `label` names the policy (default: the dispatch policy's name)."""
    world, jobs = result.world, result.jobs
    days, n_techs = world.days, len(world.techs)
    count = {o: sum(1 for j in jobs if j.outcome is o) for o in Outcome}
    done: list[JobRecord] = [j for j in jobs if j.outcome is Outcome.COMPLETED]
    revenue = sum(j.sold + j.call.agreement_value for j in done)
    truth = {t.id: t for t in world.techs}
    expected = sum(j.call.expected_value(truth[j.tech_id]) for j in done if j.tech_id)
    bound = lp_bound(world)
    urgent = ("emergency",)
    sales = sum(1 for j in done if j.sold > 0)
    arrived = [j.on_time for j in jobs if j.on_time is not None]
    util = list(utilization_by_tech(result.shifts).values()) or [0.0]
    drive = sum(s.drive_min for s in result.shifts)
    onsite = sum(s.onsite_min for s in result.shifts)
    corr = learning_correlation(result.learned)
    paid = sum(s.paid_min for s in result.shifts)
    return {
        "policy": label or result.policy.value,
        "seed": world.seed,
        "techs": n_techs,
        "days": days,
        "calls_per_tech_day": world.calls_per_tech_day,
        "revenue_total": round(revenue, 2),
        "sales_total": round(sum(j.sold for j in done), 2),
        "agreements_kept_total": round(sum(j.call.agreement_value for j in done), 2),
        "revenue_per_day": round(revenue / days, 2),
        "revenue_per_tech_day": round(revenue / days / n_techs, 2),
        "expected_revenue_per_day": round(expected / days, 2),
        "lp_bound_per_day": round(bound / days, 2),
        "share_of_lp_bound": round(_share(expected, bound), 3),
        "goes_elsewhere": result.goes_elsewhere,
        "avg_revenue_per_call": round(_share(revenue, len(done)), 2),
        "jobs_booked": len(jobs),
        "jobs_completed": count[Outcome.COMPLETED],
        "jobs_unserved": count[Outcome.UNSERVED],
        "jobs_cancelled": count[Outcome.CANCELLED],
        "jobs_open": count[Outcome.BOOKED] + count[Outcome.WORKING],
        "emergencies_unserved": sum(
            1
            for j in jobs
            if j.outcome is Outcome.UNSERVED and j.call.booking.priority.value in urgent
        ),
        "jobs_per_tech_day": round(len(done) / days / n_techs, 2),
        "close_rate": round(_share(sales, len(done)), 3),
        "avg_ticket": round(_share(revenue, sales), 2),
        "utilization_mean": round(float(np.mean(util)), 3),
        "utilization_min": round(float(np.min(util)), 3),
        "utilization_max": round(float(np.max(util)), 3),
        "techs_above_95": sum(1 for u in util if u > OVERWORK),
        "drive_share": round(_share(drive, drive + onsite), 3),
        "drive_share_of_paid": round(_share(drive, paid), 3),
        "on_time_rate": round(_share(sum(arrived), len(arrived)), 3),
        "learned_close_rate_corr": None if corr is None else round(corr, 3),
        "actions": result.actions,
        "wall_seconds": round(result.wall_seconds, 2),
    }


def format_text(s: Summary) -> str:
    """The summary as a short report for a person at a terminal."""
    flag = ""
    if s["utilization_max"] > OVERWORK:
        flag = f"  WARNING: above {OVERWORK:.0%} means overwork"
    corr = s["learned_close_rate_corr"]
    lines = [
        f"nextjob simulate: policy={s['policy']} techs={s['techs']} days={s['days']} "
        f"seed={s['seed']} calls/tech/day={s['calls_per_tech_day']:g}",
        f"  revenue per day        ${s['revenue_per_day']:>12,.2f}",
        f"  expected revenue/day   ${s['expected_revenue_per_day']:>12,.2f}"
        f"   ({s['share_of_lp_bound']:.0%} of the LP bound ${s['lp_bound_per_day']:,.0f})",
        f"  revenue per tech/day   ${s['revenue_per_tech_day']:>12,.2f}",
        f"  avg revenue per call   ${s['avg_revenue_per_call']:>12,.2f}"
        f"   (close rate {s['close_rate']:.0%}, avg ticket ${s['avg_ticket']:,.0f})",
        f"  jobs booked            {s['jobs_booked']:>13}",
        f"  jobs completed         {s['jobs_completed']:>13}"
        f"   ({s['jobs_per_tech_day']:g}/tech/day)",
        f"  jobs not served        {s['jobs_unserved']:>13}   (handed back to rebook)",
        f"  cancelled by customer  {s['jobs_cancelled']:>13}",
        f"  billable utilization   mean {s['utilization_mean']:.0%}  min {s['utilization_min']:.0%}"
        f"  max {s['utilization_max']:.0%}  (gold standard {GOLD_STANDARD:.0%}){flag}",
        f"  drive-time share       {s['drive_share']:>13.0%}",
        f"  on time (in window)    {s['on_time_rate']:>13.0%}",
        "  learned vs true close  " + ("n/a" if corr is None else f"{corr:>13.2f}") + "  (corr)",
        f"  wall time              {s['wall_seconds']:>12.1f}s  ({s['actions']} events)",
    ]
    return "\n".join(lines)
