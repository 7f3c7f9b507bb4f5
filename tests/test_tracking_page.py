"""The customer's tracking page in a real phone-sized Chromium: branded, in words and
local time, a small live map only while the tech drives here, a call button, refreshed
by polling its `.json` view, and no script the strict CSP would have to allow inline."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Page, async_playwright, expect

from api.persistence.store import Store
from mobile_contract import operation
from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ROOT, ApiProcess

pytestmark = pytest.mark.slow

SCREENSHOT = ROOT / "docs" / "track.png"
TRACKING = "query($id: ID!) { job(id: $id) { trackingUrl } }"
COORDINATES = re.compile(r"-?\d{1,3}\.\d{3,}")


@pytest.fixture
def api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """The API with a one-second refresh on the tracking page, for a named company."""
    env = {
        "NEXTJOB_TRACK_POLL_SECONDS": "1",
        "NEXTJOB_COMPANY_NAME": "Hill Country Home Services",
        "NEXTJOB_COMPANY_PHONE": "+15125550100",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[tuple[Page, list[str]]]:
    """A 390x844 phone-sized Chromium in Austin's time zone, and its console's errors."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    errors: list[str] = []
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            timezone_id="America/Chicago",
        )
        try:
            await context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
            page = context.pages[0] if context.pages else await context.new_page()

            def keep(message: ConsoleMessage) -> None:
                # Aborted tiles (offline) show as ERR_FAILED; anything else, a CSP refusal
                # above all, is a fault.
                if message.type == "error" and "net::ERR_FAILED" not in message.text:
                    errors.append(message.text)

            page.on("console", keep)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, errors
        finally:
            await context.close()


async def test_the_customer_follows_the_visit_on_a_phone(
    api: ApiProcess, store: Store, phone: tuple[Page, list[str]]
) -> None:
    """On the way: the tech's first name, status, window and ETA in words, the van on a
    small map, a call button; on arrival the page updates itself and the map goes."""
    page, errors = phone
    await add_tech(store, "tech_maria", status="available")
    await store.technicians.update_one({"_id": "tech_maria"}, {"$set": {"name": "Maria Lopez"}})
    csr = Client(api.base_url, token("csr", "c"))
    tech = Client(api.base_url, token("technician", "tech_maria"))
    try:
        job_id = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
        url = (await csr.execute(TRACKING, {"id": job_id}))["job"]["trackingUrl"]
        await tech.execute(operation("ReportLocation"), {"lat": 30.30, "lon": -97.70})
        await tech.execute(operation("StartTravel"), {"jobId": job_id})

        response = await page.goto(url)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        visit = page.locator("#visit")
        await expect(visit).to_have_attribute("data-ready", "true")
        await expect(page.locator(".company").first).to_have_text("Hill Country Home Services")
        await expect(page.locator("#headline")).to_have_text("Maria is on the way")
        await expect(page.locator("#status")).to_have_text("On the way")
        await expect(page.locator("#window")).to_have_text(re.compile(r"^today between "))
        await expect(page.locator("#eta")).to_have_text(
            re.compile(r"^around \d{1,2}(:\d\d)? (am|pm)$|^around (noon|midnight)$")
        )
        await expect(page.locator("#map-card")).to_be_visible()
        await expect(page.locator(".tech-dot")).to_have_count(1)
        await expect(page.locator("#arrived-row")).to_be_hidden()
        await expect(page.locator("#call")).to_have_attribute("href", "tel:+15125550100")
        text = await page.locator("body").inner_text()
        assert not COORDINATES.search(text) and "Maria Lopez" not in text
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOT)

        await tech.execute(operation("Arrive"), {"jobId": job_id})
        await expect(page.locator("#status")).to_have_text("Arrived")
        await expect(page.locator("#headline")).to_have_text("Maria has arrived")
        await expect(page.locator("#map-card")).to_be_hidden()
        await expect(page.locator("#arrived-row")).to_be_visible()
        assert errors == []
    finally:
        await csr.close()
        await tech.close()


async def test_an_unknown_link_says_expired_and_still_offers_the_call(
    api: ApiProcess, phone: tuple[Page, list[str]]
) -> None:
    """A wrong or expired token gets a 404 page with the company's number, nothing else."""
    page, _ = phone
    response = await page.goto(f"{api.base_url}/track/{secrets.token_urlsafe(24)}")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("This tracking link has expired")
    await expect(page.locator(".call")).to_have_attribute("href", "tel:+15125550100")
