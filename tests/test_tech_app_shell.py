"""The technician app as an installable app: manifest, icons and service worker are served
right, the app opens with no network, and its screens fit a 360x640 phone with 48 px
targets and WCAG AA contrast. Fixtures are test_tech_app's."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.async_api import Page, expect

from mobile_contract import manifest
from tests.gql import Client
from tests.servers import ROOT, ApiProcess
from tests.test_tech_app import Phone, api, book, on_duty_with_a_job, phone, tap

__all__ = ["api", "phone"]  # the fixtures, shared with test_tech_app

SW = ROOT / "web" / "public" / "tech" / "sw.js"
SMALL = {"width": 360, "height": 640}
# Text elements whose colour contrast with their background falls short of WCAG AA.
LOW_CONTRAST = """() => {
  const rgba = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = (c) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    const [hi, lo] = [lum(rgba(style.color)), lum(background(el))].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    const name = el.textContent.trim().slice(0, 30);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${name}: ${ratio.toFixed(2)}`);
  }
  return bad;
}"""
# Visible controls smaller than 48x48 CSS px, and whether the page scrolls sideways.
SMALL_TARGETS = """() => [...document.querySelectorAll('button, a, input, select, textarea')]
  .filter((el) => el.getClientRects().length)
  .map((el) => [el.textContent.trim() || el.id, el.getBoundingClientRect()])
  .filter(([, r]) => r.width < 48 || r.height < 48)
  .map(([name, r]) => `${name}: ${r.width}x${r.height}`)"""
SIDEWAYS = "document.scrollingElement.scrollWidth > innerWidth"


async def test_manifest_icons_and_service_worker_are_served_for_install(api: ApiProcess) -> None:
    """/tech serves an installable manifest with icons, the worker and the trusted hashes."""
    async with httpx.AsyncClient(base_url=api.base_url) as web:
        assert (await web.get("/tech")).headers["location"].endswith("/tech/")
        page = await web.get("/tech/")
        assert page.status_code == 200 and 'rel="manifest"' in page.text
        found = await web.get("/tech/manifest.webmanifest")
        assert found.headers["content-type"].startswith("application/manifest+json")
        app = found.json()
        assert app["display"] == "standalone" and app["theme_color"] and app["start_url"]
        sizes = {icon["sizes"] for icon in app["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in app["icons"]:
            image = await web.get("/tech/" + icon["src"])
            assert image.status_code == 200
            assert image.headers["content-type"].startswith(icon["type"])
        worker = await web.get("/tech/sw.js")
        assert worker.headers["content-type"].startswith("text/javascript")
        assert worker.headers["service-worker-allowed"] == "/tech/"
        assert (await web.get("/tech/contract.json")).json() == manifest()
    cached = set(re.findall(r"'([^']+)'", SW.read_text().split("];")[0]))
    shipped = {str(p.relative_to(SW.parent)) for p in SW.parent.rglob("*.js")} - {"sw.js"}
    assert shipped | {"app.css", "index.html"} <= cached, "sw.js must cache every app file"


async def test_app_opens_with_no_network_from_the_service_worker_cache(
    phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """Once installed, a reload with no network shows the app and the last job, offline."""
    page = phone.page
    job_id = await book(client_for, "Thermostat blank", 300.0)
    assert await on_duty_with_a_job(page) == job_id
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await phone.context.set_offline(True)
    await page.reload()
    await expect(page.locator("#job")).to_have_attribute("data-job-id", job_id)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    await phone.context.set_offline(False)
    await expect(page.locator("#conn")).to_have_text("Live")


async def fits(page: Page) -> None:
    assert await page.evaluate(LOW_CONTRAST) == []
    assert await page.evaluate(SMALL_TARGETS) == []
    assert not await page.evaluate(SIDEWAYS)


async def test_screens_fit_a_small_phone_with_big_targets_and_aa_contrast(
    phone: Phone, client_for: Callable[[str, str], Client]
) -> None:
    """At 360x640 every control is at least 48 px, nothing scrolls sideways, text passes AA."""
    page = phone.page
    await page.set_viewport_size(SMALL)
    await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
    await fits(page)
    await book(client_for, "Outlet sparks when plugged in", 250.0)
    await on_duty_with_a_job(page)
    await fits(page)
    await phone.context.set_offline(True)
    await tap(page, "ack")
    await expect(page.locator("#pending li")).to_have_count(1)
    await fits(page)
    await tap(page, "late")
    await expect(page.locator("#ask")).to_be_visible()
    await fits(page)
