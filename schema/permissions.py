"""Who may call what, declared on the fields (read the matrix off the schema).

A rule is composed of `HasRole(...)` (users, by their JWT's role) and `HasScope(...)`
(integrations, by their API key's scopes) with `|` (either) and `&` (both). A
`Permission` names a rule for the schema (its directive, `@jobViewer`) and says what a
refused caller reads, with `extensions.code` FORBIDDEN. Strawberry 0.341's
`BasePermission` does not compose, so rules compose here and `Permission` is the one
`BasePermission`. `tests/test_authorization_matrix.py` checks every root field.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location, StrawberrySchemaDirective

from api.core.domain import Role
from api.core.principal import Principal
from schema.context import Info

ANY_SCOPE = "*"  # integrations need no particular scope


class Rule(ABC):
    """Whether a verified caller may pass; `a | b` passes either, `a & b` needs both."""

    @abstractmethod
    def admits(self, principal: Principal) -> bool: ...

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(self, other)

    def __and__(self, other: Rule) -> Rule:
        return AllOf(self, other)


class HasRole(Rule):
    """A caller with one of these roles."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def admits(self, principal: Principal) -> bool:
        return principal.role in self.roles


class HasScope(Rule):
    """An integration whose API key holds this scope (`ANY_SCOPE`: any key)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def admits(self, principal: Principal) -> bool:
        return principal.role is Role.INTEGRATION and (
            self.scope == ANY_SCOPE or self.scope in principal.scopes
        )


class AnyOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    def admits(self, principal: Principal) -> bool:
        return any(rule.admits(principal) for rule in self.rules)


class AllOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    def admits(self, principal: Principal) -> bool:
        return all(rule.admits(principal) for rule in self.rules)


class Permission(BasePermission):
    """A named rule on a field. The name is its schema directive (`JobViewer` prints as
    `@jobViewer`): one directive object per permission, shared by every field it guards."""

    def __init__(self, name: str, rule: Rule, message: str) -> None:
        self.name = name
        self.rule = rule
        self.message = message
        self.error_extensions = {"code": "FORBIDDEN"}
        self._directive = _directive(name)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return self.admits(info.context.principal)

    def admits(self, principal: Principal | None) -> bool:
        """The same rule outside a field (what a stream may show this viewer)."""
        # HTTP requests and sockets without a valid token never reach a resolver.
        return principal is not None and self.rule.admits(principal)

    @property
    def schema_directive(self) -> object:
        return self._directive


def _directive(name: str) -> object:
    """What strawberry's `BasePermission` makes per class, made per permission instead."""

    class Directive:
        __strawberry_directive__ = StrawberrySchemaDirective(
            name, name, [Location.FIELD_DEFINITION], []
        )

    Directive.__name__ = Directive.__qualname__ = name
    return Directive()


STAFF = HasRole(Role.CSR, Role.DISPATCHER, Role.MANAGER)
DISPATCH = HasRole(Role.DISPATCHER, Role.MANAGER)
TECHNICIAN = HasRole(Role.TECHNICIAN)

Authenticated = Permission(
    "Authenticated", STAFF | TECHNICIAN | HasScope(ANY_SCOPE), "authentication required"
)
JobViewer = Permission(
    "JobViewer",
    STAFF | TECHNICIAN | HasScope("jobs:read"),
    "reading a job needs a staff role, the job's technician, or scope jobs:read",
)
JobsReader = Permission(
    "JobsReader",
    STAFF | HasScope("jobs:read"),
    "listing jobs needs a staff role or scope jobs:read",
)
TechniciansReader = Permission(
    "TechniciansReader",
    STAFF | HasScope("technicians:read"),
    "reading technicians needs a staff role or scope technicians:read",
)
Booker = Permission(
    "Booker",
    STAFF | HasScope("jobs:write"),
    "booking needs a CSR, dispatcher or manager role, or scope jobs:write",
)
BoardReader = Permission(
    "BoardReader", STAFF | HasScope("kpis:read"), "KPIs need a staff role or scope kpis:read"
)
Manager = Permission("Manager", HasRole(Role.MANAGER), "only managers may do this")
Technician = Permission("Technician", TECHNICIAN, "only technicians may do this")
Dispatcher = Permission("Dispatcher", DISPATCH, "only dispatchers and managers may do this")
Canceller = Permission("Canceller", STAFF, "only CSRs, dispatchers and managers may cancel jobs")
Staff = Permission("Staff", STAFF, "only dispatch staff may see this")


def allow(*permissions: Permission) -> list[FieldExtension]:
    """Field extensions for `strawberry.field(extensions=allow(Dispatcher))`."""
    return [PermissionExtension(permissions=list(permissions))]


TeamWriter = Permission(
    "TeamWriter",
    HasRole(Role.MANAGER) | HasScope("team:write"),
    "changing the team, skills or company settings needs a manager or scope team:write",
)
SkillsReader = Permission(
    "SkillsReader",
    STAFF | HasScope("technicians:read"),
    "the skills catalogue needs a staff role or scope technicians:read",
)
CompanyReader = Permission(
    "CompanyReader", STAFF | HasScope(ANY_SCOPE), "company settings are for staff and integrations"
)
CustomersReader = Permission(
    "CustomersReader",
    STAFF | HasScope("customers:read"),
    "customers need a CSR, dispatcher or manager role, or scope customers:read",
)
CustomerWriter = Permission(
    "CustomerWriter",
    STAFF | HasScope("jobs:write"),
    "editing customers needs a CSR, dispatcher or manager role, or scope jobs:write",
)
