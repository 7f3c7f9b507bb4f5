"""The technician's app at /tech in a real Chromium with phone emulation (390x844, touch,
geolocation): the whole day, offline taps, and a reassignment while offline.

The app signs in through its one auth module; until accounts exist the tests inject a
minted access token before any script runs (never in the URL). Every request and WebSocket
frame the app sends is recorded: it must send only the mobile contract's trusted documents.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import BrowserContext, Page, WebSocket, async_playwright, expect

from api.persistence.store import Store
from mobile_contract import manifest, operation
from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.conftest import AUSTIN, BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ROOT, ApiProcess

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "tests" / "artifacts"
TECH = "tech_app"
PHONE = {"width": 390, "height": 844}
START = (30.3100, -97.7431)  # about 5 km north of the jobs (AUSTIN)
REASSIGN = """
mutation($j: ID!, $t: ID!) { reassignJob(jobId: $j, technicianId: $t) { technicianId } }
"""


@dataclass
class Wire:
    """What the app sent: GraphQL bodies over HTTP and subscribe payloads over WebSocket."""

    http: list[dict[str, Any]] = field(default_factory=list)
    ws: list[dict[str, Any]] = field(default_factory=list)

    def assert_only_trusted_documents(self) -> None:
        trusted = {f"sha256:{h}" for h in manifest().values()}
        assert self.http and self.ws, "the app sent nothing"
        for body in self.http:
            assert set(body) <= {"documentId", "variables"}, body
            assert body["documentId"] in trusted, body
        for payload in self.ws:
            assert set(payload) == {"documentId"}, payload
            assert payload["documentId"] in trusted, payload

    def names(self) -> list[str]:
        by_hash = {f"sha256:{h}": name for name, h in manifest().items()}
        return [by_hash.get(b.get("documentId", ""), "?") for b in self.http]


@dataclass
class Phone:
    context: BrowserContext
    page: Page
    wire: Wire


@pytest.fixture
async def api(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """The API with technicians limited to trusted documents, as the app is meant to run."""
    await add_tech(store, TECH)
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_TECH_TRUSTED_DOCUMENTS_ONLY": "true"})
    try:
        yield proc
    finally:
        proc.stop()


@contextlib.asynccontextmanager
async def open_phone(bearer: str | None) -> AsyncIterator[Phone]:
    """Chromium as a 390x844 touch phone at START, recording what it sends; with `bearer`,
    started from that access token (injected before any script runs, never in the URL)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    wire = Wire()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            geolocation={"latitude": START[0], "longitude": START[1]},
            permissions=["geolocation"],
            timezone_id="Asia/Tokyo",  # not the company's: the app must show Chicago time
        )
        if bearer is not None:
            await context.add_init_script(
                f"globalThis.__NEXTJOB_TECH_TEST_TOKEN__ = {json.dumps(bearer)};"
            )

        def on_request(request: Any) -> None:
            if request.url.endswith("/graphql") and request.method == "POST":
                wire.http.append(json.loads(request.post_data or "{}"))

        def on_socket(socket: WebSocket) -> None:
            def sent(frame: str | bytes) -> None:
                message = json.loads(frame)
                if message.get("type") == "subscribe":
                    wire.ws.append(message["payload"])

            socket.on("framesent", sent)

        context.on("request", on_request)
        page = await context.new_page()
        page.on("websocket", on_socket)
        try:
            yield Phone(context, page, wire)
        finally:
            await context.close()
            await browser.close()


@pytest.fixture
async def phone(api: ApiProcess) -> AsyncIterator[Phone]:
    """The phone signed in as TECH, on /tech/."""
    async with open_phone(token("technician", TECH, hours=2)) as signed_in:
        await signed_in.page.goto(f"{api.base_url}/tech")
        yield signed_in


async def book(client_for: Callable[[str, str], Client], problem: str, value: float) -> str:
    csr = client_for("csr", "csr_1")
    job = await csr.execute(BOOK, booking_vars(at=AUSTIN, problem=problem, value=value))
    job_id: str = job["bookJob"]["id"]
    return job_id


async def tap(page: Page, action: str) -> None:
    await page.locator(f'[data-action="{action}"]').tap()


async def answer(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        await page.locator(f"#ask-{name}").fill(value)
    await page.locator("#ask-ok").tap()


async def applied(page: Page, next_action: str) -> None:
    """Wait until the last tap is queued (its next button shows) and the server took it."""
    await expect(page.locator(f'[data-action="{next_action}"]')).to_be_visible()
    await expect(page.locator("#pending")).to_have_count(0)


async def on_duty_with_a_job(page: Page) -> str:
    await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
    await tap(page, "on-duty")
    card = page.locator("#job")
    await expect(card).to_be_visible()
    job_id = await card.get_attribute("data-job-id")
    assert job_id
    return job_id


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"tech-{name}.png")


