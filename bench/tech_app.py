"""The technician app's weight and speed: JS+CSS bytes, and first job on screen.

- `bytes`: the app's own JS and CSS under web/public/tech (service worker included),
  uncompressed, as the phone downloads them on first open.
- `first_job_ms`: from the navigation's start (`performance.timeOrigin`) to the job card in
  the DOM, for a technician who already has a job, starting from an access token (what the
  app holds right after sign-in). `cold` is a fresh profile (nothing cached); `warm` is a
  reload with the service worker's cache, as when the tech reopens the installed app.

Run alone: `.venv/bin/python -m bench tech_app` (Chromium at 390x844, one API process on
an embedded SecantusDB, on this machine).
"""

from __future__ import annotations

import json
import shutil
import statistics
import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ROOT, ApiProcess, start_secantus

APP = ROOT / "web" / "public" / "tech"
RUNS = 7
TECH = "tech_bench"
# Set before any script runs: the moment the job card first exists, on the page's clock.
WATCH = """
new MutationObserver((_, observer) => {
  if (document.querySelector('#job')) {
    globalThis.__firstJobMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


def app_bytes() -> dict[str, int]:
    """Bytes of each JS and CSS file of the app, uncompressed."""
    files = sorted([*APP.rglob("*.js"), *APP.rglob("*.css")])
    return {str(p.relative_to(APP)): p.stat().st_size for p in files}


async def run(results_dir: Path) -> dict[str, Any]:
    sizes = app_bytes()
    db, storage = start_secantus()
    db_name = "bench_tech_" + uuid.uuid4().hex[:8]
    store = Store(db.uri, db_name)
    api: ApiProcess | None = None
    try:
        await store.ensure_indexes()
        await add_tech(store, TECH)
        api = ApiProcess(db.uri, db_name)
        csr = Client(api.base_url, token("csr", "csr_bench"))
        tech = Client(api.base_url, token("technician", TECH))
        await csr.execute(BOOK, booking_vars())
        on = await tech.execute("mutation { goOnDuty { currentJobId } }")
        if on["goOnDuty"]["currentJobId"] is None:
            raise RuntimeError("the bench technician got no job")
        await csr.close()
        await tech.close()
        cold, warm = await _first_job(api.base_url)
    finally:
        if api is not None:
            api.stop()
        await store.client.drop_database(db_name)
        await store.close()
        db.stop()
        shutil.rmtree(storage, ignore_errors=True)
    figures = {
        "bytes": sum(sizes.values()),
        "files": sizes,
        "first_job_ms": {
            "cold_median": round(statistics.median(cold), 1),
            "cold_max": round(max(cold), 1),
            "warm_median": round(statistics.median(warm), 1),
            "warm_max": round(max(warm), 1),
            "runs": RUNS,
        },
        "targets": {"bytes": 100_000, "first_job_ms": 1_000},
    }
    print(json.dumps({k: v for k, v in figures.items() if k != "files"}, indent=2), flush=True)
    return figures


async def _first_job(base_url: str) -> tuple[list[float], list[float]]:
    cold: list[float] = []
    warm: list[float] = []
    bearer = token("technician", TECH, hours=2)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--headless", "--no-sandbox"]
        )
        try:
            for _ in range(RUNS):
                context = await browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
                )
                await context.add_init_script(
                    f"globalThis.__NEXTJOB_TECH_TEST_TOKEN__ = {json.dumps(bearer)};" + WATCH
                )
                page = await context.new_page()
                for times in (cold, warm):
                    if times is cold:
                        await page.goto(f"{base_url}/tech/")
                    else:
                        await page.evaluate("navigator.serviceWorker.ready")
                        await page.reload()
                    await page.wait_for_function("() => globalThis.__firstJobMs !== undefined")
                    times.append(float(await page.evaluate("globalThis.__firstJobMs")))
                await context.close()
        finally:
            await browser.close()
    return cold, warm
