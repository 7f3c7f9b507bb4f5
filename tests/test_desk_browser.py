"""The CSR's booking desk at /console/desk, in Chromium: find the caller, geocode the
address through a local Nominatim-format server (or place the pin by hand when it
fails), pick a window with room, book, and see the job on the dispatcher's board."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from api.core.domain import Role
from api.persistence.store import Store
from tests.browser import chromium_page, sign_in_as
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.nominatim import NominatimServer, nominatim_server
from tests.servers import ROOT, ApiProcess

pytestmark = pytest.mark.slow

SCREENSHOT = ROOT / "docs" / "desk.png"
JOB = """
query($id: ID!) {
  job(id: $id) {
    status urgencyList estimatedValue requiredSkills address customerId
    location { lat lon } customer { name phone } arrivalWindow { start end }
  }
}
"""


@pytest.fixture
def nominatim() -> Iterator[NominatimServer]:
    with nominatim_server() as server:
        yield server


@pytest.fixture
async def api(
    mongo_uri: str, db_name: str, store: Store, nominatim: NominatimServer
) -> AsyncIterator[ApiProcess]:
    """The API geocoding through the local server; an HVAC and a plumbing tech, 06-20."""
    await add_tech(store, "tech_air", skills=("hvac",), at=(30.33, -97.70))
    await add_tech(store, "tech_pipes", skills=("plumbing",), at=(30.22, -97.78))
    await store.technicians.update_many({}, {"$set": {"shift": {"start": "06:00", "end": "20:00"}}})
    env = {
        "NEXTJOB_GEOCODER": "nominatim",
        "NEXTJOB_GEOCODER_URL": nominatim.url,
        "NEXTJOB_GEOCODER_TIMEOUT": "1",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """Chromium at 1280x800 in Austin's time zone; tile servers unreachable (offline)."""
    async with chromium_page(tmp_path / "profile", viewport={"width": 1280, "height": 800}) as p:
        await p.context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        yield p


async def open_desk(page: Page, api: ApiProcess, store: Store, csr: str = "csr_desk") -> None:
    """A CSR signs in and lands on the desk (their role's page)."""
    await sign_in_as(page, api.base_url, store, csr, Role.CSR)
    await expect(page).to_have_url(f"{api.base_url}/console/desk/")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")


async def pick_window(page: Page) -> str:
    """The first window with room, tomorrow or later (whole, whatever the hour)."""
    tomorrow = page.locator(".window-day", has_text="Tomorrow").locator(".window:not(.full)")
    choice = tomorrow.first
    await choice.click()
    start = await choice.get_attribute("data-start")
    assert start is not None
    return start


