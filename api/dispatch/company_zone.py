"""The company's time zone, as a manager saved it, for every "today" in dispatch.

Declines are kept per company day, and the weekly shift pattern says who works today;
both must follow the zone the manager set on the Team page, not the process's default.
The zone is read from the company document at most every `FRESH_SECONDS` (one small
read); the process that saves a change sets it at once, others follow within that.
"""

from __future__ import annotations

import time
from typing import Final

from api.core.clock import Clock, company_day
from api.core.settings import Settings
from api.persistence.company import read_company
from api.persistence.store import Store

FRESH_SECONDS: Final = 30.0


class CompanyZone:
    """The company's IANA zone name, read through and kept for `FRESH_SECONDS`."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self.name = settings.timezone  # until the first read
        self._read_at: float | None = None

    def set(self, name: str) -> None:
        """A manager just saved this zone (in this process)."""
        self.name = name
        self._read_at = time.monotonic()

    async def current(self) -> str:
        """The zone, read again when the kept one is older than `FRESH_SECONDS`."""
        now = time.monotonic()
        if self._read_at is None or now - self._read_at > FRESH_SECONDS:
            self.set((await read_company(self._store, self._settings)).timezone)
        return self.name

    async def today(self, clock: Clock) -> str:
        """The company's calendar day now."""
        return company_day(clock(), await self.current())
