"""Every setting nextjob reads, validated once at start-up (documented in the README)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration from the environment: `MONGODB_URI`, `REDIS_URL` and `NEXTJOB_*`."""

    model_config = SettingsConfigDict(env_prefix="NEXTJOB_", extra="ignore")

    mongodb_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "NEXTJOB_MONGODB_URI"),
        description="MongoDB connection string; unset means start the embedded SecantusDB.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "NEXTJOB_REDIS_URL"),
        description="Redis for pub/sub between API processes; unset means in-process broker.",
    )
    db_name: str = Field(default="nextjob", description="MongoDB database name.")
    data_dir: Path = Field(
        default=Path(".nextjob-data"),
        description="Embedded database files and the generated demo signing secret.",
    )
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    embedded_db_port: int = Field(
        default=27117, ge=1, le=65535, description="Port of the embedded SecantusDB."
    )
    jwt_secret: str | None = Field(
        default=None,
        min_length=32,
        description="HS256 signing secret; unset means one generated once into data_dir.",
    )
    token_ttl_hours: float = Field(default=12.0, gt=0, description="Lifetime of issued tokens.")
    timezone: str = Field(
        default="America/Chicago", description="Company time zone: shifts are local times."
    )
    company_name: str = Field(
        default="nextjob demo company", description="Company name until a manager sets one."
    )
    company_phone: str = Field(
        default="", description="Customer-facing phone until a manager sets one (E.164)."
    )
    default_region: str = Field(
        default="US", min_length=2, max_length=2, description="Region of phones given locally."
    )
    resync_seconds: float = Field(
        default=30.0, gt=0, description="A phone's stream re-reads its job at least this often."
    )
    seed_demo: bool = Field(default=True, description="Seed the demo company into an empty DB.")
    graphiql: bool = Field(default=True, description="Serve GraphiQL on GET /graphql.")
    log_format: str = Field(
        default="auto",
        pattern="^(auto|json|text)$",
        description="Log lines: `text` for people, `json` for collectors; `auto` = text on a tty.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL customers reach the API at (tracking links); default host:port.",
    )
    notify_webhook_url: str | None = Field(
        default=None,
        description="Webhook that delivers customer notifications; unset means record only.",
    )
    notify_webhook_secret: str | None = Field(
        default=None,
        pattern="^whsec_[A-Za-z0-9+/=]+$",
        description="Standard Webhooks signing secret (`whsec_` + base64); unset means unsigned.",
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, description="Webhook deliveries tried before a notice is marked failed."
    )
    notify_backoff_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; doubles per attempt (capped at 10 min)."
    )
    notify_lease_seconds: float = Field(
        default=30.0, gt=0, description="A claimed notice is re-sent if not settled by then."
    )
    track_poll_seconds: float = Field(
        default=15.0, ge=1, description="How often the customer's tracking page refreshes."
    )
    eta_material_minutes: float = Field(
        default=15.0, gt=0, description="An ETA change smaller than this is not told."
    )
    eta_stable_seconds: float = Field(
        default=120.0, ge=0, description="A new ETA must hold this long (or twice) to be told."
    )
    eta_notice_interval_minutes: float = Field(
        default=30.0, ge=0, description="At most one sooner/later message per job per this."
    )
    board_position_interval: float = Field(
        default=1.0, ge=0, description="At most one position update per tech per this (s)."
    )
    ack_timeout_seconds: float = Field(
        default=120.0, gt=0, description="Alert when a phone has not acknowledged a job by then."
    )
    reassign_unacknowledged: bool = Field(
        default=False, description="Also hand unacknowledged jobs back (the tech goes on break)."
    )
    max_candidates: int = Field(
        default=5, ge=1, description="Runner-ups routing tries when an assignment races."
    )
    map_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Tile URL template for the live map at /map; empty means no tiles.",
    )

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
    apq_ttl_seconds: int = Field(
        default=86_400, ge=1, description="How long an automatic persisted query is kept."
    )
    tech_trusted_documents_only: bool = Field(
        default=False, description="Technicians may send only the mobile manifest's documents."
    )

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def signing_secret(self) -> str:
        """The configured secret, or the demo secret kept in the data folder."""
        if self.jwt_secret:
            return self.jwt_secret
        return _demo_secret(self.data_dir)


def _demo_secret(data_dir: Path) -> str:
    import secrets

    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
