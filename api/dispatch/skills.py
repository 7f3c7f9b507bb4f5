"""The skills catalogue: the words bookings and technicians may use for what a job needs.

A skill is retired, never deleted: old jobs and technicians keep naming it, but new
bookings and technician edits may not. An empty catalogue is filled from the demo's
skills plus whatever the technicians already have, so an existing company keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from api.core.domain import KNOWN_SKILLS
from api.core.errors import Conflict, InvalidInput
from api.core.events import EventType
from api.core.validation import skills as skill_names
from api.core.validation import text
from api.persistence.records import insert_record, update_record
from api.persistence.store import Doc, Store

COLLECTION = "skills"


_ACRONYMS = frozenset({"hvac", "it"})


def _label(name: str) -> str:
    return name.upper() if name in _ACRONYMS else name.replace("_", " ").capitalize()


async def ensure_catalogue(store: Store, now: datetime) -> None:
    """Fill an empty catalogue (idempotent; safe when several processes start at once)."""
    coll = store.db[COLLECTION]
    if await coll.count_documents({}, limit=1):
        return
    in_use = await store.technicians.distinct("skills")
    for name in sorted(KNOWN_SKILLS | {str(s) for s in in_use}):
        await coll.update_one(
            {"_id": name},
            {
                "$setOnInsert": {
                    "label": _label(name),
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            },
            upsert=True,
        )


async def list_skills(store: Store, *, include_retired: bool = False) -> list[Doc]:
    query: Doc = {} if include_retired else {"active": True}
    return await store.db[COLLECTION].find(query).sort("_id", 1).to_list(None)


async def require_known(store: Store, names: Iterable[str], field: str) -> tuple[str, ...]:
    """The checked names, each one an active catalogue skill; else BAD_USER_INPUT naming
    the unknown ones."""
    wanted = skill_names(tuple(names))
    if not wanted:
        return wanted
    found = await store.db[COLLECTION].distinct(
        "_id", {"_id": {"$in": list(wanted)}, "active": True}
    )
    unknown = sorted(set(wanted) - {str(n) for n in found})
    if unknown:
        raise InvalidInput(
            f"unknown skill(s) {', '.join(unknown)}: add them to the skills catalogue first",
            field,
        )
    return wanted


async def add_skill(
    store: Store, *, name: str, label: str | None, now: datetime, actor: dict[str, str]
) -> Doc:
    """Add a skill, or bring a retired one back."""
    (skill,) = skill_names((name,)) or ("",)
    shown = text(label, "label", max_len=60) if label else _label(skill)
    existing = await store.db[COLLECTION].find_one({"_id": skill})
    if existing is None:
        return await insert_record(
            store,
            COLLECTION,
            {"_id": skill, "label": shown, "active": True},
            now=now,
            actor=actor,
            entity="skill",
            event_type=EventType.SKILL_ADDED,
        )
    if existing.get("active"):
        raise Conflict(f"skill {skill} is already in the catalogue")
    return await update_record(
        store,
        COLLECTION,
        skill,
        changes={"active": True, "label": shown},
        require={"active": False},
        now=now,
        actor=actor,
        entity="skill",
        event_type=EventType.SKILL_RESTORED,
    )


async def retire_skill(store: Store, *, name: str, now: datetime, actor: dict[str, str]) -> Doc:
    """Stop new bookings and technician edits from naming this skill."""
    (skill,) = skill_names((name,)) or ("",)
    return await update_record(
        store,
        COLLECTION,
        skill,
        changes={"active": False},
        require={"active": True},
        now=now,
        actor=actor,
        entity="skill",
        event_type=EventType.SKILL_RETIRED,
        explain=lambda _: f"skill {skill} is already retired",
    )
