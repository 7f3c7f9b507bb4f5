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
    # The signed-in session a person's access token belongs to (revocable as a whole).
    session_id: str | None = None
    # A token's own id (`jti`), so one integration token can be revoked by itself.
    token_id: str | None = None

    def credential_keys(self) -> frozenset[str]:
        """The names a revocation may use for this principal's credential (see
        `realtime.credentials_channel`): its subject, session, token."""
        keys = {f"sub:{self.subject}"}
        if self.session_id:
            keys.add(f"session:{self.session_id}")
        if self.token_id:
            keys.add(f"jti:{self.token_id}")
        return frozenset(keys)

    def as_actor(self) -> dict[str, str]:
        """How this principal is recorded in the events log."""
        return {"role": self.role.value, "sub": self.subject}


SYSTEM = Principal(role=Role.MANAGER, subject="system:routing")
