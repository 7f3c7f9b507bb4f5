"""The notification outbox: signed deliveries, retries with backoff, one sender per
message across workers, failures recorded, and nothing lost when the API process is
killed between the commit and the webhook's answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from api.core.clock import utcnow
from api.core.errors import Conflict
from api.customers.company import fixed_company
from api.customers.delivery import DeliveryRules, OutboxWorker
from api.customers.notifications import Notifier
from api.customers.wording import Company
from api.persistence.documents import geo_point
from api.persistence.outbox import Session
from api.persistence.store import Doc, Store
from api.voice.alerts import AlertBoard, AlertKind, notification_failed
from realtime import MemoryBroker
from tests.conftest import AUSTIN
from tests.servers import ApiProcess
from tests.webhook_receiver import SECRET, Receiver

COMPANY = Company("Hill Country Home Services", "(512) 555-0100", "America/Chicago")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    try:
        yield r
    finally:
        await r.close()


def a_job(job_id: str, *, window_end: datetime | None = None) -> Doc:
    now = datetime.now(UTC)
    end = window_end or now + timedelta(hours=4)
    return {
        "_id": job_id,
        "status": "booked",
        "version": 1,
        "customer": {"name": "Pat Caller", "phone": "512-555-0188"},
        "address": "1 Test St",
        "location": geo_point(*AUSTIN),
        "problem": "no heat",
        "kind": "repair",
        "priority": "normal",
        "estimated_value": 300.0,
        "duration_min": 60.0,
        "required_skills": ["hvac"],
        "window_start": end - timedelta(hours=4),
        "window_end": end,
        "urgency_list": False,
        "booked_at": now - timedelta(hours=6),
    }


async def staged(store: Store, count: int) -> tuple[Notifier, list[str]]:
    """`count` jobs, each with one committed outbox message."""
    notifier = Notifier(store, fixed_company(COMPANY))
    ids = []
    for n in range(count):
        job = a_job(f"job_ob_{n}")
        await store.jobs.insert_one(job)
        message = notifier.message(job, "heads_up", f"Hello {n}", None, utcnow())
        after = await notifier.commit({"_id": job["_id"]}, {"heads_up_at": utcnow()}, message)
        assert after is not None
        ids.append(message["_id"])
    return notifier, ids


def rules(receiver: Receiver, max_attempts: int = 8, lease_s: float = 5.0) -> DeliveryRules:
    return DeliveryRules(
        url=receiver.url,
        secret=SECRET,
        max_attempts=max_attempts,
        backoff=timedelta(milliseconds=100),
        lease=timedelta(seconds=lease_s),
        idle_poll_s=0.05,
    )


async def settled(store: Store, ids: list[str]) -> list[Doc]:
    """The messages once none is pending any more (30 s at most)."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        docs = await store.db["notifications"].find({"_id": {"$in": ids}}).to_list(None)
        if len(docs) == len(ids) and all(d["status"] != "pending" for d in docs):
            return docs
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(
                f"still pending: {[d['_id'] for d in docs if d['status'] == 'pending']}"
            )
        await asyncio.sleep(0.05)


async def test_two_workers_send_each_message_once_and_signed(
    store: Store, receiver: Receiver
) -> None:
    """Two workers on one outbox: every message reaches the webhook exactly once, with a
    valid Standard Webhooks signature and its own id as `webhook-id`."""
    _, ids = await staged(store, 12)
    workers = [OutboxWorker(store, rules(receiver), utcnow) for _ in range(2)]
    for w in workers:
        await w.start()
    try:
        docs = await settled(store, ids)
    finally:
        for w in workers:
            await w.stop()
    assert sorted(d.msg_id for d in receiver.deliveries) == sorted(ids)
    assert all(d.signed_ok for d in receiver.deliveries)
    assert {d["status"] for d in docs} == {"sent"}
    texts = {d.body["data"]["text"] for d in receiver.deliveries}
    assert "Hello 0" in texts and all(
        d.body["type"] == "customer.notification" for d in receiver.deliveries
    )


async def test_failed_attempts_are_retried_with_the_same_id(
    store: Store, receiver: Receiver
) -> None:
    """A webhook that answers 500 twice gets the same message a third time (same
    `webhook-id`), which then counts as sent after three attempts."""
    _, (msg_id,) = await staged(store, 1)
    receiver.statuses = [500, 503]
    worker = OutboxWorker(store, rules(receiver), utcnow)
    await worker.start()
    try:
        (doc,) = await settled(store, [msg_id])
    finally:
        await worker.stop()
    assert [d.msg_id for d in receiver.deliveries] == [msg_id] * 3
    assert doc["status"] == "sent" and doc["attempts"] == 3


