"""The position path: positions reach every process's board through Redis, MongoDB gets
them at a bounded rate, and nothing reported is lost at stop."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from api.core.domain import Role
from api.core.principal import Principal
from api.core.settings import Settings
from api.dispatch.deps import Dispatch
from api.dispatch.duty import report_location
from api.ops.embedded import free_port
from api.persistence.store import Store
from mobile_contract import operation
from realtime import MemoryBroker
from realtime.positions import Positions
from tests.conftest import add_tech
from tests.gql import Client, token
from tests.servers import ApiProcess
from tests.test_board import next_update, open_board, until
from tests.test_realtime_cross_process import eventually, pair

__all__ = ["pair"]  # the two-process fixture, used here by name


async def test_position_reported_on_a_shows_on_b_and_is_persisted(
    store: Store, pair: tuple[ApiProcess, ApiProcess]
) -> None:
    """A phone's positions on process A reach a board on process B (via Redis), and the
    newest one is in MongoDB soon after (the first at the next tick)."""
    a, b = pair
    await add_tech(store, "tech_p", status="available")
    ws = await open_board(b)
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        phone = Client(a.base_url, token("technician", "tech_p"))
        for i in range(5):
            reply = await phone.execute(
                operation("ReportLocation"), {"lat": 30.30 + i / 100, "lon": -97.70}
            )
            assert reply["reportLocation"]["id"] == "tech_p"
        await phone.close()
        shown = await until(
            ws,
            lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["location"]["lat"] == 30.34,
        )
        assert shown["technician"]["id"] == "tech_p"
    finally:
        await ws.close()

    async def persisted() -> bool:
        doc = await store.technicians.find_one({"_id": "tech_p"})
        return doc is not None and doc["location"]["coordinates"][1] > 30.29

    await eventually(persisted)


async def test_stop_persists_the_newest_position(store: Store) -> None:
    """Positions held for the bounded-rate write are written at stop, the newest one last."""
    broker = MemoryBroker()
    await broker.connect()
    svc = Dispatch.build(store, broker, Settings(board_position_interval=60))
    await svc.start()
    await add_tech(store, "tech_q", status="off_duty")
    actor = Principal(role=Role.TECHNICIAN, subject="tech_q")
    for lat in (30.40, 30.41, 30.42):
        doc = await report_location(svc, actor, lat, -97.70)
        assert doc["location"]["coordinates"][1] == lat
    before = await store.technicians.find_one({"_id": "tech_q"})
    assert before is not None and before["location"]["coordinates"][1] != 30.42  # not yet
    await svc.stop()
    await broker.disconnect()
    after = await store.technicians.find_one({"_id": "tech_q"})
    assert after is not None and after["location"]["coordinates"][1] == 30.42
    assert after["version"] == before["version"]  # positions are not decisions
    assert after["location_at"] <= datetime.now(UTC)


async def test_position_batches_reach_the_board_and_bad_ones_are_refused(
    store: Store, api: ApiProcess
) -> None:
    """`POST /positions`: a tech's batch is accepted and its newest fix shown; a bad body
    or a non-technician gets a coded error, not a 500."""
    await add_tech(store, "tech_r", status="available")
    ws = await open_board(api)
    fixes = [{"lat": 30.50 + i / 100, "lon": -97.70} for i in range(3)]
    try:
        assert (await next_update(ws))["kind"] == "RESYNC"
        async with httpx.AsyncClient(base_url=api.base_url) as http:

            async def post(role: str, body: object) -> httpx.Response:
                headers = {"Authorization": f"Bearer {token(role, 'tech_r')}"}
                return await http.post("/positions", json=body, headers=headers)

            ok = await post("technician", {"positions": fixes})
            assert (ok.status_code, ok.json()) == (200, {"accepted": 3})
            bad = await post("technician", {"positions": [{"lat": 91, "lon": 0}]})
            assert bad.status_code == 400
            assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            garbled = await post("technician", {"positions": "here"})
            assert garbled.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            staff = await post("dispatcher", {"positions": fixes})
            assert staff.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        shown = await until(
            ws,
            lambda u: u["kind"] == "TECHNICIAN" and u["technician"]["location"]["lat"] == 30.52,
        )
        assert shown["technician"]["id"] == "tech_r"
    finally:
        await ws.close()


async def test_positions_fall_back_to_memory_when_redis_is_down() -> None:
    """With Redis unreachable, positions are still taken and read from this process."""
    positions = Positions(f"redis://127.0.0.1:{free_port()}/0", "down")
    now = datetime.now(UTC)
    positions.put("tech_s", 30.6, -97.7, now)
    await positions.share(positions.take_moved())  # logged, not raised
    assert await positions.latest(["tech_s", "tech_t"]) == {"tech_s": (30.6, -97.7, now)}
    await positions.close()
