"""What the public side may reach without a token: bounded per client address, and
`/metrics` only with its own secret (or when configured public, on a private network)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.access.front_door import Access
from api.access.ratelimit import Limit
from api.core.settings import Settings

Endpoint = Callable[[Request], Awaitable[Response]]


def per_client_address(endpoint: Endpoint, name: str, per_minute: int) -> Endpoint:
    """`endpoint`, answering 429 (with Retry-After) past `per_minute` per client address."""
    if per_minute == 0:
        return endpoint
    limit = Limit(per_minute, max(1, per_minute // 4))

    async def limited(request: Request) -> Response:
        access: Access = request.app.state.access
        address = request.client.host if request.client else "-"
        decision = await access.limiter.hit(f"{name}:{address}", limit)
        if not decision.allowed:
            wait = max(1, int(decision.retry_after + 0.999))
            return JSONResponse(
                {"error": "too many requests from this address", "retryAfter": wait},
                status_code=429,
                headers={"Retry-After": str(wait), "Cache-Control": "no-store"},
            )
        return await endpoint(request)

    return limited


def guarded_metrics(endpoint: Endpoint, settings: Settings) -> Endpoint:
    """`/metrics` behind `Authorization: Bearer <NEXTJOB_METRICS_TOKEN>`; without a token
    it is served only if `NEXTJOB_METRICS_PUBLIC`, else it does not exist (404)."""
    secret = settings.metrics_token
    public = settings.metrics_public

    async def guarded(request: Request) -> Response:
        if secret:
            presented = request.headers.get("authorization", "")
            if not hmac.compare_digest(presented.encode(), f"Bearer {secret}".encode()):
                return Response(
                    "metrics need the metrics bearer token\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        elif not public:
            return Response("not found\n", status_code=404)
        return await endpoint(request)

    return guarded
