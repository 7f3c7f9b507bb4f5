"""Per-tech performance estimates, shrunk toward a prior so new techs are not extreme.

A tech with 1 sale out of 1 job is not a 100% closer; Bayesian (beta/pseudo-count)
shrinkage blends their record with the company prior, weighted by how much data they have.
"""

from __future__ import annotations

import math


def _require_count(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


def _require_positive(name: str, value: float) -> None:
    # `not value > 0` also rejects nan, which would otherwise silently poison every score
    if not value > 0.0 or math.isinf(value):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")


def shrunk_close_rate(
    sales: int, completed: int, prior_rate: float, prior_weight: float = 10.0
) -> float:
    """Estimate P(sale) as (sales + prior_rate * prior_weight) / (completed + prior_weight).

    A tech with no completed jobs gets exactly `prior_rate`. Raises ValueError on negative
    counts, sales > completed, prior_rate outside [0, 1], or prior_weight <= 0.
    """
    _require_count("sales", sales)
    _require_count("completed", completed)
    if sales > completed:
        raise ValueError(f"sales ({sales}) cannot exceed completed jobs ({completed})")
    if not 0.0 <= prior_rate <= 1.0:
        raise ValueError(f"prior_rate must be in [0, 1], got {prior_rate}")
    _require_positive("prior_weight", prior_weight)
    return (sales + prior_rate * prior_weight) / (completed + prior_weight)


def shrunk_ticket_factor(
    total_sold: float, sales: int, company_avg_ticket: float, prior_weight: float = 5.0
) -> float:
    """Estimate the tech's average ticket relative to the company average, shrunk toward 1.0.

    Computes (total_sold / company_avg_ticket + prior_weight) / (sales + prior_weight), i.e.
    each sale counts as one observation of ticket / company_avg, and the prior adds
    `prior_weight` observations of exactly 1.0. A tech with no sales gets 1.0.
    Raises ValueError on negative inputs, revenue without sales, or a non-positive
    company average / prior weight.
    """
    _require_count("sales", sales)
    if not total_sold >= 0.0 or math.isinf(total_sold):
        raise ValueError(f"total_sold must be a finite number >= 0, got {total_sold}")
    if sales == 0 and total_sold > 0.0:
        raise ValueError("total_sold > 0 with zero sales is inconsistent")
    _require_positive("company_avg_ticket", company_avg_ticket)
    _require_positive("prior_weight", prior_weight)
    return (total_sold / company_avg_ticket + prior_weight) / (sales + prior_weight)


def mix_adjusted_ticket_factor(
    by_kind: dict[str, tuple[int, float]],
    company_kind_ticket: dict[str, float],
    prior_weight: float = 5.0,
) -> float:
    """A tech's ticket skill with the job mix taken out, shrunk toward 1.0.

    `by_kind` maps a kind to (sales, total sold) for this tech; `company_kind_ticket`
    is the company's average sale on that kind. Each sale counts as one observation of
    sold / the company's average sale *of the same kind*, so a tech sent richer kinds
    (installs) does not look like a better seller for it. Kinds the company has no
    average for are ignored. A tech with no sales gets 1.0.
    """
    _require_positive("prior_weight", prior_weight)
    ratio_sum, sales = 0.0, 0
    for kind, (n, sold) in by_kind.items():
        _require_count("sales", n)
        average = company_kind_ticket.get(kind, 0.0)
        if n == 0 or not average > 0.0:
            continue
        ratio_sum += sold / average
        sales += n
    return (ratio_sum + prior_weight) / (sales + prior_weight)


def explore(rate: float, peer_rate: float, completed: int, until: int) -> float:
    """The exploration rule: until a tech has `until` results, their estimate is never
    below the company's (`peer_rate`), so early bad luck does not send a new tech only
    the poor jobs; after that, results alone decide (favourites by results only)."""
    _require_count("completed", completed)
    return max(rate, peer_rate) if completed < until else rate
