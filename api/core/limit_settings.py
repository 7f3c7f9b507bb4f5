"""The settings that bound what a caller may cost: request rates, document and message
sizes, sockets, revocation checks and the metrics endpoint (issue 15). `Settings`
inherits them; they are read from `NEXTJOB_*` like every other setting."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEXTJOB_", extra="ignore")

    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute per user token; 0 turns it off."
    )
    rate_limit_burst: int = Field(default=120, ge=1, description="Users' burst allowance.")
    integration_rate_limit_per_minute: int = Field(
        default=300, ge=0, description="Requests per minute per API key; 0 turns it off."
    )
    integration_rate_limit_burst: int = Field(default=60, ge=1, description="Keys' burst.")
    introspection: bool = Field(default=True, description="Answer introspection queries.")
    max_query_cost: int = Field(
        default=20_000, ge=1, description="Estimated fields resolved (list sizes x depth) cap."
    )
    max_document_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest GraphQL document parsed (UTF-8 bytes)."
    )
    document_cache_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=0,
        description="Parsed and validated documents kept, by estimated bytes.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest HTTP request body; over it: 413."
    )
    max_header_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Largest request line plus headers; over it: 431."
    )
    max_ws_message_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest WebSocket message; over it: close 1009."
    )
    apq_ttl_seconds: int = Field(
        default=86_400, ge=1, description="How long an automatic persisted query is kept."
    )
    tech_trusted_documents_only: bool = Field(
        default=False, description="Technicians may send only the mobile manifest's documents."
    )

    ws_init_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A socket must send connection_init within this (4408)."
    )
    ws_ping_seconds: float = Field(
        default=15.0, gt=0, description="Keep-alive ping (or legacy `ka`) on open sockets."
    )
    max_sockets_per_principal: int = Field(
        default=20, ge=1, description="Open sockets per credential per process (4429 beyond)."
    )
    token_revocation_cache_seconds: float = Field(
        default=30.0, ge=0, description="How long a token id's revocation check is cached."
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer secret for /metrics; unset keeps /metrics off unless metrics_public.",
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a secret (a private network only)."
    )
    tracking_rate_limit_per_minute: int = Field(
        default=60, ge=0, description="/track page loads per minute per client address."
    )
    api_key_lookup_per_minute: int = Field(
        default=60, ge=0, description="Uncached API key lookups per minute per client address."
    )
