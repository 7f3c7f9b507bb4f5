"""Bad input gets a clear error with a stable code, no stack trace, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.persistence.store import Store
from mobile_contract import operation
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ApiProcess

BAD_BOOKINGS: list[tuple[str, dict[str, Any], str]] = [
    ("lat out of range", {"lat": 91.0}, "BAD_USER_INPUT"),
    ("lon out of range", {"lon": -181.0}, "BAD_USER_INPUT"),
    ("negative value", {"estimatedValue": -5.0}, "BAD_USER_INPUT"),
    ("absurd value", {"estimatedValue": 5e9}, "BAD_USER_INPUT"),
    ("empty address", {"address": "   "}, "BAD_USER_INPUT"),
    ("oversized problem", {"problem": "x" * 2001}, "BAD_USER_INPUT"),
    ("control characters", {"problem": "leak\x00"}, "BAD_USER_INPUT"),
    ("bad phone", {"customer": {"name": "A", "phone": "call me"}}, "BAD_USER_INPUT"),
    ("dots for a phone", {"customer": {"name": "A", "phone": "......."}}, "BAD_USER_INPUT"),
    (
        "invisible name",
        {"customer": {"name": "\u200b\u200d", "phone": "512-555-0100"}},
        "BAD_USER_INPUT",
    ),
    ("bidi override", {"problem": "leak \u202egnp.exe"}, "BAD_USER_INPUT"),
    ("operator-looking skill", {"requiredSkills": ["$where"]}, "BAD_USER_INPUT"),
    ("unknown kind", {"kind": "TEARDOWN"}, "BAD_USER_INPUT"),
    ("wrong type", {"lat": "north"}, "BAD_USER_INPUT"),
    (
        "window backwards",
        {"arrivalWindow": {"start": "2030-01-01T12:00:00Z", "end": "2030-01-01T10:00:00Z"}},
        "BAD_USER_INPUT",
    ),
    (
        "window over",
        {"arrivalWindow": {"start": "2020-01-01T08:00:00Z", "end": "2020-01-01T12:00:00Z"}},
        "BAD_USER_INPUT",
    ),
    (
        "naive window",
        {"arrivalWindow": {"start": "2030-01-01T08:00:00", "end": "2030-01-01T12:00:00"}},
        "BAD_USER_INPUT",
    ),
    ("duration absurd", {"durationMinutes": 100000}, "BAD_USER_INPUT"),
]


async def snapshot(store: Store) -> tuple[int, int, int]:
    return (
        await store.jobs.count_documents({}),
        await store.events.count_documents({}),
        await store.customers.count_documents({}),
    )


@pytest.mark.parametrize(
    ("case", "override", "code"), BAD_BOOKINGS, ids=[c for c, _, _ in BAD_BOOKINGS]
)
async def test_bad_booking_is_rejected_and_writes_nothing(
    api: ApiProcess,
    store: Store,
    client_for: Callable[[str, str], Client],
    case: str,
    override: dict[str, Any],
    code: str,
) -> None:
    """Each malformed booking gets its code, a readable message, no trace, and no write."""
    csr = client_for("csr", "c")
    variables = booking_vars()
    variables["input"].update(override)
    before = await snapshot(store)
    response = await csr.raw(BOOK, variables)
    assert response.status_code in (200, 400), response.text
    body = response.json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, (case, error)
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert error["message"]
    assert await snapshot(store) == before


async def test_money_and_ids_on_technician_mutations(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Negative sold amounts, unknown and operator-looking ids are refused, state untouched."""
    await add_tech(store, "tech_q", status="available")
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars()))["bookJob"]["id"]
    tech = client_for("technician", "tech_q")
    await tech.execute(operation("StartTravel"), {"jobId": job_id})
    await tech.execute(operation("Arrive"), {"jobId": job_id})
    before = await store.jobs.find_one({"_id": job_id})
    complete = operation("CompleteJob")
    assert await tech.errors(complete, {"jobId": job_id, "soldAmount": -1}) == ["BAD_USER_INPUT"]
    assert await tech.errors(complete, {"jobId": job_id, "soldAmount": 1e12}) == ["BAD_USER_INPUT"]
    assert await tech.errors(complete, {"jobId": "job_nope", "soldAmount": 1}) == ["NOT_FOUND"]
    assert await tech.errors(complete, {"jobId": "$gt", "soldAmount": 1}) == ["BAD_USER_INPUT"]
    assert await tech.errors(operation("ReportLocation"), {"lat": 0, "lon": 200}) == [
        "BAD_USER_INPUT"
    ]
    assert await store.jobs.find_one({"_id": job_id}) == before


async def test_illegal_transitions_are_conflicts(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Skipping a step or repeating one is CONFLICT and changes nothing."""
    await add_tech(store, "tech_r", status="available")
    job_id = (await client_for("csr", "c").execute(BOOK, booking_vars()))["bookJob"]["id"]
    tech = client_for("technician", "tech_r")
    events_before = await store.events.count_documents({})
    assert await tech.errors(operation("Arrive"), {"jobId": job_id}) == ["CONFLICT"]
    assert await tech.errors(operation("CompleteJob"), {"jobId": job_id, "soldAmount": 10}) == [
        "CONFLICT"
    ]
    assert await tech.errors(operation("GoOffDuty")) == ["CONFLICT"]  # has an active job
    assert await tech.errors(operation("GoOnDuty")) == ["CONFLICT"]  # already on duty
    assert await store.events.count_documents({}) == events_before
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and (job["status"], job["version"]) == ("assigned", 2)


async def test_cancelling_a_completed_job_is_a_conflict(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Final states are final: cancel after completion is CONFLICT; an unknown job NOT_FOUND."""
    await add_tech(store, "tech_s", status="available")
    csr = client_for("csr", "c")
    job_id = (await csr.execute(BOOK, booking_vars()))["bookJob"]["id"]
    tech = client_for("technician", "tech_s")
    for op, variables in [
        ("StartTravel", {"jobId": job_id}),
        ("Arrive", {"jobId": job_id}),
        ("CompleteJob", {"jobId": job_id, "soldAmount": 0}),
    ]:
        await tech.execute(operation(op), variables)
    cancel = "mutation($j: ID!, $r: String!) { cancelJob(jobId: $j, reason: $r) { id } }"
    assert await csr.errors(cancel, {"j": job_id, "r": "changed mind"}) == ["CONFLICT"]
    assert await csr.errors(cancel, {"j": "job_missing", "r": "x"}) == ["NOT_FOUND"]
    assert await csr.errors(cancel, {"j": job_id, "r": ""}) == ["BAD_USER_INPUT"]
    job = await store.jobs.find_one({"_id": job_id})
    assert job is not None and job["status"] == "completed" and job["sold_amount"] == 0


async def test_malformed_graphql_gets_a_code_not_a_500(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """Syntax errors, unknown fields and over-deep queries answer with codes, never 5xx."""
    c = client_for("dispatcher", "d")
    for query, code in [
        ("{ jobs { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ jobs { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ " + " ".join(f"a{i}: me {{ role }}" for i in range(40)) + " }", None),
    ]:
        response = await c.raw(query)
        assert response.status_code < 500
        errors = response.json()["errors"]
        if code:
            assert errors[0]["extensions"]["code"] == code
        else:
            assert errors  # too many aliases: refused before execution
