"""Every setting nextjob reads, validated once at start-up (documented in the README)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from api.core.clock import parse_hhmm
from api.core.domain import JobKind
from api.core.limit_settings import LimitSettings


class Settings(LimitSettings):
    """Configuration from the environment: `MONGODB_URI`, `REDIS_URL` and `NEXTJOB_*`
    (the limits on hostile input and sockets are declared in `limit_settings.py`)."""

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
    access_token_minutes: float = Field(
        default=10.0, gt=0, le=60, description="Lifetime of a signed-in person's access token."
    )
    session_days: float = Field(
        default=30.0, gt=0, description="A sign-in lasts this long unless used or ended sooner."
    )
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
    fleet_plan: bool = Field(
        default=False,
        description="Choose a freed tech's job by playing the whole crew forward (issue 17). "
        "Off: held-out simulations found it no better than the greedy choice, at up to "
        "150 ms a decision.",
    )
    map_tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Tile URL template for the live map at /map; empty means no tiles.",
    )

    # ---- the booking desk ----------------------------------------------------------------
    geocoder: str = Field(
        default="none",
        pattern="^(nominatim|photon|opencage|none)$",
        description="Address lookup: `nominatim`, `photon`, `opencage` (key) or `none` (pin).",
    )
    geocoder_url: str | None = Field(
        default=None,
        description="The geocoder's base URL (your own Nominatim/Photon); unset: its public one.",
    )
    geocoder_key: str | None = Field(default=None, description="API key of a keyed geocoder.")
    geocoder_user_agent: str = Field(
        default="nextjob-booking-desk", min_length=1, description="User-Agent sent to geocoders."
    )
    geocoder_timeout: float = Field(
        default=4.0, gt=0, le=30, description="Seconds before a geocoder counts as failed."
    )
    service_area_center: str = Field(
        default="30.2672,-97.7431",
        pattern=r"^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$",
        description="The company's base as `lat,lon` (the service area's centre).",
    )
    service_area_radius_km: float = Field(
        default=80.0, ge=0, description="Bookings farther than this from the base are refused."
    )
    service_area_geojson: str | None = Field(
        default=None,
        description="A GeoJSON Polygon/MultiPolygon; when set it replaces the radius.",
    )
    booking_windows: str = Field(
        default="08:00-12:00,12:00-16:00",
        pattern=r"^\s*\d{1,2}:\d{2}-\d{1,2}:\d{2}(\s*,\s*\d{1,2}:\d{2}-\d{1,2}:\d{2})*\s*$",
        description="Arrival windows offered each day: local `HH:MM-HH:MM`, comma-separated.",
    )
    booking_utilization: float = Field(
        default=0.75,
        gt=0,
        le=1,
        description="Share of shift time bookable on site (the rest drives).",
    )
    kind_default_values: str = Field(
        default="REPAIR=350,BROKEN_EQUIPMENT=650,MAINTENANCE=180,INSTALL=4500,ESTIMATE=0",
        description="The desk's starting value per job kind, `KIND=dollars`, comma-separated.",
    )

    @model_validator(mode="after")
    def _keyed_geocoder(self) -> Settings:
        if self.geocoder == "opencage" and not self.geocoder_key:
            raise ValueError("NEXTJOB_GEOCODER=opencage needs NEXTJOB_GEOCODER_KEY")
        return self

    @field_validator("booking_windows")
    @classmethod
    def _windows(cls, value: str) -> str:
        for part in value.split(","):
            start, _, end = (p.strip() for p in part.partition("-"))
            if parse_hhmm(end) <= parse_hhmm(start):
                raise ValueError(f"booking window {part.strip()!r} must end after it starts")
        return value

    @field_validator("kind_default_values")
    @classmethod
    def _kind_values(cls, value: str) -> str:
        for part in value.split(","):
            name, _, amount = part.partition("=")
            if name.strip().upper() not in JobKind.__members__:
                raise ValueError(f"unknown job kind {name.strip()!r} in default values")
            if not 0 <= float(amount) <= 100_000:
                raise ValueError(f"default value {part.strip()!r} must be $0-100,000")
        return value

    @field_validator("service_area_geojson")
    @classmethod
    def _is_area(cls, value: str | None) -> str | None:
        if value:
            kind = json.loads(value).get("type")
            if kind not in ("Polygon", "MultiPolygon", "Feature"):
                raise ValueError("NEXTJOB_SERVICE_AREA_GEOJSON must be a Polygon or MultiPolygon")
        return value or None

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
