"""Permission rules compose: `|` admits either side, `&` needs both, scopes bind keys only."""

from __future__ import annotations

from api.core.domain import Role
from api.core.principal import Principal
from schema.permissions import ANY_SCOPE, Dispatcher, HasRole, HasScope, JobViewer

READER_KEY = Principal(Role.INTEGRATION, "acct", scopes=frozenset({"jobs:read"}))
BARE_KEY = Principal(Role.INTEGRATION, "acct")
DISPATCHER = Principal(Role.DISPATCHER, "d")
CSR = Principal(Role.CSR, "c")


def test_or_admits_either_side_and_and_needs_both() -> None:
    """`HasRole(...) | HasScope(...)` admits the role or the scope; `&` only a caller with both."""
    either = HasRole(Role.DISPATCHER, Role.MANAGER) | HasScope("jobs:read")
    assert [either.admits(p) for p in (DISPATCHER, READER_KEY, CSR, BARE_KEY)] == [
        True,
        True,
        False,
        False,
    ]
    both = HasRole(Role.INTEGRATION) & HasScope("jobs:read")
    assert [both.admits(p) for p in (READER_KEY, BARE_KEY, DISPATCHER)] == [True, False, False]


def test_scopes_never_admit_users_and_any_scope_admits_every_key() -> None:
    """A user holding a scope-like string is still judged by role; ANY_SCOPE admits any key."""
    user_with_scope = Principal(Role.CSR, "c", scopes=frozenset({"jobs:read"}))
    assert not HasScope("jobs:read").admits(user_with_scope)
    assert HasScope(ANY_SCOPE).admits(BARE_KEY)


def test_named_permissions_refuse_with_their_message_and_code() -> None:
    """Each permission carries the message a refused caller reads and FORBIDDEN as its code,
    and one schema directive named after it."""
    for permission in (JobViewer, Dispatcher):
        assert permission.message
        assert permission.error_extensions == {"code": "FORBIDDEN"}
    assert JobViewer.schema_directive is not Dispatcher.schema_directive
    assert Dispatcher.admits(DISPATCHER) and not Dispatcher.admits(READER_KEY)
    assert not Dispatcher.admits(None)
