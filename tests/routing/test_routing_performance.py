"""Close-rate and ticket-factor shrinkage tests."""

from __future__ import annotations

import pytest

from routing import shrunk_close_rate, shrunk_ticket_factor
from routing.performance import explore, mix_adjusted_ticket_factor


def test_new_tech_gets_prior_close_rate() -> None:
    """A tech with no completed jobs gets exactly the prior close rate."""
    assert shrunk_close_rate(0, 0, prior_rate=0.42) == pytest.approx(0.42)


def test_new_tech_gets_average_ticket_factor() -> None:
    """A tech with no sales gets a ticket factor of exactly 1.0."""
    assert shrunk_ticket_factor(0.0, 0, company_avg_ticket=900.0) == pytest.approx(1.0)


def test_close_rate_formula() -> None:
    """Close rate is (sales + prior*weight) / (completed + weight)."""
    assert shrunk_close_rate(3, 10, prior_rate=0.5, prior_weight=10.0) == pytest.approx(0.4)


def test_close_rate_shrinks_small_samples_and_trusts_large_ones() -> None:
    """One lucky sale barely moves the estimate; hundreds of jobs dominate the prior."""
    lucky = shrunk_close_rate(1, 1, prior_rate=0.4)
    assert 0.4 < lucky < 0.5
    veteran = shrunk_close_rate(700, 1000, prior_rate=0.4)
    assert veteran == pytest.approx(0.7, abs=0.01)


def test_ticket_factor_formula_and_shrinkage() -> None:
    """Ticket factor is (sold/avg + weight) / (sales + weight), between 1 and the raw ratio."""
    # 5 sales averaging 2x the company ticket, prior weight 5 -> (10 + 5) / 10
    assert shrunk_ticket_factor(5000.0, 5, company_avg_ticket=500.0) == pytest.approx(1.5)
    low = shrunk_ticket_factor(250.0, 1, company_avg_ticket=500.0)
    assert 0.5 < low < 1.0


@pytest.mark.parametrize(
    ("sales", "completed", "prior_rate", "prior_weight"),
    [
        (-1, 5, 0.5, 10.0),
        (1, -5, 0.5, 10.0),
        (6, 5, 0.5, 10.0),
        (1, 5, 1.5, 10.0),
        (1, 5, -0.1, 10.0),
        (1, 5, 0.5, 0.0),
        (1, 5, 0.5, float("nan")),
    ],
)
def test_close_rate_validation(
    sales: int, completed: int, prior_rate: float, prior_weight: float
) -> None:
    """Negative counts, sales > completed, bad prior rate or weight raise ValueError."""
    with pytest.raises(ValueError, match=r"must|cannot"):
        shrunk_close_rate(sales, completed, prior_rate, prior_weight)


@pytest.mark.parametrize(
    ("total_sold", "sales", "company_avg", "prior_weight"),
    [
        (-10.0, 1, 500.0, 5.0),
        (100.0, -1, 500.0, 5.0),
        (100.0, 0, 500.0, 5.0),
        (100.0, 1, 0.0, 5.0),
        (100.0, 1, 500.0, -1.0),
        (float("inf"), 1, 500.0, 5.0),
    ],
)
def test_ticket_factor_validation(
    total_sold: float, sales: int, company_avg: float, prior_weight: float
) -> None:
    """Negative or inconsistent inputs and non-positive averages raise ValueError."""
    with pytest.raises(ValueError, match=r"must|inconsistent"):
        shrunk_ticket_factor(total_sold, sales, company_avg, prior_weight)


def test_ticket_skill_ignores_job_mix() -> None:
    """Selling installs at the company's install average is average skill, not 3x."""
    company = {"install": 1800.0, "maintenance": 300.0}
    installer = {"install": (20, 20 * 1800.0)}
    tuner = {"maintenance": (20, 20 * 300.0)}
    assert mix_adjusted_ticket_factor(installer, company) == pytest.approx(1.0)
    assert mix_adjusted_ticket_factor(tuner, company) == pytest.approx(1.0)
    better = {"maintenance": (20, 20 * 450.0)}
    assert mix_adjusted_ticket_factor(better, company) == pytest.approx((30 + 5) / 25)


def test_new_tech_is_explored_then_judged_by_results() -> None:
    """Below the result count a weak start is floored at the company rate; after, not."""
    assert explore(0.2, 0.5, completed=3, until=15) == 0.5
    assert explore(0.7, 0.5, completed=3, until=15) == 0.7
    assert explore(0.2, 0.5, completed=15, until=15) == 0.2
