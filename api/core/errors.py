"""The errors nextjob raises on purpose, each with a stable GraphQL `extensions.code`.

    NextjobError
    ├── Unauthenticated   UNAUTHENTICATED   no or bad credentials
    ├── Forbidden         FORBIDDEN         authenticated, but not allowed
    ├── InvalidInput      BAD_USER_INPUT    the request itself is wrong
    ├── NotFound          NOT_FOUND         no such object (or not yours to see)
    ├── Conflict          CONFLICT          legal request, illegal in the current state
    │   └── DuplicateBooking  DUPLICATE_BOOKING  repeats an open job; confirm to book anyway
    └── Unavailable       SERVICE_UNAVAILABLE  a backing server failed; safe to retry

The database driver's errors become these at the I/O boundary
(`api.persistence.driver_errors`); anything else escaping a resolver is a bug and is
masked as INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

from typing import ClassVar


class NextjobError(Exception):
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(NextjobError):
    code = "UNAUTHENTICATED"


class Forbidden(NextjobError):
    code = "FORBIDDEN"


class InvalidInput(NextjobError):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(NextjobError):
    code = "NOT_FOUND"


class Conflict(NextjobError):
    code = "CONFLICT"


class DuplicateBooking(Conflict):
    """A booking repeats an open job for the same customer and address."""

    code = "DUPLICATE_BOOKING"

    def __init__(self, message: str, job_id: str) -> None:
        super().__init__(message)
        self.job_id = job_id


class Unavailable(NextjobError):
    code = "SERVICE_UNAVAILABLE"
    retryable = True
