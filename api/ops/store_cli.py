"""One shell command's work against the database: opened, closed, and a refusal (any
`NextjobError`) printed as its reason with exit status 1, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from api.core.errors import NextjobError
from api.core.settings import Settings

if TYPE_CHECKING:
    from api.persistence.store import Store


async def with_store(settings: Settings, uri: str, work: Callable[[Store], Awaitable[None]]) -> int:
    """Run `work` on the configured database; the command's exit status."""
    from api.persistence.store import Store  # imported late: `nextjob token` needs no driver

    store = Store(uri, settings.db_name)
    try:
        await work(store)
    except NextjobError as exc:
        print(f"nextjob: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    return 0
