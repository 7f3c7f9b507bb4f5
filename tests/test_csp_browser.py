"""The live map works under the Content-Security-Policy: no violation in a real Chromium."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.gql import token
from tests.servers import ApiProcess
from tests.test_map_browser import api, page

__all__ = ["api", "page"]


async def test_map_runs_without_csp_violations(page: Page, api: ApiProcess) -> None:
    """Opening /map (scripts, styles, the socket) reports no CSP violation."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    await page.goto(f"{api.base_url}/map?token={token('dispatcher', 'dispatch_csp')}")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#conn")).to_have_text("Live")
    assert violations == []
