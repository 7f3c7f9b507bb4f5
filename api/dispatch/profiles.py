"""Turn stored documents into routing's plain data (the only place that knows both)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from api.customers.places import point
from api.persistence.store import Doc
from routing import OpenJob, TechProfile, shrunk_close_rate, shrunk_ticket_factor
from routing.performance import explore, mix_adjusted_ticket_factor

# The company's own rates lean on these until it has results of its own. A choice, not a
# measurement: residential service-call close rates are commonly put between a third and
# a half, and 0.5 is the rate this product always assumed for a company with no data, so
# a new company's decisions do not change; $800 likewise is the assumed average ticket.
INDUSTRY_CLOSE_RATE = 0.5
INDUSTRY_TICKET = 800.0
# Pseudo-counts for the company prior's own prior: the industry rate weighs as much as
# ~20 completed calls (or ~10 sales for the ticket), so one lucky sale moves it little.
_COMPANY_WEIGHT = 20.0
_COMPANY_TICKET_WEIGHT = 10.0
# Pseudo-counts: a kind's company rate leans on the overall rate until it has ~20
# results; a tech's kind rate leans on their own overall rate (scaled by how that kind
# sells company-wide) until they have ~10 results of that kind.
_COMPANY_KIND_WEIGHT = 20.0
_TECH_KIND_WEIGHT = 10.0
# The exploration rule: a tech with fewer results than this is estimated no worse than
# the company, so they get a fair share of good jobs until their own results speak.
EXPLORE_UNTIL = 15


def kind_stats(doc: Doc) -> Mapping[str, Doc]:
    """A technician's per-kind results: {kind: {completed, sales, sold_total}}."""
    by_kind: Mapping[str, Doc] = doc.get("stats_by_kind") or {}
    return by_kind


@dataclass(frozen=True, slots=True)
class CompanyPrior:
    """Company-wide results every tech's own results are shrunk toward."""

    close_rate: float
    avg_ticket: float
    kind_close_rates: Mapping[str, float] = field(default_factory=dict)
    kind_tickets: Mapping[str, float] = field(default_factory=dict)  # average sale per kind

    @classmethod
    def from_techs(cls, techs: Iterable[Doc]) -> CompanyPrior:
        completed = sales = 0
        sold = 0.0
        kind_completed: Counter[str] = Counter()
        kind_sales: Counter[str] = Counter()
        kind_sold: defaultdict[str, float] = defaultdict(float)
        for t in techs:
            stats = t.get("stats") or {}
            completed += int(stats.get("completed", 0))
            sales += int(stats.get("sales", 0))
            sold += float(stats.get("sold_total", 0.0))
            for kind, ks in kind_stats(t).items():
                kind_completed[kind] += int(ks.get("completed", 0))
                kind_sales[kind] += int(ks.get("sales", 0))
                kind_sold[kind] += float(ks.get("sold_total", 0.0))
        close_rate = shrunk_close_rate(sales, completed, INDUSTRY_CLOSE_RATE, _COMPANY_WEIGHT)
        avg_ticket = (sold + INDUSTRY_TICKET * _COMPANY_TICKET_WEIGHT) / (
            sales + _COMPANY_TICKET_WEIGHT
        )
        kind_rates = {
            kind: shrunk_close_rate(kind_sales[kind], n, close_rate, _COMPANY_KIND_WEIGHT)
            for kind, n in kind_completed.items()
        }
        tickets = {k: kind_sold[k] / n for k, n in kind_sales.items() if n and kind_sold[k] > 0}
        return cls(
            close_rate=close_rate,
            avg_ticket=avg_ticket,
            kind_close_rates=kind_rates,
            kind_tickets=tickets,
        )

    def kind_factor(self, kind: str) -> float:
        """How a kind sells relative to the average call (1.0 when unknown)."""
        if self.close_rate <= 0.0:
            return 1.0
        return self.kind_close_rates.get(kind, self.close_rate) / self.close_rate


def kind_close_rates(doc: Doc, overall: float, prior: CompanyPrior) -> dict[str, float]:
    """P(sale | tech, kind): the tech's kind record shrunk toward overall x kind factor
    (no lower than the company's kind rate while the tech is new: the exploration rule)."""
    completed = int((doc.get("stats") or {}).get("completed", 0))
    rates = {}
    for kind in prior.kind_close_rates:
        ks = kind_stats(doc).get(kind) or {}
        toward = min(overall * prior.kind_factor(kind), 1.0)
        n, sold = int(ks.get("completed", 0)), int(ks.get("sales", 0))
        rate = shrunk_close_rate(sold, n, toward, _TECH_KIND_WEIGHT)
        rates[kind] = explore(rate, prior.kind_close_rates[kind], completed, EXPLORE_UNTIL)
    return rates


def kept_off(doc: Doc, today: str | None) -> frozenset[str]:
    """The jobs routing must not offer this tech today: declined, or taken off them by
    dispatch. With `today` (the company's day) only that day's lists count."""
    if today is not None and doc.get("declined_day") != today:
        return frozenset()
    return frozenset(doc.get("declined_today", ())) | frozenset(doc.get("kept_away_today", ()))


def ticket_factor(doc: Doc, prior: CompanyPrior) -> float:
    """Ticket skill by results: sold against the company's average sale on the same kinds
    (so a richer job mix is not mistaken for skill); the old overall ratio without
    per-kind results."""
    stats = doc.get("stats") or {}
    sales = int(stats.get("sales", 0))
    if prior.kind_tickets and kind_stats(doc):
        by_kind = {
            k: (int(ks.get("sales", 0)), float(ks.get("sold_total", 0.0)))
            for k, ks in kind_stats(doc).items()
        }
        factor = mix_adjusted_ticket_factor(by_kind, dict(prior.kind_tickets))
    else:
        factor = shrunk_ticket_factor(float(stats.get("sold_total", 0.0)), sales, prior.avg_ticket)
    return explore(factor, 1.0, int(stats.get("completed", 0)), EXPLORE_UNTIL)


def tech_profile(doc: Doc, prior: CompanyPrior, today: str | None = None) -> TechProfile:
    stats = doc.get("stats") or {}
    completed = int(stats.get("completed", 0))
    sales = int(stats.get("sales", 0))
    shift_end: datetime | None = doc.get("shift_ends_at")
    overtime: datetime | None = doc.get("overtime_until")
    close_rate = explore(
        shrunk_close_rate(sales, completed, prior.close_rate),
        prior.close_rate,
        completed,
        EXPLORE_UNTIL,
    )
    return TechProfile(
        id=doc["_id"],
        location=point(doc.get("location") or doc["home"]),
        skills=frozenset(doc.get("skills", ())),
        shift_end=shift_end,
        overtime_until=overtime,
        close_rate=close_rate,
        kind_close_rates=kind_close_rates(doc, close_rate, prior),
        peer_close_rate=prior.close_rate if prior.close_rate > 0.0 else None,
        ticket_factor=ticket_factor(doc, prior),
        declined_job_ids=kept_off(doc, today),
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
