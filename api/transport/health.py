"""Health checks for load balancers and orchestrators: liveness and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers; also the live subscription count (leaks show here)."""
    ok = await request.app.state.store.ping()
    return JSONResponse(
        {
            "status": "ok" if ok else "unavailable",
            "subscriptions": request.app.state.broker.listener_count(),
        },
        status_code=200 if ok else 503,
    )
