"""`POST /positions`: the phone's position stream, without a GraphQL request per fix.

A phone that is driving sends the fixes it buffered since its last send (newest last),
`{"positions": [{"lat": 30.27, "lon": -97.74}, ...]}`, with its technician token.
Each fix is checked; the newest goes to the position path (api/dispatch/positions.py).
`reportLocation` stays for phones on the published contract; this is the same action
for many fixes at once, without GraphQL's parse/validate/execute per fix. Errors have
the GraphQL error body and codes (BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN, ...).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.access.front_door import Access
from api.core.errors import InvalidInput, NextjobError
from api.dispatch import duty
from api.dispatch.deps import Dispatch
from api.transport.http_spec import GRAPHQL_RESPONSE, nextjob_error_response

MAX_FIXES = 120  # two minutes of 1 s fixes; more is a phone that was offline: send the newest


async def positions_endpoint(request: Request) -> Response:
    """Accept a batch of one technician's positions; `{"accepted": n}`."""
    try:
        access: Access = request.app.state.access
        principal = await access.authenticate(
            request.headers.get("authorization"), request.headers.get("x-api-key")
        )
        await access.check_rate(principal)
        fixes = _fixes(await request.body())
        dispatch: Dispatch = request.app.state.dispatch
        accepted = await duty.report_locations(dispatch, principal, fixes)
    except NextjobError as exc:
        # Not GraphQL, so no 200-with-errors: the status says it (400, 401, 429, 503).
        return nextjob_error_response(exc, GRAPHQL_RESPONSE)
    return JSONResponse({"accepted": accepted})


def _fixes(body: bytes) -> list[tuple[float, float]]:
    try:
        data: Any = json.loads(body)
        raw = data["positions"]
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_FIXES:
            raise InvalidInput(f"positions must be a list of 1 to {MAX_FIXES} fixes", "positions")
        return [(float(p["lat"]), float(p["lon"])) for p in raw]
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(
            'expected {"positions": [{"lat": number, "lon": number}, ...]}', "positions"
        ) from exc
