"""API keys for integrations: managers create, list and revoke them (and revoke one
signed token by its id). A revocation ends the credential's open sockets everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.access.apikeys import parse_scopes
from api.access.front_door import Access
from api.core.errors import Unavailable
from api.core.validation import identifier
from api.persistence.store import Doc
from schema.context import Info
from schema.permissions import Manager, allow


def _access(info: Info) -> Access:
    request = info.context.request
    if request is None:
        raise Unavailable("API keys need the running app")
    access: Access = request.app.state.access
    return access


@strawberry.type(description="An integration's API key (never its secret).")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="Key id; pass to revokeApiKey.")
    name: str = strawberry.field(description="What the key is for.")
    prefix: str = strawberry.field(description="The key starts njk_<prefix>_.")
    scopes: list[str] = strawberry.field(description="What the key may touch.")
    created_by: str = strawberry.field(description="The manager who created it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if so.")

    @classmethod
    def from_doc(cls, d: Doc) -> ApiKey:
        return cls(
            id=strawberry.ID(d["_id"]),
            name=d["name"],
            prefix=d["prefix"],
            scopes=list(d["scopes"]),
            created_by=d["created_by"],
            created_at=d["created_at"],
            revoked_at=d.get("revoked_at"),
        )


@strawberry.type(description="A new API key: the secret is shown this once, never again.")
class CreatedApiKey:
    key: str = strawberry.field(description="The secret; send as `Authorization: Bearer`.")
    api_key: ApiKey = strawberry.field(description="The stored record.")


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(
        description="API keys, oldest first (revoked ones only if asked).",
        extensions=allow(Manager),
    )
    async def api_keys(
        self,
        info: Info,
        include_revoked: Annotated[
            bool, strawberry.argument(description="Also list revoked keys.")
        ] = False,
    ) -> list[ApiKey]:
        return [ApiKey.from_doc(d) for d in await _access(info).keys.list(include_revoked)]


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="Create an API key for an integration; the secret is returned once.",
        extensions=allow(Manager),
    )
    async def create_api_key(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="What the key is for (1-100).")],
        scopes: Annotated[
            list[str],
            strawberry.argument(description="jobs:read, jobs:write, technicians:read, kpis:read."),
        ],
    ) -> CreatedApiKey:
        viewer = info.context.viewer()
        doc, key = await _access(info).keys.create(name, parse_scopes(scopes), viewer.subject)
        return CreatedApiKey(key=key, api_key=ApiKey.from_doc(doc))

    @strawberry.mutation(
        description="Revoke an API key; it stops working at once everywhere, open sockets too.",
        extensions=allow(Manager),
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Key id.")],
    ) -> ApiKey:
        return ApiKey.from_doc(await _access(info).revoke_key(str(id)))

    @strawberry.mutation(
        description=(
            "Revoke one signed token (an integration's, or anyone's) by its id, the `jti` "
            "claim; it stops working at once everywhere, open sockets too. Idempotent."
        ),
        extensions=allow(Manager),
    )
    async def revoke_token(
        self,
        info: Info,
        token_id: Annotated[strawberry.ID, strawberry.argument(description="The `jti`.")],
    ) -> bool:
        jti = identifier(str(token_id), "tokenId")
        await _access(info).revoke_token(jti, None, info.context.viewer().subject)
        return True
