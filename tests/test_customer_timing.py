"""Customer timing against a real MongoDB: a moved-up promise is the plan's, a heads-up
never contradicts a time already given, and sooner/later messages wait for a material,
stable change, at most one per interval."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.core.clock import utcnow
from api.customers import wording
from api.customers.company import fixed_company
from api.customers.notifications import Notifier
from api.customers.places import point
from api.customers.timing import CustomerTiming
from api.customers.wording import Company
from api.insight.lookahead import active_arrival
from api.persistence.documents import geo_point
from api.persistence.store import Doc, Store
from routing import GeodesicTravel
from tests.conftest import AUSTIN
from tests.test_outbox import a_job

COMPANY = Company("Hill Country Home Services", "(512) 555-0100", "America/Chicago")
TRAVEL = GeodesicTravel()
NORTH = (AUSTIN[0] + 0.05, AUSTIN[1])  # about 7 km from the job


async def setting(store: Store, status: str, window_start: datetime, **job: object) -> Doc:
    """A tech north of town and one job of theirs in `status`."""
    await store.technicians.insert_one(
        {"_id": "tech_n", "name": "Maria Lopez", "status": "busy", "location": geo_point(*NORTH)}
    )
    doc = a_job("job_t", window_end=window_start + timedelta(hours=4))
    doc.update(status=status, tech_id="tech_n", **job)
    await store.jobs.insert_one(doc)
    return doc


def timing(store: Store) -> CustomerTiming:
    return CustomerTiming(store, Notifier(store, fixed_company(COMPANY)), "https://x.test")


async def notes(store: Store) -> list[Doc]:
    return (
        await store.db["notifications"].find({"job_id": "job_t"}).sort("created_at").to_list(None)
    )


async def test_a_moved_up_promise_is_the_plans_and_no_heads_up_contradicts_it(
    store: Store,
) -> None:
    """Moved up three hours before the window: "sooner, around X" where X is the job's
    expected arrival for the plan; the heads-up six seconds later says nothing, and "on
    the way" repeats X."""
    now = utcnow()
    job = await setting(store, "assigned", now + timedelta(hours=3), assignment={"travel_min": 12})
    t = timing(store)
    told = await t.moved_up(job, now)
    assert told is not None and "sooner" in told["text"]
    after = await store.jobs.find_one({"_id": "job_t"})
    tech = await store.technicians.find_one({"_id": "tech_n"})
    assert after is not None and after["eta"] == told["eta"] == now + timedelta(minutes=12)
    assert active_arrival(after, tech, TRAVEL) == told["eta"]
    assert await t.send_heads_up(now + timedelta(seconds=6)) == 0
    assert [n["kind"] for n in await notes(store)] == ["moved_up"]
    # The tech leaves a few minutes later: "on the way" repeats the time given, since
    # the drive does not change it materially.
    await store.jobs.update_one({"_id": "job_t"}, {"$set": {"status": "en_route"}})
    driving = await store.jobs.find_one({"_id": "job_t"})
    assert driving is not None
    on_way = await t.on_the_way(driving, now + timedelta(minutes=3))
    assert on_way is not None and on_way["eta"] == told["eta"]
    said = wording.around(told["eta"], now, COMPANY.zone)
    assert said in told["text"] and said in on_way["text"]


async def test_eta_changes_are_told_only_when_material_and_stable(store: Store) -> None:
    """En route, told a time 25 min later than the drive: nothing at first sight, nothing
    6 s later, one "sooner" once it held; a new material change within 30 min waits."""
    now = utcnow()
    job = await setting(store, "en_route", now)
    drive = TRAVEL.minutes(point(geo_point(*NORTH)), point(job["location"]))
    told_eta = now + timedelta(minutes=drive + 25)
    await store.jobs.update_one(
        {"_id": "job_t"},
        {"$set": {"customer_eta": {"eta": told_eta, "at": now, "kind": "on_the_way"}}},
    )
    t = timing(store)
    assert await t.review_etas(now) == 0
    assert await t.review_etas(now + timedelta(seconds=6)) == 0
    assert await t.review_etas(now + timedelta(minutes=3)) == 1
    (sooner,) = await notes(store)
    assert sooner["kind"] == "sooner" and "ahead of schedule" in sooner["text"]
    job_after = await store.jobs.find_one({"_id": "job_t"})
    assert job_after is not None and job_after["eta"] == job_after["customer_eta"]["eta"]
    # The van is sent far away: material and stable, but within the interval.
    await store.technicians.update_one(
        {"_id": "tech_n"}, {"$set": {"location": geo_point(AUSTIN[0] + 0.3, AUSTIN[1])}}
    )
    for minutes in (4, 7, 12):
        assert await t.review_etas(now + timedelta(minutes=minutes)) == 0
    assert [n["kind"] for n in await notes(store)] == ["sooner"]
    # Past the interval: a fresh estimate is watched, and told once it held again.
    assert await t.review_etas(now + timedelta(minutes=32)) == 0
    assert await t.review_etas(now + timedelta(minutes=34)) == 1
    assert [n["kind"] for n in await notes(store)] == ["sooner", "later"]
