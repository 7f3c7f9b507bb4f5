"""The live map works under the Content-Security-Policy: no violation in a real Chromium."""

from __future__ import annotations

from playwright.async_api import Page

from tests.servers import ApiProcess
from tests.test_map_browser import api, open_board, page

__all__ = ["api", "page"]


async def test_map_runs_without_csp_violations(page: Page, api: ApiProcess) -> None:
    """Signing in and opening /map (scripts, styles, the socket) reports no CSP violation."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    await open_board(page, api)
    assert violations == []
