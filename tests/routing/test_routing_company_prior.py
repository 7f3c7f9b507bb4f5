"""The company prior has a prior of its own: thin company data leans on industry rates."""

from __future__ import annotations

import pytest

from api.dispatch.profiles import INDUSTRY_CLOSE_RATE, CompanyPrior, tech_profile
from api.persistence.documents import geo_point


def _tech(tech_id: str, completed: int, sales: int, sold: float) -> dict[str, object]:
    return {
        "_id": tech_id,
        "home": geo_point(30.27, -97.74),
        "stats": {"completed": completed, "sales": sales, "sold_total": sold},
    }


def test_one_sale_company_wide_does_not_make_a_newcomer_a_sure_closer() -> None:
    """A company with one completed job, a sale: a tech with no history is not scored 1.0."""
    fleet = [_tech("veteran", 1, 1, 900.0), _tech("newcomer", 0, 0, 0.0)]
    prior = CompanyPrior.from_techs(fleet)
    newcomer = tech_profile(fleet[1], prior)
    assert newcomer.close_rate < 0.6
    assert newcomer.close_rate == pytest.approx(prior.close_rate)
    assert prior.close_rate == pytest.approx((1 + INDUSTRY_CLOSE_RATE * 20) / 21)


def test_a_company_with_no_results_uses_the_industry_rate() -> None:
    """No results at all: the industry rate, as before."""
    prior = CompanyPrior.from_techs([_tech("a", 0, 0, 0.0)])
    assert prior.close_rate == INDUSTRY_CLOSE_RATE


def test_plenty_of_company_data_outweighs_the_industry_rate() -> None:
    """With hundreds of results the company's own rate dominates."""
    prior = CompanyPrior.from_techs([_tech("a", 1000, 200, 200 * 600.0)])
    assert prior.close_rate == pytest.approx(0.2, abs=0.01)
    assert prior.avg_ticket == pytest.approx(600.0, rel=0.02)
