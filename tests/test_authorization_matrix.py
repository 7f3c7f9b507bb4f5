"""The authorization matrix: every root operation x every role and API-key scope.

Root fields are read off the schema; each one runs under every principal with
made-up arguments (a wrong argument is an error other than FORBIDDEN, which is what
an allowed call may get). The expected allow/deny is the table below; a root field
missing from it fails the test, so a new operation is classified deliberately.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_composite_type,
)
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from api.access.apikeys import SCOPES
from api.persistence.store import Store
from schema import build_schema
from tests.conftest import add_tech, booking_vars
from tests.gql import Client, token
from tests.servers import ApiProcess
from tests.test_realtime_cross_process import assign, parked_job

TECH, CSR, DISP, MGR = "technician", "csr", "dispatcher", "manager"
PRINCIPALS = [TECH, CSR, DISP, MGR, "integration", *(f"integration+{s}" for s in sorted(SCOPES))]
STAFF = {CSR, DISP, MGR}
DISPATCH = {DISP, MGR}


def key(scope: str) -> str:
    return f"integration+{scope}"


EVERYONE = set(PRINCIPALS)
# (operation type, root field) -> the principals allowed to call it.
TABLE: dict[tuple[str, str], set[str]] = {
    ("query", "me"): EVERYONE,
    ("query", "job"): {TECH, *STAFF, key("jobs:read")},
    ("query", "jobsConnection"): {*STAFF, key("jobs:read")},
    ("query", "jobs"): {*STAFF, key("jobs:read")},
    ("query", "techniciansConnection"): {*STAFF, key("technicians:read")},
    ("query", "technicians"): {*STAFF, key("technicians:read")},
    ("query", "technician"): {*STAFF, key("technicians:read")},
    ("query", "kpis"): {*STAFF, key("kpis:read")},
    ("query", "alerts"): DISPATCH,
    ("query", "myMessages"): {TECH},
    ("query", "maintenanceBumpSuggestion"): DISPATCH,
    ("query", "plan"): DISPATCH,
    ("query", "apiKeys"): {MGR},
    ("query", "bookingWindows"): STAFF,
    ("query", "myBookings"): STAFF,
    ("query", "bookingDefaults"): STAFF,
    ("query", "geocodeAddress"): {*STAFF, key("jobs:write")},
    ("mutation", "bookJob"): {*STAFF, key("jobs:write")},
    ("mutation", "cancelJob"): STAFF,
    ("mutation", "assignJob"): DISPATCH,
    ("mutation", "reassignJob"): DISPATCH,
    ("mutation", "unassignJob"): DISPATCH,
    ("mutation", "rescheduleJob"): DISPATCH,
    ("mutation", "bumpMaintenance"): DISPATCH,
    ("mutation", "replyToTechnician"): DISPATCH,
    ("mutation", "acknowledgeAlert"): DISPATCH,
    ("mutation", "resolveLateCall"): DISPATCH,
    ("mutation", "askOvertime"): DISPATCH,
    ("mutation", "createApiKey"): {MGR},
    ("mutation", "revokeApiKey"): {MGR},
    # The team, skills and company settings (issue 12).
    ("query", "skills"): {*STAFF, key("technicians:read")},
    ("query", "company"): {*STAFF, *(p for p in PRINCIPALS if p.startswith("integration"))},
    ("mutation", "addTechnician"): {MGR, key("team:write")},
    ("mutation", "editTechnician"): {MGR, key("team:write")},
    ("mutation", "deactivateTechnician"): {MGR, key("team:write")},
    ("mutation", "reactivateTechnician"): {MGR, key("team:write")},
    ("mutation", "addSkill"): {MGR, key("team:write")},
    ("mutation", "retireSkill"): {MGR, key("team:write")},
    ("mutation", "updateCompany"): {MGR, key("team:write")},
    # Customers and booked-job edits (issue 12).
    ("query", "customers"): {*STAFF, key("customers:read")},
    ("query", "customer"): {*STAFF, key("customers:read")},
    ("mutation", "updateCustomer"): {*STAFF, key("jobs:write")},
    ("mutation", "editJob"): {*STAFF, key("jobs:write")},
    ("mutation", "revokeToken"): {MGR},
    # People's accounts (issue 12).
    ("query", "accounts"): {MGR},
    ("mutation", "createAccount"): {MGR},
    ("mutation", "updateAccount"): {MGR},
    ("mutation", "deactivateAccount"): {MGR},
    ("mutation", "reactivateAccount"): {MGR},
    ("mutation", "revokeAccountSessions"): {MGR},
    ("mutation", "resetAccountPassword"): {MGR},
    **{
        ("mutation", name): {TECH}
        for name in (
            "goOnDuty",
            "goOffDuty",
            "reportLocation",
            "startTravel",
            "arrive",
            "completeJob",
            "vent",
            "flagLateCall",
            "reportRunningLate",
            "declineJob",
            "startBreak",
            "endBreak",
            "acceptOvertime",
            "acknowledgeJob",
        )
    },
    ("subscription", "myJob"): {TECH},
    ("subscription", "myMessages"): {TECH},
    ("subscription", "board"): STAFF,
}

_SCALARS = {"Int": "1", "Float": "1.5", "Boolean": "false", "DateTime": '"2030-01-01T09:00:00Z"'}


def literal(t: GraphQLInputType) -> str:
    """A syntactically valid value of type `t` (only required input fields filled)."""
    if isinstance(t, GraphQLNonNull):
        return literal(t.of_type)
    if isinstance(t, GraphQLList):
        return f"[{literal(t.of_type)}]"
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        required = {n: f for n, f in t.fields.items() if isinstance(f.type, GraphQLNonNull)}
        inner = ", ".join(f"{n}: {literal(f.type)}" for n, f in required.items())
        return "{" + inner + "}"
    assert isinstance(t, GraphQLScalarType)
    return _SCALARS.get(t.name, '"x"')


def root_operations() -> list[tuple[str, str, str]]:
    """(operation type, field, document) for every root field of the schema."""
    schema = build_schema()._schema
    ops = []
    roots: list[tuple[str, GraphQLObjectType | None]] = [
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ]
    for op_type, root in roots:
        for name, field in (root.fields if root else {}).items():
            args = [
                f"{a}: {literal(arg.type)}"
                for a, arg in field.args.items()
                if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            ]
            call = f"{name}({', '.join(args)})" if args else name
            selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
            ops.append((op_type, name, f"{op_type} {{ {call}{selection} }}"))
    return ops


def test_every_root_operation_is_in_the_table() -> None:
    """A new root field fails the build until its row is added to TABLE."""
    fields = {(t, n) for t, n, _ in root_operations()}
    assert fields - TABLE.keys() == set(), "classify these operations in TABLE"
    assert TABLE.keys() - fields == set(), "TABLE names operations the schema lacks"


@pytest.fixture
def api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """An API whose rate limits stay out of the way: every principal sends the whole
    matrix at once, and a RATE_LIMITED answer would say nothing about permissions."""
    env = {
        "NEXTJOB_RATE_LIMIT_BURST": "10000",
        "NEXTJOB_INTEGRATION_RATE_LIMIT_BURST": "10000",
    }
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def bearers(api: ApiProcess, store: Store) -> dict[str, str]:
    """A bearer per principal: user tokens, and API keys made by a manager over the API."""
    await add_tech(store, "tech_mx", status="off_duty")
    out = {TECH: token(TECH, "tech_mx"), **{r: token(r, f"{r}_mx") for r in STAFF}}
    manager = Client(api.base_url, out[MGR])
    create = "mutation($n: String!, $s: [String!]!) { createApiKey(name: $n, scopes: $s) { key } }"
    for p in PRINCIPALS:
        if p.startswith("integration"):
            scopes = [p.partition("+")[2]] if "+" in p else []
            made = await manager.execute(create, {"n": p, "s": scopes})
            out[p] = made["createApiKey"]["key"]
    await manager.close()
    return out


def _codes(errors: Any) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors or []]


async def _http_outcome(api: ApiProcess, bearer: str, document: str) -> bool:
    client = Client(api.base_url, bearer)
    try:
        body = (await client.raw(document)).json()
    finally:
        await client.close()
    codes = _codes(body.get("errors"))
    assert "GRAPHQL_VALIDATION_FAILED" not in codes, (document, body)
    assert "RATE_LIMITED" not in codes, (document, body)
    return "FORBIDDEN" not in codes


async def _ws_outcomes(api: ApiProcess, bearer: str, docs: dict[str, str]) -> dict[str, bool]:
    """Subscribe to each document on one socket; FORBIDDEN at once means denied."""
    allowed = dict.fromkeys(docs, True)
    async with connect(api.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": bearer}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        for name, doc in docs.items():
            sub = {"id": name, "type": "subscribe", "payload": {"query": doc}}
            await ws.send(json.dumps(sub))
        pending = set(docs)
        try:
            while pending:
                # A refusal comes at once; an allowed stream may stay silent. The wait is
                # long because every principal's whole matrix runs at the same moment.
                msg = json.loads(await asyncio.wait_for(ws.recv(), 15))
                if msg.get("id") not in pending:
                    continue
                pending.discard(msg["id"])
                payload = msg.get("payload")
                errors = payload if isinstance(payload, list) else (payload or {}).get("errors")
                assert "RATE_LIMITED" not in _codes(errors), msg
                allowed[msg["id"]] = "FORBIDDEN" not in _codes(errors)
        except TimeoutError:
            pass  # still running: the permission check let it start
    return allowed


async def _outcomes(
    api: ApiProcess, bearer: str, ops: list[tuple[str, str, str]]
) -> dict[tuple[str, str], bool]:
    plain = [(t, n, doc) for t, n, doc in ops if t != "subscription"]
    results = await asyncio.gather(*(_http_outcome(api, bearer, doc) for _, _, doc in plain))
    out = {(t, n): ok for (t, n, _), ok in zip(plain, results, strict=True)}
    subs = {name: doc for t, name, doc in ops if t == "subscription"}
    for name, ok in (await _ws_outcomes(api, bearer, subs)).items():
        out[("subscription", name)] = ok
    return out


async def test_authorization_matrix(api: ApiProcess, bearers: dict[str, str]) -> None:
    """Every root operation allows exactly the table's principals and is FORBIDDEN to others."""
    ops = root_operations()
    by_principal = await asyncio.gather(*(_outcomes(api, b, ops) for b in bearers.values()))
    actual: dict[tuple[str, str], set[str]] = {(t, n): set() for t, n, _ in ops}
    for principal, outcomes in zip(bearers, by_principal, strict=True):
        for op, ok in outcomes.items():
            if ok:
                actual[op].add(principal)
    wrong = {
        op: (sorted(actual[op]), sorted(TABLE[op])) for op in actual if actual[op] != TABLE[op]
    }
    assert not wrong, f"(allowed, expected) differ: {wrong}"
    print(f"authorization matrix: {len(ops)} operations x {len(PRINCIPALS)} principals")


