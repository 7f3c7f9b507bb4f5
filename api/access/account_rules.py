"""What a person's account must look like: its sign-in name, display name and role."""

from __future__ import annotations

import re
from typing import Final

from api.core.domain import Role
from api.core.errors import InvalidInput

PEOPLE_ROLES: Final = (Role.MANAGER, Role.DISPATCHER, Role.CSR, Role.TECHNICIAN)
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,99}$")


def login_key(login: str) -> str:
    """The form a sign-in name is compared in (trimmed, case-folded)."""
    return login.strip().casefold()


def valid_login(login: str) -> str:
    """The compared form of a well-formed sign-in name."""
    key = login_key(login)
    if not _LOGIN.match(key):
        raise InvalidInput(
            "the sign-in name must be 3-100 letters, digits or . _ @ + - (an email works)",
            "login",
        )
    return key


def valid_name(name: str) -> str:
    """A display name with its spaces tidied."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise InvalidInput("the display name must be 1-100 printable characters", "displayName")
    return name


def people_role(role: Role) -> Role:
    """A role people have (integrations use API keys)."""
    if role not in PEOPLE_ROLES:
        raise InvalidInput("a person's role is manager, dispatcher, csr or technician", "role")
    return role
