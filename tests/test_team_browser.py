"""The Team page at /console/team in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, expect

from api.core.domain import Role
from api.ops.seed import seed_demo
from api.persistence.store import Store
from tests.browser import chromium_page, sign_in_as
from tests.gql import Client
from tests.servers import ROOT, ApiProcess

pytestmark = pytest.mark.slow

DOCS = ROOT / "docs"
DASH = "\N{EN DASH}"  # the page writes ranges as typographers do


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """A fresh Chromium profile at 1280x800, the size of the README's screenshots."""
    async with chromium_page(tmp_path / "profile", viewport={"width": 1280, "height": 800}) as p:
        yield p


@pytest.fixture
async def api(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """The API on the Austin demo company."""
    await seed_demo(store, "America/Chicago")
    proc = ApiProcess(mongo_uri, db_name)
    try:
        yield proc
    finally:
        proc.stop()


async def test_a_manager_adds_a_technician_with_a_skill_and_a_shift(
    api: ApiProcess, store: Store, page: Page
) -> None:
    """On the Team page a manager adds a skill, then a tech with it and a Mon-Sat shift: the
    tech is listed with both and stored so; edit and deactivate follow."""
    await sign_in_as(page, api.base_url, store, "mgr_page", Role.MANAGER)
    await page.goto(f"{api.base_url}/console/team")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#tech-rows tr")).to_have_count(14)

    await page.fill("#skill-name", "solar")
    await page.click("#skill-form button[type=submit]")
    await expect(page.locator('#skill-list li[data-skill="solar"]')).to_be_visible()

    await page.click("#new-tech")
    await page.fill("#tech-name", "Rosa Diaz")
    await page.fill("#tech-phone", "(512) 555-0142")
    await page.check('#tech-skills input[value="solar"]')
    await page.check('#tech-skills input[value="hvac"]')
    await page.check("#day-SAT")
    for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT"):
        await page.fill(f"#start-{day}", "07:00")
        await page.fill(f"#end-{day}", "15:30")
    await page.click("#tech-save")

    row = page.locator("#tech-rows tr", has_text="Rosa Diaz")
    await expect(row).to_have_count(1)
    await expect(row.locator(".chip")).to_have_text(["hvac", "solar"])
    await expect(row.locator("td.shift")).to_have_text(f"Mon{DASH}Sat 07:00{DASH}15:30")
    await expect(row).to_contain_text("+15125550142")
    await expect(page.locator("#tech-rows tr")).to_have_count(15)
    tech_id = await row.get_attribute("data-tech-id")
    doc = await store.technicians.find_one({"_id": tech_id})
    assert doc is not None and doc["skills"] == ["hvac", "solar"]
    assert list(doc["weekly_shift"]) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert doc["weekly_shift"]["sat"] == {"start": "07:00", "end": "15:30"}
    await expect(page.locator("#toast")).not_to_have_class(re.compile(r"\bshow\b"))
    DOCS.mkdir(exist_ok=True)
    await page.screenshot(path=DOCS / "team.png")

    await row.get_by_role("button", name="Edit").click()
    await expect(page.locator("#editor-h")).to_have_text("Edit Rosa Diaz")
    await page.fill("#tech-name", "Rosa Diaz-Peralta")
    await page.uncheck("#day-SAT")
    await page.screenshot(path=DOCS / "team-edit.png")
    await page.click("#tech-save")
    edited = page.locator(f'#tech-rows tr[data-tech-id="{tech_id}"]')
    await expect(edited.locator(".tech-name")).to_have_text("Rosa Diaz-Peralta")
    await expect(edited.locator("td.shift")).to_have_text(f"Mon{DASH}Fri 07:00{DASH}15:30")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await edited.get_by_role("button", name="Deactivate").click()
    await expect(edited).to_have_count(0)  # deactivated techs are hidden by default
    await page.check("#show-inactive")
    await expect(edited.locator(".pill")).to_have_text("inactive")
    doc = await store.technicians.find_one({"_id": tech_id})
    assert doc is not None and doc["status"] == "inactive" and doc["version"] == 3


async def test_a_stale_edit_shows_the_conflict(api: ApiProcess, store: Store, page: Page) -> None:
    """Someone else edits the tech first: saving the form shows CONFLICT, nothing is lost."""
    await sign_in_as(page, api.base_url, store, "mgr_page", Role.MANAGER)
    await page.goto(f"{api.base_url}/console/team")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await (
        page.locator('#tech-rows tr[data-tech-id="tech_01"]')
        .get_by_role("button", name="Edit")
        .click()
    )
    await store.technicians.update_one({"_id": "tech_01"}, {"$inc": {"version": 1}})
    await page.fill("#tech-name", "Changed In The Page")
    await page.click("#tech-save")
    await expect(page.locator("#tech-error")).to_contain_text("CONFLICT")
    doc = await store.technicians.find_one({"_id": "tech_01"})
    assert doc is not None and doc["name"] != "Changed In The Page"


async def test_a_dispatcher_is_not_a_manager(api: ApiProcess, store: Store, page: Page) -> None:
    """A signed-in dispatcher opening the Team page is told it is the managers' alone."""
    await sign_in_as(page, api.base_url, store, "d_page", Role.DISPATCHER)
    await page.goto(f"{api.base_url}/console/team")
    await expect(page.get_by_text("Only managers can manage the team.")).to_be_visible()
    await expect(page.locator("#tech-form")).to_have_count(0)


async def test_a_deactivated_technician_leaves_the_live_map(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """Deactivating a tech on the Team page's API removes their marker from an open map."""
    await sign_in_as(page, api.base_url, store, "dispatch_test", Role.DISPATCHER)
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#conn")).to_have_text("Live")
    await expect(page.locator(".tech-marker")).to_have_count(14)
    deactivate = "mutation($id: ID!) { deactivateTechnician(id: $id) { status } }"
    await client_for("manager", "mgr_1").execute(deactivate, {"id": "tech_02"})
    await expect(page.locator(".tech-marker")).to_have_count(13)
    await expect(page.locator('.tech-marker[data-tech-id="tech_02"]')).to_have_count(0)
