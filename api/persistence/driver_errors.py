"""pymongo's errors become ours at the I/O boundary, in one place.

    PyMongoError                                 -> NextjobError
    ├── DuplicateKeyError                        -> Conflict     CONFLICT
    ├── OperationFailure 112 (write conflict)    -> Conflict     CONFLICT
    ├── ConnectionFailure, ServerSelectionTimeout -> Unavailable  SERVICE_UNAVAILABLE, retryable
    └── anything else the driver raises          -> Unavailable  SERVICE_UNAVAILABLE, retryable

Code that talks to MongoDB runs inside `mapped_driver_errors()` (or a coroutine
function under `@maps_driver_errors`), the way httpx maps httpcore's errors in
`_transports/default.py`. The schema's error extension calls `as_nextjob_error` on
whatever still escapes a resolver, so a driver error never reaches a client as
INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from api.core.errors import Conflict, NextjobError, Unavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

WRITE_CONFLICT = 112


def translate(exc: PyMongoError) -> NextjobError:
    """Map a driver error to one of ours; a write conflict means somebody got there first."""
    if isinstance(exc, DuplicateKeyError):
        return Conflict(duplicate_message(exc))
    if isinstance(exc, OperationFailure) and exc.code == WRITE_CONFLICT:
        return Conflict("the change raced with another one; try again")
    if isinstance(exc, ConnectionFailure | ServerSelectionTimeoutError):
        log.warning("database unavailable: %s", exc)
        return Unavailable("the database is unavailable; retry shortly")
    log.error("database error: %s", exc)
    return Unavailable("the database refused the operation; retry shortly")


def duplicate_message(exc: DuplicateKeyError) -> str:
    if "active_tech_id" in str(exc.details or exc):
        return "the technician already has an active job"
    return "that record already exists"


def as_nextjob_error(exc: BaseException | None) -> NextjobError | None:
    """Ours as is, the driver's translated, anything else None (a bug, to be masked)."""
    if isinstance(exc, NextjobError):
        return exc
    if isinstance(exc, PyMongoError):
        return translate(exc)
    return None


def is_transient(exc: BaseException) -> bool:
    """A transaction that failed this way may simply be run again."""
    return isinstance(exc, PyMongoError) and (
        exc.has_error_label("TransientTransactionError")
        or exc.has_error_label("UnknownTransactionCommitResult")
    )


@contextmanager
def mapped_driver_errors() -> Iterator[None]:
    """Raise driver errors from the block as `NextjobError`s (works around `await`s too)."""
    try:
        yield
    except PyMongoError as exc:
        raise translate(exc) from exc


def maps_driver_errors(fn: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`mapped_driver_errors()` around every call of a coroutine function."""

    @wraps(fn)
    async def mapped(*args: P.args, **kwargs: P.kwargs) -> T:
        with mapped_driver_errors():
            return await fn(*args, **kwargs)

    return mapped


async def translated(operation: Awaitable[T]) -> T:
    """Await one driver call under `mapped_driver_errors` (for a single expression)."""
    with mapped_driver_errors():
        return await operation
