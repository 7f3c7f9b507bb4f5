"""Everything a customer reads after a whole day of jobs (booked, assigned, heads-up, on
the way, running late, arrived, completed, rescheduled, missed) is in the company's
local time and words: no "UTC", no ISO timestamp, no seconds, every text signed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ApiProcess
from tests.test_outbox import a_job
from tests.webhook_receiver import SECRET, Receiver

SIGNATURE = "- Hill Country Home Services, (512) 555-0100"
# An ISO date-time, a clock time with seconds, fractional seconds, or the word UTC.
MACHINE_TIME = re.compile(r"UTC|\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}|\d{1,2}:\d{2}:\d{2}|\.\d{6}")
TRACKING = "query($id: ID!) { job(id: $id) { trackingUrl } }"
RESCHEDULE = """mutation($id: ID!, $w: ArrivalWindowInput!) {
  rescheduleJob(jobId: $id, window: $w, reason: "customer asked") { id } }"""


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    try:
        yield r
    finally:
        await r.close()


@pytest.fixture
def day_api(mongo_uri: str, db_name: str, store: Store, receiver: Receiver) -> Iterator[ApiProcess]:
    env = {
        "NEXTJOB_RESYNC_SECONDS": "0.3",
        "NEXTJOB_NOTIFY_WEBHOOK_URL": receiver.url,
        "NEXTJOB_NOTIFY_WEBHOOK_SECRET": SECRET,
        "NEXTJOB_COMPANY_NAME": "Hill Country Home Services",
        "NEXTJOB_COMPANY_PHONE": "+15125550100",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    """Await a condition the API reaches by itself (20 s at most)."""
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the API did not get there in 20 s")


async def test_no_customer_text_or_page_shows_machine_time(
    day_api: ApiProcess, store: Store, receiver: Receiver
) -> None:
    """Every outbox message, every webhook body and the tracking page (HTML and JSON) at
    each step of a job's life: no UTC, no ISO timestamp, no seconds; texts are signed."""
    await add_tech(store, "tech_t", status="available")
    csr = Client(day_api.base_url, token("csr", "c"))
    dispatcher = Client(day_api.base_url, token("dispatcher", "d"))
    tech = Client(day_api.base_url, token("technician", "tech_t"))
    seen: list[str] = []
    try:
        job_id = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
        url = (await csr.execute(TRACKING, {"id": job_id}))["job"]["trackingUrl"]
        path = "/" + url.split("/", 3)[3]

        async def notified(kind: str, job: str | None = None) -> bool:
            query = {"kind": kind, **({"job_id": job} if job else {})}
            return await store.db["notifications"].count_documents(query) > 0

        async with httpx.AsyncClient(base_url=day_api.base_url) as public:

            async def look() -> dict[str, object]:
                page, view = await public.get(path), await public.get(path + ".json")
                assert page.status_code == 200 and view.status_code == 200
                seen.extend([page.text, view.text])
                result: dict[str, object] = view.json()
                return result

            await until(lambda: notified("heads_up", job_id))
            assert (await look())["statusText"] == "Scheduled"
            await tech.execute(operation("StartTravel"), {"jobId": job_id})
            # A call nobody reaches in its window (the only tech is busy).
            missed = a_job("job_missed", window_end=datetime.now(UTC) - timedelta(hours=1))
            await store.jobs.insert_one(missed)
            await until(lambda: notified("missed_window"))
            driving = await look()
            assert driving["statusText"] == "On the way" and driving["position"] is not None
            late = {"jobId": job_id, "minutes": 300, "reason": "Stuck behind a wreck"}
            await tech.execute(operation("ReportRunningLate"), late)
            await tech.execute(operation("Arrive"), {"jobId": job_id})
            assert (await look())["position"] is None
            await tech.execute(operation("CompleteJob"), {"jobId": job_id, "soldAmount": 0})
            done = await look()
            assert done["statusText"] == "Visit complete" and done["eta"] is None

        second = (await csr.execute(BOOK, booking_vars(phone="512-555-0111")))["bookJob"]["id"]
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        window = {"start": tomorrow.isoformat(), "end": (tomorrow + timedelta(hours=4)).isoformat()}
        await dispatcher.execute(RESCHEDULE, {"id": second, "w": window})
        await until(lambda: notified("rescheduled"))
    finally:
        for client in (csr, dispatcher, tech):
            await client.close()

    async def all_delivered() -> bool:
        return await store.db["notifications"].count_documents({"status": {"$ne": "sent"}}) == 0

    await until(all_delivered)
    notes = await store.db["notifications"].find({}).to_list(None)
    kinds = {n["kind"] for n in notes}
    assert {"heads_up", "on_the_way", "running_late", "rescheduled", "missed_window"} <= kinds
    delivered = [d.body["data"]["text"] for d in receiver.deliveries]
    assert sorted(delivered) == sorted(n["text"] for n in notes)
    for text in [n["text"] for n in notes]:
        assert text.endswith(SIGNATURE), text
        assert not MACHINE_TIME.search(text), text
    for shown in seen:
        assert not MACHINE_TIME.search(shown), shown
