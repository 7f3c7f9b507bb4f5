"""GraphQL over HTTP by the spec: graphql-http's audit, media types, status codes, limits."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.persistence.store import Store
from tests.gql import token
from tests.servers import ApiProcess

AUDIT_DIR = Path(__file__).parent / "http_audit"
GQL_JSON = "application/graphql-response+json"


def test_graphql_http_audit_passes_in_full(api: ApiProcess) -> None:
    """Every graphql-http server audit is ok: no error, no warning."""
    node = shutil.which("node")
    assert node, "node is needed for the graphql-http audit"
    assert (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(), (
        f"run `npm ci --prefix {AUDIT_DIR}` (make test does)"
    )
    run = subprocess.run(
        [node, str(AUDIT_DIR / "audit.mjs"), api.base_url + "/graphql", token("dispatcher", "d")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(run.stdout)
    counts = Counter(r["status"] for r in results)
    print(f"graphql-http audit: {dict(counts)} of {len(results)}")
    failing = [r for r in results if r["status"] != "ok"]
    assert not failing, json.dumps(failing, indent=1)
    assert counts["ok"] >= 50


def _post(api: ApiProcess, body: object, accept: str = GQL_JSON, **kw: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token('dispatcher', 'd')}", "Accept": accept, **kw}
    return httpx.post(api.base_url + "/graphql", json=body, headers=headers)


def test_media_type_follows_accept(api: ApiProcess) -> None:
    """graphql-response+json when accepted; application/json for legacy clients."""
    ok = _post(api, {"query": "{ me { role } }"})
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GQL_JSON)
    legacy = _post(api, {"query": "{ me { role } }"}, accept="application/json")
    assert legacy.headers["content-type"].startswith("application/json")


def test_request_errors_are_400_without_data(api: ApiProcess) -> None:
    """Parse and validation failures are 400 with no `data` (graphql-response+json)."""
    for query, code in [("{ me {", "GRAPHQL_PARSE_FAILED"), ("{ nope }", None)]:
        r = _post(api, {"query": query})
        assert r.status_code == 400, r.text
        assert "data" not in r.json()
        assert r.headers["content-type"].startswith(GQL_JSON)
        if code:
            assert r.json()["errors"][0]["extensions"]["code"] == code
    legacy = _post(api, {"query": "{ me {"}, accept="application/json")
    assert legacy.status_code == 200


def test_field_errors_keep_200_and_data(api: ApiProcess, store: Store) -> None:
    """An error inside execution is still a 200 response with `data`."""
    r = _post(api, {"query": '{ job(id: "job_missing") { id } }'})
    assert r.status_code == 200
    body = r.json()
    assert "data" in body and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_get_runs_queries_but_not_mutations(api: ApiProcess) -> None:
    """GET answers queries; a mutation over GET is 405 with Allow: POST."""
    auth = {"Authorization": f"Bearer {token('dispatcher', 'd')}", "Accept": GQL_JSON}
    r = httpx.get(api.base_url + "/graphql", params={"query": "{ me { role } }"}, headers=auth)
    assert r.status_code == 200 and r.json()["data"]["me"]["role"] == "DISPATCHER"
    m = httpx.get(
        api.base_url + "/graphql", params={"query": "mutation { goOnDuty { id } }"}, headers=auth
    )
    assert m.status_code == 405
    assert m.headers["allow"] == "POST"
    assert m.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_batching_is_off(api: ApiProcess) -> None:
    """A JSON array of operations is refused with 400 and a GraphQL error body."""
    r = _post(api, [{"query": "{ me { role } }"}, {"query": "{ me { role } }"}])
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_too_costly_query_is_refused_before_running(api: ApiProcess) -> None:
    """Many big pages with nested lists exceed the cost limit: QUERY_TOO_COMPLEX."""
    page = "jobsConnection(first: 500) { edges { node { id requiredSkills technician { id } } } }"
    query = "{ " + " ".join(f"a{i}: {page}" for i in range(10)) + " }"
    r = _post(api, {"query": query})
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"]
    small = _post(api, {"query": "{ jobsConnection(first: 10) { edges { node { id } } } }"})
    assert small.status_code == 200, small.text


@pytest.fixture
def closed_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_INTROSPECTION": "false"})
    try:
        yield proc
    finally:
        proc.stop()


def test_introspection_can_be_turned_off(api: ApiProcess, closed_api: ApiProcess) -> None:
    """NEXTJOB_INTROSPECTION=false refuses __schema; __typename still works."""
    query = {"query": "{ __schema { queryType { name } } }"}
    assert _post(api, query).json()["data"]["__schema"]["queryType"]["name"] == "Query"
    r = _post(closed_api, query)
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert _post(closed_api, {"query": "{ __typename }"}).json()["data"] == {"__typename": "Query"}


def test_errors_are_masked(api: ApiProcess) -> None:
    """Error bodies carry codes and messages but no traces or internals."""
    r = _post(api, {"query": '{ jobsConnection(after: "garbage!") { edges { cursor } } }'})
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Traceback" not in r.text and "File " not in r.text
