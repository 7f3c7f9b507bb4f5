"""Who the customer hears from: the company's name, phone and time zone.

`settings_company` is the one place these are read; when the company becomes a document
managers edit, only this function changes (it is already async for that).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from api.core.settings import Settings
from api.customers.wording import Company

CompanySource = Callable[[], Awaitable[Company]]


def settings_company(settings: Settings) -> CompanySource:
    """The company as configured (`NEXTJOB_COMPANY_NAME`, `_PHONE`, `_TIMEZONE`)."""
    company = Company(settings.company_name, settings.company_phone, settings.timezone)

    async def current() -> Company:
        return company

    return current


def fixed_company(company: Company) -> CompanySource:
    """A given company (tests, tools)."""

    async def current() -> Company:
        return company

    return current
