"""Who may call what, declared on the fields (read the matrix off the schema).

Each class names the user roles it admits and, for integrations (API keys), the scope
a key needs: `None` keeps integrations out. `tests/test_authorization_matrix.py`
checks every root field against its table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.core.domain import Role
from api.core.principal import Principal
from schema.context import Info

_USERS = frozenset({Role.CSR, Role.DISPATCHER, Role.MANAGER})
ANY_SCOPE = "*"  # integrations need no particular scope


class _RoleIn(BasePermission):
    roles: ClassVar[frozenset[Role]] = frozenset()
    scope: ClassVar[str | None] = None  # what an integration's key needs

    def __init__(self) -> None:
        self.error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return self.admits(info.context.principal)

    @classmethod
    def admits(cls, principal: Principal | None) -> bool:
        """The same rule outside a field: what a subscription may push to this viewer."""
        # HTTP requests and sockets without a valid token never reach a resolver.
        if principal is None:
            return False
        if principal.role is Role.INTEGRATION:
            return cls.scope == ANY_SCOPE or cls.scope in principal.scopes
        return principal.role in cls.roles


class Authenticated(_RoleIn):
    message = "authentication required"
    roles = frozenset(Role)
    scope = ANY_SCOPE


class JobViewer(_RoleIn):
    message = "reading a job needs a staff role, the job's technician, or scope jobs:read"
    roles = frozenset({Role.TECHNICIAN, *_USERS})
    scope = "jobs:read"


class JobsReader(_RoleIn):
    message = "listing jobs needs a staff role or scope jobs:read"
    roles = _USERS
    scope = "jobs:read"


class TechniciansReader(_RoleIn):
    message = "reading technicians needs a staff role or scope technicians:read"
    roles = _USERS
    scope = "technicians:read"


class TechnicianViewer(_RoleIn):
    message = (
        "a technician's details (home, position, shift) need a staff role, scope "
        "technicians:read, or being that technician"
    )
    # Technicians reach a Technician only through their own job or themselves.
    roles = frozenset({Role.TECHNICIAN, *_USERS})
    scope = "technicians:read"


class Manager(_RoleIn):
    message = "only managers may do this"
    roles = frozenset({Role.MANAGER})


class Technician(_RoleIn):
    message = "only technicians may do this"
    roles = frozenset({Role.TECHNICIAN})


class Booker(_RoleIn):
    message = "booking needs a CSR, dispatcher or manager role, or scope jobs:write"
    roles = _USERS
    scope = "jobs:write"


class BoardReader(_RoleIn):
    message = "KPIs need a staff role or scope kpis:read"
    roles = _USERS
    scope = "kpis:read"


class Dispatcher(_RoleIn):
    message = "only dispatchers and managers may do this"
    roles = frozenset({Role.DISPATCHER, Role.MANAGER})


class Canceller(_RoleIn):
    message = "only CSRs, dispatchers and managers may cancel jobs"
    roles = frozenset({Role.CSR, Role.DISPATCHER, Role.MANAGER})


class Staff(_RoleIn):
    message = "only dispatch staff may see this"
    roles = frozenset({Role.CSR, Role.DISPATCHER, Role.MANAGER})


def allow(*permissions: type[BasePermission]) -> list[FieldExtension]:
    """Field extensions for `strawberry.field(extensions=allow(Dispatcher))`."""
    return [PermissionExtension(permissions=[p() for p in permissions])]
