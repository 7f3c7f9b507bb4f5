"""The team: a manager adds, edits, deactivates and reactivates technicians.

Each change is one versioned write logged in `events` (see `persistence.records`),
then announced on the board and the tech's own channel so screens and the phone look
again. A deactivated technician (status INACTIVE) cannot go on duty and routing never
sees them: every assignment moves a tech from AVAILABLE.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from api.core.domain import TechStatus
from api.core.errors import InvalidInput
from api.core.events import EventType
from api.core.phones import e164
from api.core.validation import coordinates, identifier, text
from api.dispatch.shifts import typical_shift, weekly_pattern
from api.dispatch.skills import require_known
from api.persistence.documents import geo_point
from api.persistence.records import insert_record, update_record
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel, tech_channel

_DEACTIVATABLE = (TechStatus.OFF_DUTY, TechStatus.AVAILABLE, TechStatus.ON_BREAK)


@dataclass(frozen=True, slots=True)
class TechnicianChanges:
    """What a manager sets; `None` leaves a field as it is (all are needed to add)."""

    name: str | None = None
    phone: str | None = None
    skills: tuple[str, ...] | None = None
    weekly_shift: Mapping[str, tuple[str, str]] | None = None
    home: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Team:
    """The team's dependencies: the store, the broker, the phone region."""

    store: Store
    broker: Broker
    region: str

    async def _checked(self, c: TechnicianChanges) -> Doc:
        out: Doc = {}
        if c.name is not None:
            out["name"] = text(c.name, "name", max_len=120)
        if c.phone is not None:
            out["phone"] = e164(c.phone, self.region) if c.phone.strip() else None
        if c.skills is not None:
            out["skills"] = list(await require_known(self.store, c.skills, "skills"))
        if c.weekly_shift is not None:
            pattern = weekly_pattern(c.weekly_shift)
            out["weekly_shift"] = pattern
            out["shift"] = typical_shift(pattern)
        if c.home is not None:
            lat, lon = coordinates(*c.home)
            out["home"] = geo_point(lat, lon)
        return out

    async def add(self, c: TechnicianChanges, *, now: datetime, actor: dict[str, str]) -> Doc:
        """A new technician, off duty at their home base."""
        if c.name is None or c.home is None:
            raise InvalidInput("a technician needs a name and a home base", "input")
        fields = await self._checked(
            TechnicianChanges(
                name=c.name,
                phone=c.phone or "",
                skills=c.skills or (),
                weekly_shift=c.weekly_shift or {},
                home=c.home,
            )
        )
        doc: Doc = {
            "_id": "tech_" + secrets.token_hex(6),
            **fields,
            "location": fields["home"],
            "status": TechStatus.OFF_DUTY.value,
            "stats": {"completed": 0, "sales": 0, "sold_total": 0.0},
        }
        tech = await insert_record(
            self.store,
            "technicians",
            doc,
            now=now,
            actor=actor,
            entity="technician",
            event_type=EventType.TECH_ADDED,
        )
        await self._announce(tech)
        return tech

    async def edit(
        self,
        tech_id: str,
        c: TechnicianChanges,
        *,
        expect_version: int | None,
        now: datetime,
        actor: dict[str, str],
    ) -> Doc:
        """Change what a technician's record says (not their status)."""
        identifier(tech_id, "technicianId")
        changes = await self._checked(c)
        if not changes:
            raise InvalidInput("nothing to change", "input")
        tech = await update_record(
            self.store,
            "technicians",
            tech_id,
            changes=changes,
            expect_version=expect_version,
            now=now,
            actor=actor,
            entity="technician",
            event_type=EventType.TECH_EDITED,
        )
        await self._announce(tech)
        return tech

    async def deactivate(self, tech_id: str, *, now: datetime, actor: dict[str, str]) -> Doc:
        """Take a technician off the team; one with an active job must hand it back first."""
        identifier(tech_id, "technicianId")
        tech = await update_record(
            self.store,
            "technicians",
            tech_id,
            changes={"status": TechStatus.INACTIVE.value, "deactivated_at": now},
            unset=("shift_ends_at", "on_duty_since"),
            require={"status": {"$in": [s.value for s in _DEACTIVATABLE]}},
            now=now,
            actor=actor,
            entity="technician",
            event_type=EventType.TECH_DEACTIVATED,
            explain=_why_not_deactivated,
        )
        await self._announce(tech)
        return tech

    async def reactivate(self, tech_id: str, *, now: datetime, actor: dict[str, str]) -> Doc:
        """Bring a deactivated technician back, off duty."""
        identifier(tech_id, "technicianId")
        tech = await update_record(
            self.store,
            "technicians",
            tech_id,
            changes={"status": TechStatus.OFF_DUTY.value},
            unset=("deactivated_at",),
            require={"status": TechStatus.INACTIVE.value},
            now=now,
            actor=actor,
            entity="technician",
            event_type=EventType.TECH_REACTIVATED,
            explain=lambda cur: f"technician {tech_id} is {cur['status']}, not deactivated",
        )
        await self._announce(tech)
        return tech

    async def _announce(self, tech: Doc) -> None:
        event = Event(kind="technician", id=tech["_id"], version=tech["version"])
        await self.broker.publish(tech_channel(tech["_id"]), event)
        await self.broker.publish(board_channel(), event)


def _why_not_deactivated(current: Doc) -> str:
    if current["status"] == TechStatus.INACTIVE.value:
        return f"technician {current['_id']} is already deactivated"
    return (
        f"technician {current['_id']} is {current['status']} with job "
        f"{current.get('current_job_id')}; unassign or finish it first"
    )
