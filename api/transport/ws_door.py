"""The WebSocket door shared by both protocols: who is connecting (token or API key in
`connection_init`), which document to run (persisted documents, rate limits), the shape
of a message, and a socket's place in this process's registry (`api.transport.sockets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLFormattedError
from strawberry.schema.base import BaseSchema

from api.access.front_door import Access, RateLimited
from api.core.errors import Forbidden, InvalidInput, NextjobError, Unauthenticated, Unavailable
from api.core.principal import Principal
from api.transport.sockets import EXPIRED, REVOKED, TOO_MANY, SocketRegistry, expired
from schema.context import Context
from schema.limits import storable


async def principal_from_params(
    params: Any, access: Access, client: str | None = None
) -> Principal:
    """Read the token (or API key) a client sends in `connection_init`'s payload."""
    if not isinstance(params, dict):
        raise Unauthenticated("connection_init payload must carry a token")
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return await access.authenticate(header, None, client)
    api_key = params.get("apiKey") or params.get("X-API-Key")
    if isinstance(api_key, str) and api_key:
        return await access.authenticate(None, api_key, client)
    token = params.get("token")
    if isinstance(token, str) and token:
        return await access.authenticate(f"Bearer {token}", None, client)
    raise Unauthenticated("connection_init payload must carry a token")


def access_of(context: Context) -> Access:
    """The front door (`app.state.access`) of the socket's app."""
    if context.request is None:
        raise Unavailable("no connection")
    access: Access = context.request.app.state.access
    return access


def client_of(context: Context) -> str | None:
    """The client's address (for per-address throttles)."""
    request = context.request
    return request.client.host if request is not None and request.client else None


def registry_of(context: Context) -> SocketRegistry:
    """This process's socket registry (`app.state.sockets`)."""
    if context.request is None:
        raise Unavailable("no connection")
    registry: SocketRegistry = context.request.app.state.sockets
    return registry


async def resolve_query(context: Context, payload: Mapping[str, Any], schema: BaseSchema) -> str:
    """The document to run for a subscribe payload, after the rate limit and PQ rules;
    an APQ registration is kept only if the document parses and validates (`storable`)."""
    access = access_of(context)
    settings = context.settings
    if context.principal is not None:
        await access.check_rate(context.principal)
    query = await access.documents.resolve(
        context.principal,
        payload.get("query"),
        payload.get("extensions"),
        payload.get("documentId"),
        vet=lambda query: storable(schema, query, settings),
    )
    if query is None:
        raise InvalidInput("no GraphQL query (or documentId) in the message", "query")
    return query


def error_payload(exc: NextjobError) -> GraphQLFormattedError:
    """A refused operation's error, with its stable code."""
    return {"message": exc.message, "extensions": {"code": exc.code}}


def well_formed(message: object) -> bool:
    """A protocol message: a JSON object whose `type` is a string (else close 4400)."""
    return isinstance(message, dict) and isinstance(message.get("type"), str)


def operation_shaped(message: Mapping[str, Any]) -> bool:
    """A subscribe/start message: a string id and a payload object (else close 4400)."""
    return isinstance(message.get("id"), str) and isinstance(message.get("payload"), dict)


def close_code(exc: NextjobError) -> int:
    """The close code for a credential refused at `connection_init`."""
    if isinstance(exc, Unauthenticated):
        return EXPIRED
    if isinstance(exc, Forbidden):
        return REVOKED
    if isinstance(exc, RateLimited):
        return TOO_MANY
    return 4500


class Membership:
    """A socket's place in the registry: admitted after authentication, left on close."""

    context: Context
    _admitted: Principal | None = None
    _ended = False

    @property
    def principal(self) -> Principal | None:
        return self.context.principal

    async def end(self, code: int, reason: str) -> None:
        raise NotImplementedError

    def admit(self, principal: Principal) -> bool:
        if not registry_of(self.context).admit(self, principal):
            return False
        self._admitted = principal
        return True

    def leave(self) -> None:
        if self._admitted is not None:
            registry_of(self.context).remove(self, self._admitted)
            self._admitted = None

    def spent(self) -> bool:
        """True once the socket is ending; its credential may no longer act."""
        p = self.context.principal
        return self._ended or (p is not None and expired(p))
