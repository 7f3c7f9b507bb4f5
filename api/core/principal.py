"""Who is acting: a person, an integration, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.core.domain import Role


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str
    expires_at: datetime | None = None
    # What an integration may touch (`jobs:read`...); users' rights come from their role.
    scopes: frozenset[str] = field(default_factory=frozenset)

    def as_actor(self) -> dict[str, str]:
        """How this principal is recorded in the events log."""
        return {"role": self.role.value, "sub": self.subject}


SYSTEM = Principal(role=Role.MANAGER, subject="system:routing")