async def test_giving_up_is_recorded_and_reported(store: Store, receiver: Receiver) -> None:
    """After the last attempt the message is `failed` with the reason, the job's
    notifications show it, and the failure hook (the dispatcher's alert) hears of it."""
    notifier, (msg_id,) = await staged(store, 1)
    receiver.status = 502
    reported: list[Doc] = []

    async def report(message: Doc) -> None:
        reported.append(message)

    worker = OutboxWorker(store, rules(receiver, max_attempts=2), utcnow, on_failure=report)
    await worker.start()
    try:
        await settled(store, [msg_id])
    finally:
        await worker.stop()
    (shown,) = await notifier.for_job("job_ob_0")
    assert shown["status"] == "failed" and shown["last_error"] == "HTTP 502"
    assert [m["_id"] for m in reported] == [msg_id]
    assert len(receiver.deliveries) == 2


async def test_a_killed_api_loses_no_notification(
    mongo_uri: str, db_name: str, store: Store, receiver: Receiver
) -> None:
    """SIGKILL while the webhook is still answering: after a restart the same message
    (same `webhook-id`, signed) is delivered again and marked sent; nothing is lost or
    doubled in the outbox."""
    await store.jobs.insert_one(
        a_job("job_kill", window_end=datetime.now(UTC) - timedelta(hours=1))
    )
    env = {
        "NEXTJOB_RESYNC_SECONDS": "0.3",
        "NEXTJOB_NOTIFY_WEBHOOK_URL": receiver.url,
        "NEXTJOB_NOTIFY_WEBHOOK_SECRET": SECRET,
        "NEXTJOB_NOTIFY_LEASE_SECONDS": "2",
        "NEXTJOB_NOTIFY_BACKOFF_SECONDS": "0.2",
    }
    receiver.hold = asyncio.Event()  # the provider does not answer yet
    first = await asyncio.to_thread(ApiProcess, mongo_uri, db_name, None, env)
    try:
        (got,) = await receiver.wait_for(1)
        await asyncio.to_thread(first.kill)  # committed, sent, never acknowledged
    finally:
        await asyncio.to_thread(first.stop)
    (pending,) = await store.db["notifications"].find({"job_id": "job_kill"}).to_list(None)
    assert pending["status"] == "pending" and pending["_id"] == got.msg_id
    hold, receiver.hold = receiver.hold, None
    hold.set()
    second = await asyncio.to_thread(ApiProcess, mongo_uri, db_name, None, env)
    try:
        deliveries = await receiver.wait_for(2)
        (doc,) = await settled(store, [got.msg_id])
    finally:
        await asyncio.to_thread(second.stop)
    assert {d.msg_id for d in deliveries} == {got.msg_id}
    assert all(d.signed_ok for d in deliveries)
    assert doc["status"] == "sent"
    assert await store.db["notifications"].count_documents({"job_id": "job_kill"}) == 1


async def test_a_staged_message_exists_exactly_when_its_transaction_commits(store: Store) -> None:
    """`stage` inside a caller's transaction: an aborted change leaves no message, a
    committed one leaves exactly one (the dispatch side's way in)."""
    notifier = Notifier(store, fixed_company(COMPANY))
    job = a_job("job_tx")
    await store.jobs.insert_one(job)

    async def change(s: Session, fail: bool) -> None:
        await store.jobs.update_one({"_id": "job_tx"}, {"$set": {"status": "assigned"}}, session=s)
        await notifier.stage(s, job, "heads_up", "Hello", None)
        if fail:
            raise Conflict("the change raced")

    with pytest.raises(Conflict):
        await store.transaction(lambda s: change(s, True))
    assert await store.db["notifications"].count_documents({"job_id": "job_tx"}) == 0
    await store.transaction(lambda s: change(s, False))
    assert await store.db["notifications"].count_documents({"job_id": "job_tx"}) == 1


async def test_a_failed_text_becomes_an_alert_on_the_board(
    store: Store, receiver: Receiver
) -> None:
    """The failure hook the app installs raises a board alert naming the job, so the
    dispatcher calls the customer instead."""
    _, (msg_id,) = await staged(store, 1)
    receiver.status = 502
    broker = MemoryBroker()
    await broker.connect()
    board = AlertBoard(store, broker, utcnow)
    worker = OutboxWorker(
        store, rules(receiver, max_attempts=1), utcnow, on_failure=notification_failed(board)
    )
    await worker.start()
    try:
        await settled(store, [msg_id])
    finally:
        await worker.stop()
        await broker.disconnect()
    alert = await store.db["alerts"].find_one({"kind": AlertKind.NOTIFICATION_FAILED.value})
    assert alert is not None and alert["job_id"] == "job_ob_0"
    assert "HTTP 502" in alert["text"] and alert["status"] == "open"