# Nested fields that reach sensitive data by another path than their root field: the
# principals who may read each (the root's rule and the field's together).
NESTED: dict[str, tuple[str, set[str]]] = {
    "Job.technician": (
        'query { job(id: "JOB") { technician { home { lat } location { lat } shiftStart } } }',
        {TECH, *STAFF},
    ),
    "Job.customer": (
        'query { job(id: "JOB") { customer { name phone } } }',
        {TECH, *STAFF, key("jobs:read")},
    ),
    "Job.notifications": ('query { job(id: "JOB") { notifications { text } } }', STAFF),
    "Job.trackingUrl": ('query { job(id: "JOB") { trackingUrl } }', STAFF),
    "Job.assignment": ('query { job(id: "JOB") { assignment { decidedBy } } }', STAFF),
    "Job.expectedArrival": ('query { job(id: "JOB") { expectedArrival } }', STAFF),
    "Job.plannedTechnicianId": ('query { job(id: "JOB") { plannedTechnicianId } }', STAFF),
    "jobs.technician": ("query { jobs { technician { home { lat } } } }", STAFF),
    "jobsConnection.technician": (
        "query { jobsConnection { edges { node { technician { location { lat } } } } } }",
        STAFF,
    ),
    "technicians.home": (
        "query { technicians { home { lat } shiftEnd } }",
        {*STAFF, key("technicians:read")},
    ),
    "Technician.stats": ("query { technicians { stats { soldTotal } } }", STAFF),
    "Technician.declinesToday": ("query { technicians { declinesToday } }", STAFF),
}
# What a `board` subscriber receives, per update kind (ALERT carries vents: dispatch only).
BOARD_KINDS: dict[str, set[str]] = {
    "RESYNC": STAFF,
    "JOB": STAFF,
    "TECHNICIAN": STAFF,
    "ALERT": DISPATCH,
}
BOARD = "subscription { board { kind job { id } technician { id } alert { id text } } }"
BOOK = "mutation($input: BookJobInput!) { bookJob(input: $input) { id } }"


