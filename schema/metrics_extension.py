"""Counts GraphQL errors by `extensions.code` into the app's metrics.

List it before `ErrorCodes` in the schema's extensions: the outermost extension's
hook runs last, so it then sees the codes `ErrorCodes` gave every error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.core.errors import NextjobError


@runtime_checkable
class ErrorCounter(Protocol):
    """What this extension needs of the app's metrics (they live in the transport)."""

    def graphql_error(self, code: str) -> None: ...


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    return original.code if isinstance(original, NextjobError) else "UNCLASSIFIED"


class ErrorMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        metrics = _metrics(self.execution_context.context)
        if errors and metrics is not None:
            for error in errors:
                metrics.graphql_error(error_code(error))


def _metrics(context: Any) -> ErrorCounter | None:
    request = getattr(context, "request", None)
    app = getattr(request, "app", None) if request is not None else None
    metrics = getattr(getattr(app, "state", None), "metrics", None)
    return metrics if isinstance(metrics, ErrorCounter) else None
