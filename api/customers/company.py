"""Who the customer hears from: the company's name, phone and time zone.

`company_source` is the one place these are read: the `company` document managers edit
(api/persistence/company.py), defaulting to `NEXTJOB_COMPANY_NAME`, `_PHONE`, `_TIMEZONE`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from api.core.settings import Settings
from api.customers.wording import Company
from api.persistence.company import read_company
from api.persistence.store import Store

CompanySource = Callable[[], Awaitable[Company]]


def company_source(store: Store, settings: Settings) -> CompanySource:
    """The company as saved by a manager, read fresh for each notice and page."""

    async def current() -> Company:
        saved = await read_company(store, settings)
        return Company(saved.name, saved.phone, saved.timezone)

    return current


def fixed_company(company: Company) -> CompanySource:
    """A given company (tests, tools)."""

    async def current() -> Company:
        return company

    return current
