"""Who may call what, declared on the fields (read the matrix off the schema)."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.domain import Role
from schema.context import Info


class _RoleIn(BasePermission):
    roles: ClassVar[frozenset[Role]] = frozenset()

    def __init__(self) -> None:
        self.error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # HTTP requests and sockets without a valid token never reach a resolver.
        principal = info.context.principal
        return principal is not None and principal.role in self.roles


class Authenticated(_RoleIn):
    message = "authentication required"
    roles = frozenset(Role)


class Technician(_RoleIn):
    message = "only technicians may do this"
    roles = frozenset({Role.TECHNICIAN})


class Booker(_RoleIn):
    message = "only CSRs, dispatchers, managers and integrations may book jobs"
    roles = frozenset({Role.CSR, Role.DISPATCHER, Role.MANAGER, Role.INTEGRATION})


class BoardReader(_RoleIn):
    message = "technicians cannot list jobs or technicians"
    roles = frozenset({Role.CSR, Role.DISPATCHER, Role.MANAGER, Role.INTEGRATION})


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
