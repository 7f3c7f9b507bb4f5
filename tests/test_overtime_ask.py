"""Dispatch asks a technician to stay on; the tech's app sees the ask and answers it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from api.customers.wording import clock_time
from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import add_tech
from tests.gql import Client
from tests.servers import ApiProcess
from tests.test_voice import Thread

ASK = """mutation($t: ID!, $u: DateTime!) {
  askOvertime(technicianId: $t, until: $u) { id overtimeAskedUntil } }"""
STAFF_VIEW = "query($id: ID!) { technician(id: $id) { overtimeAskedUntil overtimeUntil } }"


def _at(dt: str | None) -> datetime | None:
    return datetime.fromisoformat(dt) if dt else None


async def test_an_ask_reaches_the_tech_and_accepting_answers_it(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    await add_tech(store, "tech_ot", status="available")
    dispatcher = client_for("dispatcher", "d")
    tech = client_for("technician", "tech_ot")
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    async with Thread(api.ws_url, "tech_ot") as thread:
        assert await thread.next() == []
        asked = await dispatcher.execute(ASK, {"t": "tech_ot", "u": until.isoformat()})
        assert _at(asked["askOvertime"]["overtimeAskedUntil"]) == until
        said = (await thread.next())[-1]
    local = clock_time(until, ZoneInfo("America/Chicago"))  # the company's default zone
    assert said["toTechnician"] and said["text"].startswith(f"Can you stay until {local}?")
    # The app's own operation reads the ask.
    me = (await tech.execute(operation("Me")))["me"]["technician"]
    assert _at(me["overtimeAskedUntil"]) == until
    await tech.execute(operation("AcceptOvertime"), {"until": until.isoformat()})
    view = (await dispatcher.execute(STAFF_VIEW, {"id": "tech_ot"}))["technician"]
    assert view["overtimeAskedUntil"] is None  # answered
    assert _at(view["overtimeUntil"]) == until
    events = await store.events.find({"entity_id": "tech_ot"}).to_list(None)
    assert [e["type"] for e in events if e["type"].startswith("technician.overtime")] == [
        "technician.overtime_asked",
        "technician.overtime",
    ]


async def test_an_ask_that_cannot_be_answered_is_refused_and_writes_nothing(
    store: Store, client_for: Callable[[str, str], Client]
) -> None:
    await add_tech(store, "tech_home", status="off_duty")
    dispatcher = client_for("dispatcher", "d")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    late = (datetime.now(UTC) + timedelta(hours=9)).isoformat()
    assert await dispatcher.errors(ASK, {"t": "tech_home", "u": soon}) == ["CONFLICT"]
    assert await dispatcher.errors(ASK, {"t": "tech_home", "u": late}) == ["BAD_USER_INPUT"]
    assert await dispatcher.errors(ASK, {"t": "nobody", "u": soon}) == ["NOT_FOUND"]
    assert await client_for("technician", "tech_home").errors(
        ASK, {"t": "tech_home", "u": soon}
    ) == ["FORBIDDEN"]
    doc = await store.technicians.find_one({"_id": "tech_home"})
    assert doc is not None and doc.get("overtime_asked_until") is None
    assert await store.events.count_documents({"entity_id": "tech_home"}) == 0