async def test_whole_day_on_duty_work_a_job_and_the_next_arrives(
    api: ApiProcess, store: Store, phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """On duty, a job arrives, is worked to completion, and the next one appears untouched."""
    page = phone.page
    jobs = {
        await book(client_for, "AC blowing warm air", 900.0),
        await book(client_for, "Leaking water heater", 400.0),
    }
    first = await on_duty_with_a_job(page)
    assert first in jobs
    await expect(page.locator("#conn")).to_have_text("Live")
    await expect(page.locator("#job")).to_contain_text("Dana")
    await expect(page.locator("#job")).not_to_contain_text("Customer Dana Customer")
    await shot(page, "job")
    window = (await store.jobs.find_one({"_id": first}) or {})["window_start"]
    local = window.replace(tzinfo=UTC).astimezone(ZoneInfo("America/Chicago"))
    await expect(page.locator('[data-field="window"]')).to_contain_text(
        local.strftime("%H:%M") + "\u2013"
    )

    await tap(page, "ack")
    await tap(page, "travel")
    await expect(page.locator("#job")).to_have_attribute("data-status", "EN_ROUTE")
    await tap(page, "arrive")
    await expect(page.locator("#job")).to_have_attribute("data-status", "ON_SITE")
    await tap(page, "complete")
    await answer(page, {"sold": "1250.50"})

    second = (jobs - {first}).pop()
    await expect(page.locator("#job")).to_have_attribute("data-job-id", second)
    done = await store.jobs.find_one({"_id": first})
    assert done is not None and done["status"] == "completed" and done["sold_amount"] == 1250.50
    assert (await store.jobs.find_one({"_id": second}) or {}).get("acknowledged_at") is None

    # The second one, straight through; then the calm waiting screen.
    for action in ("ack", "travel", "arrive", "complete"):
        await tap(page, action)
    await answer(page, {"sold": "0"})
    await expect(page.locator("#app")).to_have_attribute("data-screen", "waiting")
    await expect(page.locator("#pending")).to_have_count(0)
    await shot(page, "waiting")
    phone.wire.assert_only_trusted_documents()
    assert phone.wire.names().count("CompleteJob") == 2


async def test_offline_taps_are_kept_and_applied_once_in_order(
    api: ApiProcess, store: Store, phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """Arrived and complete tapped offline show pending, then apply once, in order, online."""
    page = phone.page
    jobs = {
        await book(client_for, "No heat upstairs", 700.0),
        await book(client_for, "Breaker trips", 300.0),
    }
    first = await on_duty_with_a_job(page)
    await tap(page, "ack")
    await tap(page, "travel")
    await applied(page, "arrive")

    await phone.context.set_offline(True)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    await tap(page, "arrive")
    await expect(page.locator("#pending li")).to_have_count(1)
    await expect(page.locator("#job")).to_have_attribute("data-status", "ON_SITE")
    await shot(page, "offline")
    await tap(page, "complete")
    await answer(page, {"sold": "480"})
    await expect(page.locator("#pending li")).to_have_count(2)
    await expect(page.locator("#conn")).to_have_text("Offline · 2 waiting")
    assert (await store.jobs.find_one({"_id": first}) or {})["status"] == "en_route"

    await phone.context.set_offline(False)
    second = (jobs - {first}).pop()
    await expect(page.locator("#job")).to_have_attribute("data-job-id", second)
    await expect(page.locator("#pending")).to_have_count(0)
    await expect(page.locator("#conn")).to_have_text("Live")
    events = [e["type"] async for e in store.events.find({"entity_id": first}).sort("at", 1)]
    assert events.count("job.on_site") == 1 and events.count("job.completed") == 1
    assert events.index("job.on_site") < events.index("job.completed")
    assert (await store.jobs.find_one({"_id": first}) or {})["sold_amount"] == 480.0
    phone.wire.assert_only_trusted_documents()


async def test_reassignment_while_offline_shows_the_new_job_with_a_notice(
    api: ApiProcess, store: Store, phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """A job taken away while the phone is offline is replaced by the new one on reconnect."""
    page = phone.page
    await add_tech(store, "tech_other")
    taken = await book(client_for, "Dishwasher not draining", 500.0)
    assert await on_duty_with_a_job(page) == taken
    await tap(page, "ack")
    await applied(page, "travel")
    other = client_for("technician", "tech_other")
    await other.execute(operation("GoOnDuty"))

    await phone.context.set_offline(True)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    dispatcher = client_for("dispatcher", "dispatch_1")
    moved = await dispatcher.execute(REASSIGN, {"j": taken, "t": "tech_other"})
    assert moved["reassignJob"]["technicianId"] == "tech_other"
    fresh = await book(client_for, "Garage door opener dead", 650.0)
    # Still the stale job on screen: the phone cannot know yet.
    await expect(page.locator("#job")).to_have_attribute("data-job-id", taken)

    await phone.context.set_offline(False)
    await expect(page.locator("#job")).to_have_attribute("data-job-id", fresh)
    await expect(page.locator("#notice")).to_contain_text("while you were offline")
    await expect(page.locator("#notice")).to_contain_text("Dishwasher not draining")
    phone.wire.assert_only_trusted_documents()
