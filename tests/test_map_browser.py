"""The dispatcher's live map at /map, in a real browser: Debian's Chromium driven by Playwright.

The page talks only to the public GraphQL API; the test drives the rest of the company
(techs' phones, the CSR) through the same API and watches the page follow, live.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from api.core.domain import Role
from api.ops.seed import seed_demo
from api.persistence.store import Store
from mobile_contract import operation
from tests.browser import chromium_page
from tests.conftest import AUSTIN, BOOK, add_skill, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ROOT, ApiProcess
from tests.test_sessions import PASSWORD, make_account

pytestmark = pytest.mark.slow

SCREENSHOT = ROOT / "tests" / "artifacts" / "map.png"
ASSIGNED_VIOLET = "rgb(112, 72, 232)"  # --job-ASSIGNED in web/public/console.css
ON_DUTY = """mutation { goOnDuty { id currentJobId } }"""
WINDOW_END = """query($id: ID!) { job(id: $id) { arrivalWindow { end } } }"""
REFRIGERATION = ("refrigeration",)  # only our techs have it: routing's choices stay ours


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """A fresh Chromium profile; tile servers are unreachable, as on an offline van laptop."""
    async with chromium_page(tmp_path / "profile", viewport={"width": 1600, "height": 960}) as p:
        await p.context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        yield p


@pytest.fixture
async def api(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """The API on the Austin demo company plus two refrigeration techs, seeded before it
    starts (routing's in-memory index of open jobs is built at start-up)."""
    await seed_demo(store, "America/Chicago")
    await add_tech(store, "tech_ice_a", skills=REFRIGERATION, at=(30.33, -97.70))
    await add_tech(store, "tech_ice_b", skills=REFRIGERATION, at=(30.22, -97.78))
    await make_account(store, "dispatch_test", Role.DISPATCHER)
    proc = ApiProcess(mongo_uri, db_name)
    try:
        yield proc
    finally:
        proc.stop()


async def open_board(page: Page, api: ApiProcess) -> None:
    """Sign in as the fixture's dispatcher on /signin; the board opens by itself."""
    await page.goto(f"{api.base_url}/signin")
    await page.get_by_label("Email or username").fill("dispatch_test")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#conn")).to_have_text("Live")


async def liven_up(client_for: Callable[[str, str], Client]) -> None:
    """Some demo techs at work, one sale and a late call: what a dispatcher sees at noon."""
    for n, step in enumerate(["travel", "arrive", "complete", "travel", "late", "assigned"]):
        tech = client_for("technician", f"tech_{[1, 3, 4, 5, 6, 7][n]:02d}")
        job_id = (await tech.execute(ON_DUTY))["goOnDuty"]["currentJobId"]
        if job_id is None:
            continue  # nothing fits this tech now; the picture just has one busy van fewer
        if step in ("travel", "arrive", "complete", "late"):
            await tech.execute(operation("StartTravel"), {"jobId": job_id})
        if step in ("arrive", "complete"):
            await tech.execute(operation("Arrive"), {"jobId": job_id})
        if step == "complete":
            await tech.execute(operation("CompleteJob"), {"jobId": job_id, "soldAmount": 1480.0})
        if step == "late":
            job = (await tech.execute(WINDOW_END, {"id": job_id}))["job"]
            past_window = datetime.fromisoformat(job["arrivalWindow"]["end"]) - datetime.now(UTC)
            minutes = min(600, int(past_window.total_seconds() // 60) + 20)
            late = {"jobId": job_id, "minutes": minutes, "reason": "Stuck behind a wreck on I-35"}
            await tech.execute(operation("ReportRunningLate"), late)
        if step == "assigned":
            flag = {"jobId": job_id, "reason": "Crawl space job, runs past 17:00"}
            await tech.execute(operation("FlagLateCall"), flag)


async def has_mutation(client: Client, name: str) -> bool:
    data = await client.execute('{ __type(name: "Mutation") { fields { name } } }')
    return any(f["name"] == name for f in data["__type"]["fields"])


async def test_live_map_follows_the_day_and_reassigns(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """The demo board loads and follows positions, assignments and vents; a dispatcher reassigns."""
    await liven_up(client_for)
    dispatcher = client_for("dispatcher", "dispatch_test")
    techs = await store.technicians.count_documents({})
    open_jobs = {"status": {"$in": ["booked", "assigned", "en_route", "on_site"]}}
    csr = client_for("csr", "csr_1")
    walk_in = booking_vars(at=AUSTIN, skills=REFRIGERATION, priority="HIGH", value=2400.0)
    job_id = (await csr.execute(BOOK, walk_in))["bookJob"]["id"]

    await open_board(page, api)
    assert "token=" not in page.url
    await expect(page.locator(".tech-marker")).to_have_count(techs)
    await expect(page.locator(".job-marker")).to_have_count(
        await store.jobs.count_documents(open_jobs)
    )
    job = page.locator(f'.job-marker[data-job-id="{job_id}"]')
    await expect(job).to_have_attribute("data-status", "BOOKED")
    await expect(job).not_to_have_css("background-color", ASSIGNED_VIOLET)

    # Routing gives the walk-in to the refrigeration tech who comes on duty: colour and line.
    ice_a = client_for("technician", "tech_ice_a")
    assert (await ice_a.execute(ON_DUTY))["goOnDuty"]["currentJobId"] == job_id
    await expect(job).to_have_attribute("data-status", "ASSIGNED")
    await expect(job).to_have_css("background-color", ASSIGNED_VIOLET)
    line = page.locator('path.tech-line[data-tech-id="tech_ice_a"]')
    await expect(line).to_have_attribute("data-job-id", job_id)

    # The van reports a new position: its marker moves north on the map.
    van = page.locator('.tech-marker[data-tech-id="tech_ice_a"]')
    before = await van.bounding_box()
    await ice_a.execute(operation("ReportLocation"), {"lat": 30.36, "lon": -97.70})
    await expect(van).to_have_attribute("data-lat", "30.36000")
    after = await van.bounding_box()
    assert before is not None and after is not None and after["y"] < before["y"] - 10

    # The tech vents: it shows in the alerts, named.
    await ice_a.execute(operation("Vent"), {"text": "Third walk-in cooler today, no parts van"})
    vent = page.locator('#alerts li[data-kind="VENT"]')
    await expect(vent).to_contain_text("Third walk-in cooler today")
    await expect(vent).to_contain_text("Tech tech_ice_a")

    # The dispatcher moves the job to the other refrigeration tech, from the page.
    ice_b = client_for("technician", "tech_ice_b")
    await ice_b.execute(ON_DUTY)
    if await has_mutation(dispatcher, "reassignJob"):
        await page.click('tr[data-tech-id="tech_ice_a"] button.link')
    else:  # a server without reassignJob yet: assign another, booked job (assignJob)
        await add_skill(store, "solar")
        nobody = booking_vars(skills=("solar",), name="Pat Solar")
        job_id = (await csr.execute(BOOK, nobody))["bookJob"]["id"]
        await page.click(f'#unassigned [data-job-id="{job_id}"]')
    await expect(page.locator("#detail")).to_have_attribute("data-job-id", job_id)
    await page.select_option("#assign-tech", "tech_ice_b")
    await page.click("#assign-btn")
    await expect(page.locator("#detail-tech")).to_contain_text("Tech tech_ice_b")
    await expect(page.locator('path.tech-line[data-tech-id="tech_ice_b"]')).to_have_attribute(
        "data-job-id", job_id
    )
    data: dict[str, Any] = await dispatcher.execute(
        "query($id: ID!) { job(id: $id) { technicianId } }", {"id": job_id}
    )
    assert data["job"]["technicianId"] == "tech_ice_b"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOT)


async def test_a_conflicting_assignment_is_shown(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """Assigning a job to a tech who is busy shows the server's CONFLICT; the job stays booked."""
    # tech_busy has the skill (so only its being busy is wrong with the assignment).
    await add_tech(store, "tech_busy", skills=(*REFRIGERATION, "solar"))
    await client_for("csr", "csr_1").execute(BOOK, booking_vars(skills=REFRIGERATION))
    await client_for("technician", "tech_busy").execute(ON_DUTY)  # routing gives it that job
    await add_skill(store, "solar")
    solar = booking_vars(skills=("solar",), name="Pat Solar")  # nobody free can take this one
    waiting = (await client_for("csr", "csr_1").execute(BOOK, solar))["bookJob"]["id"]

    await open_board(page, api)
    await page.click(f'#unassigned [data-job-id="{waiting}"]')
    await page.select_option("#assign-tech", "tech_busy")
    await page.click("#assign-btn")
    await expect(page.locator("#detail-error")).to_contain_text("CONFLICT")
    await expect(page.locator("#toast")).to_contain_text("CONFLICT")
    marker = page.locator(f'.job-marker[data-job-id="{waiting}"]')
    await expect(marker).to_have_attribute("data-status", "BOOKED")


async def test_sending_a_tech_without_the_skill_takes_an_explicit_tick(
    api: ApiProcess, store: Store, page: Page, client_for: Callable[[str, str], Client]
) -> None:
    """Choosing a tech who lacks the job's skill shows which one; without the tick the
    server refuses and the job stays booked; with it the job is theirs, as an override."""
    await add_tech(store, "tech_hv", skills=REFRIGERATION, status="available")
    await add_skill(store, "solar")
    solar = booking_vars(skills=("solar",), name="Pat Solar")
    job_id = (await client_for("csr", "csr_1").execute(BOOK, solar))["bookJob"]["id"]

    await open_board(page, api)
    await page.click(f'#unassigned [data-job-id="{job_id}"]')
    await expect(page.locator("#skills-row")).to_be_hidden()
    await page.select_option("#assign-tech", "tech_hv")
    await expect(page.locator("#skills-row")).to_be_visible()
    await expect(page.locator("#skills-row")).to_contain_text("lacks solar")
    await page.click("#assign-btn")
    await expect(page.locator("#detail-error")).to_contain_text("BAD_USER_INPUT")
    assert (await store.jobs.find_one({"_id": job_id}) or {})["status"] == "booked"

    await page.check("#assign-skills")
    await page.click("#assign-btn")
    await expect(page.locator("#detail-tech")).to_contain_text("Tech tech_hv")
    job = await store.jobs.find_one({"_id": job_id}) or {}
    assert job["active_tech_id"] == "tech_hv"
    assert job["assignment"]["overridden_skills"] == ["solar"]


async def test_a_tech_near_shift_end_can_be_asked_to_stay(
    api: ApiProcess, store: Store, page: Page
) -> None:
    """The board's shift-end alert carries "Ask to stay until ...": the ask is recorded
    on the tech (their app then offers it) and said in their thread."""
    await add_tech(store, "tech_late", skills=REFRIGERATION, status="available")
    ends = (datetime.now(UTC) + timedelta(minutes=20)).replace(microsecond=0)
    await store.technicians.update_one({"_id": "tech_late"}, {"$set": {"shift_ends_at": ends}})

    await open_board(page, api)
    alert = page.locator('#alerts [data-alert-id="shift-tech_late"]')
    await alert.get_by_role("button", name="Ask to stay until").click()
    await expect(page.locator("#toast")).to_contain_text("to stay until")
    tech = await store.technicians.find_one({"_id": "tech_late"}) or {}
    assert tech["overtime_asked_until"].replace(tzinfo=UTC) == ends + timedelta(hours=1)
    said = await store.db["messages"].find_one({"tech_id": "tech_late"}) or {}
    assert said.get("text", "").startswith("Can you stay until")
