"""The technician's app, heard: its position while driving reaches the dispatcher and the
customer; vent, late call, running late and decline reach the board; dispatch answers in
the thread and overtime is accepted when asked. Fixtures are test_tech_app's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from api.persistence.store import Store
from tests.conftest import AUSTIN
from tests.gql import Client
from tests.servers import ApiProcess
from tests.test_tech_app import TECH, Phone, answer, api, book, on_duty_with_a_job, phone, tap

__all__ = ["api", "phone"]  # the fixtures, shared with test_tech_app

pytestmark = pytest.mark.slow

WHERE = """query($id: ID!) { technician(id: $id) { location { lat lon } } }"""
TRACKING = """query($id: ID!) { job(id: $id) { trackingUrl } }"""
ALERTS = """{ alerts { kind text technicianId jobId } }"""
REPLY = """
mutation($t: ID!, $text: String!) { replyToTechnician(technicianId: $t, text: $text) { id } }
"""
ASK_OVERTIME = """
mutation($t: ID!, $u: DateTime!) { askOvertime(technicianId: $t, until: $u) { id } }
"""

# Counts the app's live geolocation watches (watchPosition minus clearWatch).
COUNT_WATCHES = """
globalThis.__watches = new Set();
const geo = navigator.geolocation;
const watch = geo.watchPosition.bind(geo);
const clear = geo.clearWatch.bind(geo);
geo.watchPosition = (...args) => { const id = watch(...args); __watches.add(id); return id; };
geo.clearWatch = (id) => { __watches.delete(id); clear(id); };
"""


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = 15.0) -> Any:
    """Await a condition the system reaches by itself (a push, a write), or fail after `within`."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within}s: {what}")
        await asyncio.sleep(0.2)


async def test_position_while_driving_reaches_the_board_and_the_tracking_page(
    api: ApiProcess, phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """A mocked position moving toward the job shows on the dispatcher's board and tracking page."""
    page = phone.page
    await phone.context.add_init_script(COUNT_WATCHES)
    await page.reload()
    job_id = await book(client_for, "Furnace short-cycling", 800.0)
    assert await on_duty_with_a_job(page) == job_id
    assert await page.evaluate("globalThis.__watches.size") == 0
    await tap(page, "ack")
    await tap(page, "travel")
    await page.wait_for_function("() => globalThis.__watches.size === 1")
    dispatcher = client_for("dispatcher", "dispatch_1")
    url = (await dispatcher.execute(TRACKING, {"id": job_id}))["job"]["trackingUrl"]

    async def at(lat: float, lon: float) -> bool:
        where = (await dispatcher.execute(WHERE, {"id": TECH}))["technician"]["location"]
        return abs(where["lat"] - lat) < 1e-6 and abs(where["lon"] - lon) < 1e-6

    # Toward the job in steps of ~1 km (each more than the 100 m throttle).
    for k in (1, 2, 3):
        lat = 30.3100 + (AUSTIN[0] - 30.3100) * k / 4
        await phone.context.set_geolocation({"latitude": lat, "longitude": AUSTIN[1]})
        await eventually(lambda lat=lat: at(lat, AUSTIN[1]), f"the board shows the van at {lat}")
    async with httpx.AsyncClient() as web:
        seen = (await web.get(url + ".json")).json()
    assert seen["status"] == "en_route"
    assert seen["position"] == {"lat": pytest.approx(lat), "lon": pytest.approx(AUSTIN[1])}
    assert phone.wire.names().count("ReportLocation") >= 3

    # On site, the phone stops watching the position (the battery is spared).
    await tap(page, "arrive")
    await page.wait_for_function("() => globalThis.__watches.size === 0")
    phone.wire.assert_only_trusted_documents()


async def test_vent_late_call_running_late_and_decline_reach_the_board(
    api: ApiProcess, store: Store, phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """Each of the tech's four voices becomes an alert on the dispatcher's board."""
    page = phone.page
    jobs = {
        await book(client_for, "Sump pump alarm", 600.0),
        await book(client_for, "No hot water", 450.0),
    }
    first = await on_duty_with_a_job(page)
    await tap(page, "ack")

    await tap(page, "vent")
    await answer(page, {"text": "Third flat tyre this month"})
    await tap(page, "late-call")
    await answer(page, {"reason": "Crawl space, runs past my shift"})
    await tap(page, "late")
    await answer(page, {"minutes": "300", "reason": "Stuck behind a wreck"})
    await tap(page, "decline")
    await answer(page, {"reason": "No ladder tall enough"})
    await expect(page.locator("#job")).to_have_attribute("data-job-id", (jobs - {first}).pop())

    dispatcher = client_for("dispatcher", "dispatch_1")

    async def board() -> dict[str, dict[str, Any]]:
        alerts = (await dispatcher.execute(ALERTS))["alerts"]
        mine = {a["kind"]: a for a in alerts if a["technicianId"] == TECH}
        kinds = {"VENT", "LATE_CALL", "RUNNING_LATE", "DECLINED"}
        return mine if kinds <= set(mine) else {}

    alerts = await eventually(board, "four alerts on the board")
    assert alerts["VENT"]["text"] == "Third flat tyre this month"
    assert alerts["LATE_CALL"]["text"] == "Crawl space, runs past my shift"
    assert alerts["RUNNING_LATE"]["jobId"] == first
    assert alerts["DECLINED"]["text"] == "No ladder tall enough"
    assert (await store.jobs.find_one({"_id": first}) or {})["status"] == "booked"

    # Dispatch answers in the thread, then asks for overtime; the tech accepts the time
    # asked, which the app offers first.
    text = "Thanks, noted"
    await dispatcher.execute(REPLY, {"t": TECH, "text": text})
    await expect(page.locator("#thread")).to_contain_text(text)
    await expect(page.locator("#notice")).to_contain_text(text)
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    await dispatcher.execute(ASK_OVERTIME, {"t": TECH, "u": until.isoformat()})
    await expect(page.locator("#thread")).to_contain_text("Can you stay until")
    await tap(page, "overtime")
    await page.locator("#ask-ok").tap()

    async def overtime() -> Any:
        tech = await store.technicians.find_one({"_id": TECH})
        return tech and tech.get("overtime_until")

    accepted = await eventually(overtime, "overtime accepted")
    assert accepted.replace(tzinfo=UTC) == until  # the asked time, offered first
    await expect(page.locator("#pending")).to_have_count(0)
    phone.wire.assert_only_trusted_documents()