async def test_a_csr_books_a_known_caller_at_a_geocoded_address(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """Look the caller up, geocode a new address, pick a window, book: the job is on the
    dispatcher's board with the pin, window, skills, value and urgency tick the desk set."""
    earlier = booking_vars(name="Maria Garcia", phone="512-555-0142", skills=("plumbing",))
    now = datetime.now(UTC)
    earlier["input"]["arrivalWindow"] = {
        "start": (now + timedelta(days=3)).isoformat(),
        "end": (now + timedelta(days=3, hours=4)).isoformat(),
    }
    earlier_job = (await client_for("csr", "csr_other").execute(BOOK, earlier))["bookJob"]["id"]
    customer_id = (await client_for("dispatcher", "d").execute(JOB, {"id": earlier_job}))["job"][
        "customerId"
    ]

    await open_desk(page, api, store)
    await expect(page.locator("#figures-total")).to_have_text("0")
    await page.fill("#caller-search", "garcia")
    await page.click("#caller-find")
    await page.click('#caller-results [data-phone="+15125550142"]')
    await expect(page.locator("#cust-name")).to_have_value("Maria Garcia")

    await page.fill("#address", "4500 Guadalupe St, Austin, TX")
    await page.click("#geocode")
    await expect(page.locator("#geocode-msg")).to_contain_text("Guadalupe Street")
    await expect(page.locator("#pin-coords")).to_have_attribute("data-lat", "30.310500")
    await expect(page.locator(".pin-icon")).to_have_count(1)

    await page.select_option("#kind", "BROKEN_EQUIPMENT")
    await expect(page.locator("#value")).to_have_value("650")  # the kind's default
    await page.fill("#value", "900")
    await page.check('input[name="skill"][value="hvac"]')
    await page.fill("#problem", "AC compressor dead, house at 88F")
    await page.check("#urgency")
    start = await pick_window(page)
    room_before = await page.locator(f'.window[data-start="{start}"]').get_attribute("data-room")
    await page.click("#book")

    result = page.locator("#book-result")
    await expect(result).to_contain_text("Booked job_")
    job_id = await result.get_attribute("data-job-id")
    assert job_id is not None
    await expect(page.locator("#figures-total")).to_have_text("1")
    await expect(page.locator('#figures-kinds [data-kind="BROKEN_EQUIPMENT"]')).to_have_text(
        "Broken equipment 1"
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    room_after = page.locator(f'.window[data-start="{start}"]')
    await expect(room_after).not_to_have_attribute("data-room", room_before or "")

    # The same call again is flagged as a duplicate; the CSR confirms a separate visit.
    await page.click("#book")
    await expect(page.locator("#duplicate")).to_be_visible()
    await expect(page.locator("#duplicate-msg")).to_contain_text(job_id)
    await page.click("#confirm-duplicate")
    await expect(page.locator("#duplicate")).to_be_hidden()
    await expect(result).not_to_have_attribute("data-job-id", job_id)
    await expect(page.locator("#figures-total")).to_have_text("2")
    await page.screenshot(path=SCREENSHOT)

    dispatcher = client_for("dispatcher", "dispatch_desk")
    job = (await dispatcher.execute(JOB, {"id": job_id}))["job"]
    assert job["status"] == "BOOKED" and job["urgencyList"] is True
    assert job["customer"] == {"name": "Maria Garcia", "phone": "+15125550142"}
    assert job["customerId"] == customer_id
    assert (job["location"]["lat"], job["location"]["lon"]) == pytest.approx((30.3105, -97.7394))
    assert (job["estimatedValue"], job["requiredSkills"]) == (900.0, ["hvac"])
    assert datetime.fromisoformat(job["arrivalWindow"]["start"]) == datetime.fromisoformat(start)

    await sign_in_as(page, api.base_url, store, "dispatch_desk", Role.DISPATCHER)
    await expect(page).to_have_url(f"{api.base_url}/map/")
    await expect(page.locator(f'.job-marker[data-job-id="{job_id}"]')).to_have_count(1)


async def test_when_the_geocoder_fails_the_csr_places_the_pin(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """New York is refused as outside the area; a geocoder timeout says to place the pin;
    a click on the map places it, a drag moves it, and the booking carries where it ends."""
    await open_desk(page, api, store)
    await page.fill("#cust-name", "Pat Newcaller")
    await page.fill("#cust-phone", "512-555-0199")
    await page.fill("#address", "350 5th Ave, New York, NY")
    await page.click("#geocode")
    await expect(page.locator("#geocode-msg")).to_contain_text("outside the 80 km service area")
    await expect(page.locator("#geocode-msg")).to_have_attribute("data-kind", "error")
    await page.fill("#address", "12 Slow Lane, Austin, TX")
    await page.click("#geocode")
    await expect(page.locator("#geocode-msg")).to_contain_text("did not answer within 1 s")
    await expect(page.locator("#geocode-msg")).to_contain_text("place the pin")
    await expect(page.locator("#pin-coords")).to_have_attribute("data-lat", "")
    await page.fill("#problem", "Water heater leaking")
    await pick_window(page)
    await page.click("#book")
    await expect(page.locator("#book-error")).to_contain_text("the pin on the map")

    await page.locator("#pin-map").click()  # the middle of the map: the company's base
    clicked = await page.locator("#pin-coords").get_attribute("data-lon")
    assert clicked and abs(float(clicked) + 97.7431) < 0.05

    # The CSR drags the pin a little east: the booking takes where it was dropped.
    box = await page.locator(".pin-icon").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + 60, y, steps=6)
    await page.mouse.up()
    await expect(page.locator("#pin-coords")).not_to_have_attribute("data-lon", clicked)
    lat = await page.locator("#pin-coords").get_attribute("data-lat")
    lon = await page.locator("#pin-coords").get_attribute("data-lon")
    assert lat and lon and float(lon) > float(clicked) and abs(float(lat) - 30.2672) < 0.05
    await page.click("#book")
    result = page.locator("#book-result")
    await expect(result).to_contain_text("Booked job_")
    job_id = await result.get_attribute("data-job-id")
    job = (await client_for("dispatcher", "d").execute(JOB, {"id": job_id}))["job"]
    assert job["location"] == {"lat": float(lat), "lon": float(lon)}
