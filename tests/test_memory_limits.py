"""The API process's memory stays in its band while hostile requests repeat.

Each round sends the heavy cases: a declared 20 MB body, a 4 MB chunked body, a 20 MB
header, a body just under the limit, new token-dense documents (each parses into
about a megabyte), new 60 KB documents registered as APQ, a fragment bomb and an
oversized document. After a warm-up that fills the byte-bounded caches, 30 more
rounds must leave the resident set (VmRSS of the API process) within 40 MB of
where it was.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.persistence.store import Store
from tests.gql import token
from tests.servers import ApiProcess
from tests.test_query_limits import doubling
from tests.test_request_limits import raw_exchange

pytestmark = pytest.mark.slow

WARM_UP_ROUNDS = 10
ROUNDS = 30
BAND_KB = 40 * 1024


def rss_kb(pid: int) -> int:
    """VmRSS of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@pytest.fixture
def open_api(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_RATE_LIMIT_PER_MINUTE": "0"})
    try:
        yield proc
    finally:
        proc.stop()


def heavy_round(api: ApiProcess, http: httpx.Client) -> None:
    """One of each heavy case; every answer is checked, so a round cannot pass silently."""
    bearer = f"Authorization: Bearer {token('dispatcher', 'd')}\r\n".encode()
    declared = raw_exchange(
        api.port,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + bearer
        + b"Content-Length: 20971520\r\n\r\n",
        (b"d" * 65536 for _ in range(320)),
    )
    assert declared.startswith(b"HTTP/1.1 413"), declared[:100]
    chunked = raw_exchange(
        api.port,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + bearer
        + b"Transfer-Encoding: chunked\r\n\r\n",
        (b"10000\r\n" + b"c" * 65536 + b"\r\n" for _ in range(64)),
    )
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:100]
    header = raw_exchange(
        api.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ", (b"h" * 65536 for _ in range(320))
    )
    assert header.startswith(b"HTTP/1.1 431"), header[:100]
    near = http.post(
        "/graphql", json={"query": "{ me { role } }", "variables": {"p": "n" * 250_000}}
    )
    assert near.status_code == 200, near.text[:200]
    for _ in range(5):  # new each time: parsed, cached (within the budget), then refused
        dense = f"# {uuid.uuid4()}\n{{ me {{ " + "role " * 1_900 + "} }"
        answer = http.post("/graphql", json={"query": dense}).json()
        assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    for _ in range(15):
        document = f"# {uuid.uuid4()} " + "c" * 60_000 + "\n{ me { role } }"
        digest = hashlib.sha256(document.encode()).hexdigest()
        apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        kept = http.post("/graphql", json={"query": document, "extensions": apq})
        assert kept.status_code == 200 and kept.json()["data"]["me"]["role"] == "DISPATCHER"
    for query in (doubling(25), "# " + "o" * 100_000 + "\n{ me { role } }"):
        refused = http.post("/graphql", json={"query": query})
        assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_rss_returns_to_its_band_after_repeated_heavy_requests(open_api: ApiProcess) -> None:
    """After warm-up, 30 rounds of the heavy cases grow VmRSS by less than 40 MB."""
    pid = open_api.process.pid
    headers = {"Authorization": f"Bearer {token('dispatcher', 'd')}"}
    started = rss_kb(pid)
    with httpx.Client(base_url=open_api.base_url, headers=headers, timeout=60) as http:
        for _ in range(WARM_UP_ROUNDS):
            heavy_round(open_api, http)
        baseline = rss_kb(pid)
        peak = baseline
        for _ in range(ROUNDS):
            heavy_round(open_api, http)
            peak = max(peak, rss_kb(pid))
        final = rss_kb(pid)
    print(f"VmRSS kB: started {started}, baseline {baseline}, peak {peak}, final {final}")
    assert final - baseline < BAND_KB, (baseline, peak, final)
    assert peak - baseline < 2 * BAND_KB, (baseline, peak, final)
