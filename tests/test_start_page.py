"""The start page and GraphiQL, in Chromium on a machine with no internet."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser import chromium_page
from tests.servers import ROOT, ApiProcess

pytestmark = pytest.mark.slow


async def test_start_page_links_every_page(api: ApiProcess, tmp_path: Path) -> None:
    """`/` names where each kind of user goes, each link reachable by keyboard."""
    async with chromium_page(tmp_path / "p", viewport={"width": 390, "height": 844}) as page:
        await page.goto(f"{api.base_url}/")
        nav = page.get_by_role("navigation", name="Pages")
        for name, href in [
            ("Sign in", "/signin"),
            ("Board and live map", "/map/"),
            ("Booking desk", "/console/desk"),
            ("Technician app", "/tech/"),
            ("GraphiQL", "/graphql"),
        ]:
            link = nav.get_by_role("link", name=name)
            await expect(link).to_have_attribute("href", href)
        box = await nav.get_by_role("link", name="GraphiQL").bounding_box()
        assert box is not None and box["height"] >= 48  # a thumb's touch target
        await page.screenshot(path=str(ROOT / "docs" / "start.png"))


async def test_graphiql_loads_from_this_server(api: ApiProcess, tmp_path: Path) -> None:
    """GraphiQL's editor renders with every script and style served locally."""
    async with chromium_page(tmp_path / "p", viewport={"width": 1280, "height": 800}) as page:
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: elsewhere.append(r.url) if not r.url.startswith(api.base_url) else None,
        )
        await page.goto(f"{api.base_url}/graphql", wait_until="load")
        await expect(page.get_by_test_id("graphiql-container")).to_be_visible()
        assert [u for u in elsewhere if not u.startswith("data:")] == []
