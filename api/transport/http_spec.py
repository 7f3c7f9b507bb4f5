"""GraphQL over HTTP, by the spec: media types and status codes.

A client that accepts `application/graphql-response+json` gets it, with 4xx for
request errors (the document does not parse or validate, variables do not coerce),
in which case the body has no `data`. Others get `application/json` and 200 for any
GraphQL result, as legacy clients expect. Errors at the door (401, 405, 429...) use
the same media type and the same `{"errors": [...]}` shape with an
`extensions.code`.
"""

from __future__ import annotations

import json
from typing import Any, Final

from starlette.responses import Response
from strawberry.types import ExecutionResult

from api.access.front_door import RateLimited
from api.core.errors import NextjobError, Unauthenticated, Unavailable

GRAPHQL_RESPONSE: Final = "application/graphql-response+json"
JSON: Final = "application/json"


def negotiate(accept: str | None) -> str:
    """`application/graphql-response+json` when the client lists it, else JSON."""
    media = [part.split(";")[0].strip().lower() for part in (accept or "").split(",")]
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in media else JSON


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution: no data, and no error points at a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(not e.path for e in errors)


class SubResponse(Response):
    """strawberry's sub-response, also carrying the negotiated media type."""

    def __init__(self, media_type: str) -> None:
        super().__init__()
        self.status_code = 0  # 0: not set, the view decides
        del self.headers["content-length"]
        self.graphql_media_type = media_type


def status_for(exc: NextjobError, media_type: str) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, RateLimited):
        return 429
    if isinstance(exc, Unavailable):
        return 503
    return 400 if media_type == GRAPHQL_RESPONSE else 200


def error_response(
    message: str,
    code: str,
    status: int,
    media_type: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type=media_type,
        headers=headers,
    )


def nextjob_error_response(exc: NextjobError, media_type: str) -> Response:
    status = status_for(exc, media_type)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="nextjob"'
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
        extensions["retryAfter"] = exc.retry_after
    if exc.retryable:
        extensions["retryable"] = True
    return error_response(exc.message, exc.code, status, media_type, headers, **extensions)


def http_error_response(status: int, reason: str, media_type: str) -> Response:
    """strawberry's plain-text HTTP errors, as GraphQL error bodies."""
    headers = {"Allow": "POST"} if status == 405 else {}
    code = "METHOD_NOT_ALLOWED" if status == 405 else "BAD_REQUEST"
    return error_response(reason, code, status, media_type, headers)
