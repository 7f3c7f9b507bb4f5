"""Debian's Chromium driven by Playwright, the way every page test opens a page.

Playwright never downloads a browser here; the flags keep Chromium off the network
this machine does not have (see the env notes in the README's Testing section).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright, expect

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000


@asynccontextmanager
async def chromium_page(profile: Path, **context: Any) -> AsyncIterator[Page]:
    """A page in a fresh Chromium profile; `context` goes to Playwright (viewport,
    geolocation, timezone_id, is_mobile...)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    context.setdefault("timezone_id", "America/Chicago")
    async with async_playwright() as pw:
        ctx = await pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, **context
        )
        try:
            yield ctx.pages[0] if ctx.pages else await ctx.new_page()
        finally:
            await ctx.close()
