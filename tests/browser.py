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

from api.core.domain import Role
from api.persistence.store import Store
from tests.test_sessions import PASSWORD, make_account

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


async def sign_in_as(page: Page, base_url: str, store: Store, login: str, role: Role) -> None:
    """Make an account and sign in at /signin, as a person would; the session cookie then
    opens every page this role may use."""
    await make_account(store, login, role)
    await page.context.clear_cookies()  # whoever was signed in here before
    await page.goto(f"{base_url}/signin")
    await page.get_by_label("Email or username").fill(login)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    async with page.expect_response(lambda r: r.url.endswith("/auth/sign-in")) as signed:
        await page.get_by_role("button", name="Sign in").click()
    assert (await signed.value).ok
    # The page then takes the role to its landing page: let that navigation finish.
    await page.wait_for_url(lambda url: "/signin" not in url)
    await page.wait_for_load_state()
