"""The company's own settings: one `company` document, defaulting to `NEXTJOB_*` settings.

Until a manager saves them, the name, time zone and customer-facing phone are the ones
the process was started with; afterwards the document wins, in every API process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.core.errors import InvalidInput
from api.core.events import EventType
from api.core.phones import e164
from api.core.settings import Settings
from api.core.validation import text
from api.persistence.records import update_record
from api.persistence.store import Doc, Store

COMPANY_ID = "company"


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    timezone: str
    phone: str
    version: int


async def read_company(store: Store, settings: Settings) -> Company:
    """The saved settings, or the process's defaults (version 0) before the first save."""
    doc: Doc | None = await store.db["company"].find_one({"_id": COMPANY_ID})
    doc = doc or {}
    return Company(
        name=str(doc.get("name") or settings.company_name),
        timezone=str(doc.get("timezone") or settings.timezone),
        phone=str(doc.get("phone") if doc.get("phone") is not None else settings.company_phone),
        version=int(doc.get("version", 0)),
    )


def checked_changes(
    *, name: str | None, timezone: str | None, phone: str | None, region: str
) -> Doc:
    """The fields to save, checked; `None` leaves one as it is, an empty phone clears it."""
    out: Doc = {}
    if name is not None:
        out["name"] = text(name, "name", max_len=120)
    if timezone is not None:
        out["timezone"] = time_zone(timezone)
    if phone is not None:
        out["phone"] = e164(phone, region) if phone.strip() else ""
    if not out:
        raise InvalidInput("nothing to change", "input")
    return out


def time_zone(value: str) -> str:
    """An IANA time zone name (`America/Chicago`), else BAD_USER_INPUT."""
    name = text(value, "timezone", max_len=64)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}", "timezone") from exc
    return name


async def save_company(
    store: Store,
    settings: Settings,
    *,
    changes: Doc,
    expect_version: int | None,
    now: datetime,
    actor: dict[str, str],
) -> Company:
    """Write checked changes (name, timezone, phone) in one versioned, logged write."""
    await update_record(
        store,
        "company",
        COMPANY_ID,
        changes=changes,
        now=now,
        actor=actor,
        entity="company",
        event_type=EventType.COMPANY_UPDATED,
        # Version 0 is "never saved": the document must not exist yet (a racing first
        # save makes the upsert collide on `_id`, which is a CONFLICT too).
        require=_at_version(expect_version),
        upsert=not expect_version,
        explain=lambda current: (
            f"company settings changed since they were read (now version {current['version']})"
        ),
    )
    return await read_company(store, settings)


def _at_version(version: int | None) -> Doc | None:
    if version is None:
        return None
    if version == 0:
        return {"version": {"$exists": False}}
    return {"version": version}
