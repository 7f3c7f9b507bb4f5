"""Every error leaves with a stable `extensions.code`; unexpected ones leave masked.

Resolvers raise `api.core.errors` exceptions and never catch to hide: this extension
is the one place that decides what a client may read. A driver error that escaped a
resolver is translated here too (a retryable SERVICE_UNAVAILABLE, not a masked bug).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.core.errors import DuplicateBooking, InvalidInput
from api.persistence.driver_errors import as_nextjob_error

log = logging.getLogger("nextjob.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"


def classify(error: GraphQLError) -> GraphQLError:
    """The client-safe version of an error."""
    original = error.original_error
    ours = as_nextjob_error(original)
    extensions: dict[str, Any] = dict(error.extensions or {})
    message = error.message
    if ours is not None:
        message = ours.message
        extensions["code"] = ours.code
        if ours.retryable:
            extensions["retryable"] = True
        if isinstance(ours, InvalidInput) and ours.field:
            extensions["field"] = ours.field
        if isinstance(ours, DuplicateBooking):
            extensions["duplicateOf"] = ours.job_id
    elif original is None or isinstance(original, GraphQLError):
        # Raised by graphql-core itself (syntax, validation, coercion) or a permission.
        extensions.setdefault("code", _graphql_code(message))
    else:
        log.error("unexpected error in %s", error.path, exc_info=original)
        message, extensions = "Internal server error", {"code": INTERNAL}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _graphql_code(message: str) -> str:
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$") or "got invalid value" in message:
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [classify(e) for e in errors]
