"""The public side: security headers on every response, /metrics not public by default,
/track indexed and limited per address, unknown API keys throttled per address, and
idempotent replays counted against the caller's rate limit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from api.persistence.store import Store
from tests.gql import token
from tests.servers import TEST_METRICS_TOKEN, ApiProcess

LIMITS = {
    "NEXTJOB_TRACKING_RATE_LIMIT_PER_MINUTE": "8",
    "NEXTJOB_API_KEY_LOOKUP_PER_MINUTE": "8",
    "NEXTJOB_RATE_LIMIT_PER_MINUTE": "8",
    "NEXTJOB_RATE_LIMIT_BURST": "2",
}


@pytest.fixture
def tight(mongo_uri: str, db_name: str, store: Store) -> Iterator[ApiProcess]:
    """An API with small per-address and per-caller budgets."""
    proc = ApiProcess(mongo_uri, db_name, extra_env=LIMITS)
    try:
        yield proc
    finally:
        proc.stop()


def assert_secure(response: httpx.Response) -> None:
    h = response.headers
    assert "frame-ancestors 'none'" in h["content-security-policy"], response.url
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"


async def test_every_response_carries_security_headers(api: ApiProcess) -> None:
    """Pages, API answers, errors and GraphiQL all carry CSP, no-framing, nosniff, referrer."""
    bearer = {"Authorization": f"Bearer {token('dispatcher', 'disp_h')}"}
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        responses = [
            await http.get("/healthz"),
            await http.get("/map/"),
            await http.get("/map/config.json"),
            await http.get("/track/" + "x" * 32),
            await http.get("/graphql", headers={"Accept": "text/html"}),
            await http.post("/graphql", json={"query": "{ me { role } }"}, headers=bearer),
            await http.post("/graphql", json={"query": "{ me { role } }"}),  # 401
            await http.get("/nowhere"),
        ]
    for response in responses:
        assert_secure(response)
    assert "script-src 'self';" in responses[1].headers["content-security-policy"]


async def test_metrics_need_their_secret(api: ApiProcess, mongo_uri: str, db_name: str) -> None:
    """/metrics answers 401 without its bearer secret, and 404 when none is configured."""
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await http.get("/metrics", headers={"Authorization": f"Bearer {TEST_METRICS_TOKEN}"})
        assert ok.status_code == 200
    default = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_METRICS_TOKEN": ""})
    try:
        async with httpx.AsyncClient(base_url=default.base_url) as http:
            assert (await http.get("/metrics")).status_code == 404
    finally:
        default.stop()


async def _first_refusal(
    send: Callable[[], Awaitable[httpx.Response]], attempts: int = 12
) -> httpx.Response | None:
    """The first 429 among `attempts` requests, or None."""
    for _ in range(attempts):
        response = await send()
        if response.status_code == 429:
            return response
    return None


async def test_tracking_links_are_limited_per_address(tight: ApiProcess) -> None:
    """Guessing /track tokens from one address meets 429 with Retry-After."""
    async with httpx.AsyncClient(base_url=tight.base_url) as http:

        async def guess() -> httpx.Response:
            return await http.get("/track/" + uuid.uuid4().hex)

        refused = await _first_refusal(guess)
    assert refused is not None and int(refused.headers["retry-after"]) >= 1


async def test_unknown_api_keys_are_throttled_per_address(tight: ApiProcess) -> None:
    """Unknown API keys from one address are refused with 429 after a few lookups."""
    async with httpx.AsyncClient(base_url=tight.base_url) as http:

        async def guess() -> httpx.Response:
            key = f"njk_{uuid.uuid4().hex[:12]}_{uuid.uuid4().hex}"
            return await http.post(
                "/graphql", json={"query": "{ me { role } }"}, headers={"X-API-Key": key}
            )

        refused = await _first_refusal(guess)
    assert refused is not None
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_idempotent_replays_spend_the_rate_limit(tight: ApiProcess) -> None:
    """Replaying one Idempotency-Key over and over meets the caller's 429 like any request."""
    headers = {
        "Authorization": f"Bearer {token('dispatcher', 'disp_replay')}",
        "Idempotency-Key": "replay-" + uuid.uuid4().hex,
    }
    async with httpx.AsyncClient(base_url=tight.base_url, headers=headers) as http:

        async def replay() -> httpx.Response:
            return await http.post("/graphql", json={"query": "{ me { role } }"})

        first = await replay()
        assert first.status_code == 200, first.text
        refused = await _first_refusal(replay)
    assert refused is not None and refused.headers["retry-after"]


async def test_tracking_tokens_are_indexed(store: Store) -> None:
    """The /track lookup (`tracking.token`) has an index."""
    names = {ix["name"] async for ix in await store.jobs.list_indexes()}
    assert "tracking_token" in names
