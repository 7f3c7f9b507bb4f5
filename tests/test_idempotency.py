"""Safe retries: the same Idempotency-Key runs a mutation once, whatever the network does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from api.persistence.store import Store
from mobile_contract import operation
from tests.booking import booked_for
from tests.conftest import add_tech
from tests.gql import Client, token
from tests.servers import ApiProcess


async def assigned_job(store: Store, client_for: Callable[[str, str], Client], tech: str) -> str:
    """A job routing assigned to `tech` (on duty, one booking)."""
    await add_tech(store, tech, status="available")
    return await booked_for(store, client_for("csr", "csr_1"), tech)


async def post(
    api: ApiProcess, tech: str, name: str, variables: dict[str, Any], key: str
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
        return await http.post(
            "/graphql",
            json={"query": operation(name), "variables": variables},
            headers={
                "Authorization": f"Bearer {token('technician', tech)}",
                "Idempotency-Key": key,
            },
        )


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


async def test_duplicated_requests_write_once_and_answer_alike(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Start travel and complete, each sent three times at once and again later: one write."""
    job_id = await assigned_job(store, client_for, "tech_i1")
    ids = {"jobId": job_id}
    travel = await asyncio.gather(*(post(api, "tech_i1", "StartTravel", ids, "k-t") for _ in "abc"))
    assert {r.status_code for r in travel} == {200}
    assert len({r.content for r in travel}) == 1
    assert travel[0].json()["data"]["startTravel"]["status"] == "EN_ROUTE"
    assert (await post(api, "tech_i1", "Arrive", ids, "k-a")).status_code == 200
    done = {**ids, "soldAmount": 420.0}
    first = await post(api, "tech_i1", "CompleteJob", done, "k-c")
    again = await post(api, "tech_i1", "CompleteJob", done, "k-c")
    assert first.json()["data"]["completeJob"]["status"] == "COMPLETED"
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    events = store.events
    assert await events.count_documents({"entity_id": job_id, "type": "job.completed"}) == 1
    assert await events.count_documents({"entity_id": job_id, "type": "job.en_route"}) == 1
    notes = await store.db["notifications"].count_documents({"job_id": job_id})
    assert notes == 1  # one "on the way" call, not three
    tech = await store.technicians.find_one({"_id": "tech_i1"})
    assert tech is not None and tech["stats"]["completed"] == 1
    assert tech["stats"]["sold_total"] == 420.0


async def test_reordered_retry_replays_the_first_answer_without_undoing(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A late retry of startTravel after arrive answers EN_ROUTE from the record, job stays."""
    job_id = await assigned_job(store, client_for, "tech_i2")
    ids = {"jobId": job_id}
    travel = await post(api, "tech_i2", "StartTravel", ids, "k-1")
    await post(api, "tech_i2", "Arrive", ids, "k-2")
    late = await post(api, "tech_i2", "StartTravel", ids, "k-1")
    assert late.content == travel.content
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "on_site"
    # booked, assigned, en route, its ETA, on site: nothing undone, nothing twice
    assert await store.events.count_documents({"entity_id": job_id, "entity": "job"}) == 5


async def test_new_key_conflicts_and_reused_key_is_refused(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """A second attempt under a new key gets CONFLICT; the same key on another body gets 422."""
    job_id = await assigned_job(store, client_for, "tech_i3")
    ids = {"jobId": job_id}
    await post(api, "tech_i3", "StartTravel", ids, "t")
    await post(api, "tech_i3", "Arrive", ids, "a")
    await post(api, "tech_i3", "CompleteJob", {**ids, "soldAmount": 10.0}, "c1")
    fresh = await post(api, "tech_i3", "CompleteJob", {**ids, "soldAmount": 10.0}, "c2")
    assert codes(fresh) == ["CONFLICT"]
    reused = await post(api, "tech_i3", "CompleteJob", {**ids, "soldAmount": 99.0}, "c1")
    assert reused.status_code == 422 and codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await store.events.count_documents({"entity_id": job_id, "type": "job.completed"}) == 1


async def test_keys_are_scoped_to_the_caller(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Another technician's request under the same key runs as their own, not as a replay."""
    await add_tech(store, "tech_i4")
    await add_tech(store, "tech_i5")
    vent = {"text": "the van's AC died again"}
    one = await post(api, "tech_i4", "Vent", vent, "same")
    two = await post(api, "tech_i5", "Vent", vent, "same")
    assert one.status_code == two.status_code == 200
    assert "idempotent-replayed" not in two.headers
    assert one.json()["data"]["vent"]["id"] != two.json()["data"]["vent"]["id"]
    bad = await post(api, "tech_i4", "Vent", vent, "not a valid key")
    assert bad.status_code == 400 and codes(bad) == ["BAD_USER_INPUT"]
