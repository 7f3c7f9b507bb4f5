"""The day simulator: a tiny world through the real dispatch service and database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import time, timedelta

import pytest

from api.core.settings import Settings
from api.dispatch.deps import Policy
from api.dispatch.profiles import CompanyPrior, tech_profile
from api.ops.simulator.bound import lp_bound
from api.ops.simulator.honest import oracle_stats, rebooked
from api.ops.simulator.records import ShiftRecord
from api.ops.simulator.report import summarize, utilization_by_tech
from api.ops.simulator.simulation import Simulation, simulate
from api.ops.simulator.world import World, make_world
from api.persistence.documents import geo_point
from api.persistence.store import Store
from tests.servers import ROOT

KPIS = (
    "revenue_per_day",
    "avg_revenue_per_call",
    "jobs_completed",
    "jobs_unserved",
    "utilization_mean",
    "utilization_max",
    "drive_share",
    "on_time_rate",
)


@pytest.fixture
def settings() -> Settings:
    return Settings(timezone="America/Chicago")


@pytest.fixture
def tiny_world(settings: Settings) -> World:
    """Three techs, one day, a dozen calls: enough to exercise every path in seconds."""
    return make_world(seed=11, techs=3, days=1, calls_per_tech_day=4.0, timezone=settings.timezone)


def test_same_seed_gives_the_same_world() -> None:
    """The world and its call stream depend on the seed only."""
    a, b, c = (
        make_world(seed=s, techs=4, days=2, calls_per_tech_day=5.0, timezone="America/Chicago")
        for s in (3, 3, 4)
    )
    assert a == b
    assert a != c


def test_every_call_can_be_booked_when_it_rings(tiny_world: World) -> None:
    """Calls come in time order; each window is still open when booked, or opens within the hour."""
    times = [c.at for c in tiny_world.calls]
    assert times == sorted(times)
    for call in tiny_world.calls:
        assert call.booking.window_end > call.at
        assert call.booking.window_start - call.at <= timedelta(hours=1)


def test_utilization_counts_overtime_as_paid_time() -> None:
    """Billable utilization is on-site over paid time, and paid time includes overtime."""
    world = make_world(seed=1, techs=1, days=1, calls_per_tech_day=1.0, timezone="UTC")
    on, end, late = (world.local(0, time(h, 0)) for h in (8, 17, 18))
    shift = ShiftRecord("t", 0, on_at=on, scheduled_end=end, off_at=late, onsite_min=400.0)
    assert utilization_by_tech([shift]) == {"t": pytest.approx(400.0 / 600.0)}


async def test_report_accounts_for_every_booked_call(
    mongo_uri: str, db_name: str, settings: Settings, tiny_world: World
) -> None:
    """Completed + unserved + cancelled == booked; shares within [0, 1]; KPIs present."""
    summary = summarize(await simulate(mongo_uri, db_name, settings, tiny_world, Policy.REVENUE))
    assert set(KPIS) <= set(summary)
    assert summary["jobs_booked"] == len(tiny_world.calls) > 0
    assert summary["jobs_open"] == 0
    assert (
        summary["jobs_completed"] + summary["jobs_unserved"] + summary["jobs_cancelled"]
        == summary["jobs_booked"]
    )
    assert summary["jobs_completed"] > 0 and summary["revenue_per_day"] > 0
    for key in ("utilization_mean", "utilization_max", "drive_share", "on_time_rate"):
        assert 0.0 <= summary[key] <= 1.0, key
    assert summary["utilization_mean"] <= summary["utilization_max"]


async def test_store_agrees_with_the_report(
    store: Store, settings: Settings, tiny_world: World
) -> None:
    """The database ends the day with every job final, every tech off duty, stats matching."""
    result = await Simulation(store, settings, tiny_world, Policy.NEAREST).run()
    summary = summarize(result)
    statuses = Counter(d["status"] for d in await store.jobs.find({}, {"status": 1}).to_list(None))
    assert statuses["completed"] == summary["jobs_completed"]
    assert statuses["cancelled"] == summary["jobs_unserved"] + summary["jobs_cancelled"]
    assert sum(statuses.values()) == summary["jobs_booked"]
    techs = await store.technicians.find({}).to_list(None)
    assert {t["status"] for t in techs} == {"off_duty"}
    assert sum(t["stats"]["completed"] for t in techs) == summary["jobs_completed"]
    sold = sum(t["stats"]["sold_total"] for t in techs)
    assert sold == pytest.approx(summary["sales_total"])
    kept = summary["revenue_total"] - summary["sales_total"]
    assert kept == pytest.approx(summary["agreements_kept_total"], abs=0.05)
    for t in techs:  # the per-kind results add up to the overall ones
        by_kind = (t.get("stats_by_kind") or {}).values()
        assert sum(k["completed"] for k in by_kind) == t["stats"]["completed"]
        assert sum(k["sales"] for k in by_kind) == t["stats"]["sales"]


def test_kind_close_rate_shrinks_toward_tech_rate_times_kind_factor() -> None:
    """A tech with no installs gets their own rate scaled by how installs sell company-wide."""

    def tech(kinds: dict[str, dict[str, int]]) -> dict[str, object]:
        stats = {"completed": 40, "sales": 20, "sold_total": 16000.0}
        return {
            "_id": "t",
            "home": geo_point(30.27, -97.74),
            "stats": stats,
            "stats_by_kind": kinds,
        }

    fleet = [
        tech({"install": {"completed": 20, "sales": 16}, "repair": {"completed": 20, "sales": 4}})
    ]
    prior = CompanyPrior.from_techs(fleet)
    assert prior.kind_close_rates["install"] == pytest.approx((16 + 0.5 * 20) / 40)
    newcomer = tech_profile(tech({}), prior)
    assert newcomer.close_rate_for("install") == pytest.approx(0.5 * prior.kind_factor("install"))
    assert newcomer.close_rate_for("install") > newcomer.close_rate_for("repair")


async def test_same_seed_gives_the_same_result(
    mongo_uri: str, settings: Settings, tiny_world: World
) -> None:
    """Two runs of one seed and policy report identical figures (wall time aside)."""
    runs = []
    for _ in range(2):
        name = "t_" + uuid.uuid4().hex[:12]
        summary = summarize(await simulate(mongo_uri, name, settings, tiny_world, Policy.FIFO))
        summary.pop("wall_seconds")
        runs.append(summary)
    assert runs[0] == runs[1]


async def test_simulation_drops_its_database(
    mongo_uri: str, db_name: str, settings: Settings, tiny_world: World
) -> None:
    """A run leaves no database behind."""
    await simulate(mongo_uri, db_name, settings, tiny_world, Policy.REVENUE)
    probe = Store(mongo_uri, db_name)
    try:
        assert db_name not in await probe.client.list_database_names()
    finally:
        await probe.close()


def test_json_output_parses(mongo_uri: str) -> None:
    """`simulate --json` prints exactly one JSON object with the issue's keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTJOB_")}
    env.update(MONGODB_URI=mongo_uri, NEXTJOB_TIMEZONE="America/Chicago")
    args = ["--json", "--techs", "2", "--days", "1", "--seed", "5", "--calls-per-tech", "3"]
    out = subprocess.run(
        [sys.executable, "-m", "api.ops.simulator", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    summary = json.loads(out)
    assert set(KPIS) <= set(summary)
    assert summary["techs"] == 2 and summary["seed"] == 5 and summary["policy"] == "revenue"


def test_unreached_call_is_rebooked_or_goes_elsewhere() -> None:
    """A call not reached comes back next morning unless its customer goes elsewhere."""
    world = make_world(seed=5, techs=3, days=2, calls_per_tech_day=4.0, timezone="UTC")
    first_day = [c for c in world.calls if c.day == 0]
    stays = [c for c in first_day if c.leave_draw >= 0.5]
    leaves = [c for c in first_day if c.leave_draw < 0.5]
    assert stays and leaves
    again = rebooked(world, stays[0], 0.5)
    assert again is not None and again.day == 1 and again.cancels_after_min is None
    assert again.booking.window_start == world.local(1, time(7, 0))
    assert rebooked(world, leaves[0], 0.5) is None
    assert rebooked(world, again, 0.0) is None  # no third day in this world


def test_agreement_visit_carries_its_value() -> None:
    """Maintenance visits keep an agreement worth something; other kinds carry none."""
    world = make_world(seed=5, techs=3, days=1, calls_per_tech_day=8.0, timezone="UTC")
    kept = {c.booking.kind.value: c.agreement_value > 0 for c in world.calls}
    assert kept["maintenance"] and not kept["repair"]
    tech = world.techs[0]
    for call in world.calls:
        assert call.expected_value(tech) >= call.agreement_value


def test_oracle_stats_say_the_hidden_truth() -> None:
    """The oracle's stored results give routing the true close rate almost exactly."""
    world = make_world(seed=5, techs=4, days=1, calls_per_tech_day=4.0, timezone="UTC")
    docs = [{"_id": t.id, "home": geo_point(*t.home), **oracle_stats(t)} for t in world.techs]
    prior = CompanyPrior.from_techs(docs)
    for doc, truth in zip(docs, world.techs, strict=True):
        assert tech_profile(doc, prior).close_rate == pytest.approx(truth.close_rate, abs=1e-3)


async def test_lp_bound_is_above_the_oracle(
    mongo_uri: str, db_name: str, settings: Settings, tiny_world: World
) -> None:
    """Even perfect information earns no more expected revenue than the LP bound."""
    result = await simulate(mongo_uri, db_name, settings, tiny_world, Policy.REVENUE, oracle=True)
    summary = summarize(result, label="oracle")
    assert summary["policy"] == "oracle"
    assert 0.0 < summary["expected_revenue_per_day"] <= summary["lp_bound_per_day"]
    assert lp_bound(tiny_world) == pytest.approx(summary["lp_bound_per_day"], abs=0.01)


async def test_fleet_plan_reasons_are_recorded(
    store: Store, settings: Settings, tiny_world: World
) -> None:
    """With the fleet plan on, assignments the plan chose say why, in words."""
    planning = settings.model_copy(update={"fleet_plan": True})
    await Simulation(store, planning, tiny_world, Policy.REVENUE).run()
    docs = await store.jobs.find({"assignment.plan_reason": {"$exists": True}}).to_list(None)
    assert docs, "the fleet plan chose no job on a day with several techs and calls"
    for doc in docs:
        reasons = doc["assignment"]
        assert reasons["plan_reason"] and reasons["plans_tried"] >= 2
        assert reasons["plan_runner_up_job_id"] != doc["_id"]
        assert reasons["plan_value"] >= reasons["plan_runner_up_value"]
        assert "score" in reasons  # the job's own score breakdown is still there


async def test_fleet_plan_is_off_by_default(
    store: Store, settings: Settings, tiny_world: World
) -> None:
    """The company's default is the greedy choice: no assignment carries a plan reason."""
    assert settings.fleet_plan is False
    await Simulation(store, settings, tiny_world, Policy.REVENUE).run()
    assert await store.jobs.count_documents({"assignment": {"$exists": True}}) > 0
    assert await store.jobs.count_documents({"assignment.plan_reason": {"$exists": True}}) == 0