async def _assigned_job(api: ApiProcess, store: Store, tech_id: str) -> str:
    """A job assigned (by a dispatcher) to `tech_id`."""
    job_id = await parked_job(store, api, tech_id)
    await assign(api, job_id, tech_id)
    return job_id


async def test_nested_sensitive_fields_follow_roles_and_scopes(
    api: ApiProcess, store: Store, bearers: dict[str, str]
) -> None:
    """Each nested sensitive field is readable by exactly its row's principals."""
    job_id = await _assigned_job(api, store, "tech_nest")
    principals = {**bearers, TECH: token(TECH, "tech_nest")}
    wrong = {}
    for name, (document, expected) in NESTED.items():
        doc = document.replace("JOB", job_id)
        outcomes = await asyncio.gather(*(_http_outcome(api, b, doc) for b in principals.values()))
        allowed = {p for p, ok in zip(principals, outcomes, strict=True) if ok}
        if allowed != expected:
            wrong[name] = (sorted(allowed), sorted(expected))
    assert not wrong, f"(allowed, expected) differ: {wrong}"


async def _board_kinds(api: ApiProcess, bearer: str, started: asyncio.Event) -> set[str]:
    """The update kinds one board subscriber sees until the technician update arrives."""
    kinds: set[str] = set()
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": bearer}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": {"query": BOARD}}))
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg["type"] in ("ping", "pong"):
                continue
            if msg["type"] != "next" or msg["payload"].get("errors"):
                started.set()
                return kinds  # refused (or failed): it sees nothing
            update = msg["payload"]["data"]["board"]
            kinds.add(update["kind"])
            started.set()
            if update["kind"] == "TECHNICIAN":
                return kinds


async def test_board_update_kinds_follow_roles(
    api: ApiProcess, store: Store, bearers: dict[str, str]
) -> None:
    """A board subscriber gets each update kind only if its row allows: no vents to CSRs."""
    flags = {p: asyncio.Event() for p in bearers}
    watchers = {p: asyncio.create_task(_board_kinds(api, b, flags[p])) for p, b in bearers.items()}
    await asyncio.wait_for(asyncio.gather(*(f.wait() for f in flags.values())), 15)
    csr, tech = Client(api.base_url, bearers[CSR]), Client(api.base_url, bearers[TECH])
    try:
        await csr.execute(BOOK, booking_vars())  # JOB
        await tech.execute('mutation { vent(text: "this van again") { id } }')  # ALERT
        await tech.execute("mutation { reportLocation(lat: 30.3, lon: -97.7) { id } }")
    finally:
        await csr.close()
        await tech.close()
    seen = dict(zip(watchers, await asyncio.gather(*watchers.values()), strict=True))
    expected = {p: {k for k, who in BOARD_KINDS.items() if p in who} for p in bearers}
    assert seen == expected
