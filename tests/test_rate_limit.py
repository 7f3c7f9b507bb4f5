"""Rate limits per user and per API key: GCRA in Redis, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.access.ratelimit import Limit, gcra
from api.persistence.store import Store
from tests.gql import token
from tests.servers import ApiProcess

ME = {"query": "{ me { role } }"}
TIGHT = {
    "NEXTJOB_RATE_LIMIT_PER_MINUTE": "6",
    "NEXTJOB_RATE_LIMIT_BURST": "3",
    "NEXTJOB_INTEGRATION_RATE_LIMIT_PER_MINUTE": "6",
    "NEXTJOB_INTEGRATION_RATE_LIMIT_BURST": "2",
}


def test_gcra_allows_a_burst_then_the_rate() -> None:
    """Idle: `burst` requests at once; then one per interval, with the wait reported."""
    limit = Limit(per_minute=60, burst=3)
    tat = None
    for _ in range(3):
        decision, tat = gcra(0.0, tat, limit)
        assert decision.allowed
    refused, unchanged = gcra(0.0, tat, limit)
    assert not refused.allowed and unchanged is None
    assert refused.retry_after == pytest.approx(1.0)
    later, _ = gcra(1000.0, tat, limit)
    assert later.allowed


@pytest.fixture
def limited_pair(
    mongo_uri: str, db_name: str, store: Store, redis_url: str
) -> Iterator[list[ApiProcess]]:
    """Two API processes sharing one Redis, with tight limits."""
    procs = [ApiProcess(mongo_uri, db_name, redis_url=redis_url, extra_env=TIGHT) for _ in range(2)]
    try:
        yield procs
    finally:
        for p in procs:
            p.stop()


def _post(api: ApiProcess, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(api.base_url + "/graphql", json=ME, headers=headers)


def test_user_limit_is_shared_across_processes_and_answers_429(
    limited_pair: list[ApiProcess],
) -> None:
    """Three requests pass (via either process), the fourth is 429 with Retry-After."""
    a, b = limited_pair
    user = {"Authorization": f"Bearer {token('dispatcher', 'rl_user')}"}
    assert [_post(p, user).status_code for p in (a, b, a)] == [200, 200, 200]
    refused = _post(b, user)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryable"] is True
    other = {"Authorization": f"Bearer {token('dispatcher', 'rl_other')}"}
    assert _post(a, other).status_code == 200  # limits are per caller


def test_api_keys_have_their_own_limit(limited_pair: list[ApiProcess]) -> None:
    """An API key gets the integration burst (2 here), counted per key."""
    a, _ = limited_pair
    boss = {"Authorization": f"Bearer {token('manager', 'rl_boss')}"}
    create = {"query": 'mutation { createApiKey(name: "rl", scopes: ["jobs:read"]) { key } }'}
    key = httpx.post(a.base_url + "/graphql", json=create, headers=boss).json()
    headers = {"X-API-Key": key["data"]["createApiKey"]["key"]}
    assert [_post(a, headers).status_code for _ in range(3)] == [200, 200, 429]


@pytest.fixture
def limited_alone(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    proc = ApiProcess(mongo_uri, db_name, extra_env=TIGHT)
    try:
        yield proc
    finally:
        proc.stop()


def test_in_process_limiter_without_redis(limited_alone: ApiProcess) -> None:
    """Without REDIS_URL the same limit holds inside the one process."""
    user = {"Authorization": f"Bearer {token('csr', 'rl_solo')}"}
    codes = [_post(limited_alone, user).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
