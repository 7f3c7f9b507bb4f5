"""The team, the skills catalogue and the company settings, for managers (and
integrations holding `team:write`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.dispatch import skills as catalogue
from api.dispatch.team import Team, TechnicianChanges
from api.persistence import company as company_settings
from api.persistence.store import Doc
from realtime import Event, board_channel
from schema.context import Context, Info
from schema.permissions import CompanyReader, SkillsReader, TeamWriter, allow
from schema.shifts import Weekday
from schema.technician import Technician


@strawberry.type(description="A skill bookings and technicians may name.")
class Skill:
    name: str = strawberry.field(description="The skill's key (`hvac`, `water_heater`).")
    label: str = strawberry.field(description="How screens show it.")
    active: bool = strawberry.field(description="False once retired: no new bookings name it.")
    version: int = strawberry.field(description="Bumped by every change.")

    @classmethod
    def from_doc(cls, d: Doc) -> Skill:
        return cls(name=d["_id"], label=d["label"], active=d["active"], version=d["version"])


@strawberry.type(description="The company's own settings.")
class Company:
    name: str = strawberry.field(description="Company name.")
    timezone: str = strawberry.field(description="IANA time zone; shifts are local times.")
    phone: str = strawberry.field(description="Customer-facing phone (E.164), or empty.")
    version: int = strawberry.field(description="0 until a manager first saves them.")

    @classmethod
    def of(cls, c: company_settings.Company) -> Company:
        return cls(name=c.name, timezone=c.timezone, phone=c.phone, version=c.version)


@strawberry.input(description="One weekday's shift, in the company's local time.")
class ShiftDayInput:
    day: Weekday = strawberry.field(description="The weekday.")
    start: str = strawberry.field(description="Start, HH:MM (24-hour).")
    end: str = strawberry.field(description="End, HH:MM; at or before start runs overnight.")


@strawberry.input(description="A point on the map.")
class PointInput:
    lat: float = strawberry.field(description="Latitude.")
    lon: float = strawberry.field(description="Longitude.")


@strawberry.input(description="A technician's record; on edits, omitted fields stay as they are.")
class TechnicianInput:
    name: str | None = strawberry.field(default=None, description="Display name.")
    phone: str | None = strawberry.field(default=None, description="Phone; empty to clear.")
    skills: list[str] | None = strawberry.field(default=None, description="Catalogue skills.")
    weekly_shift: list[ShiftDayInput] | None = strawberry.field(
        default=None, description="Working days and hours; days left out are days off."
    )
    home: PointInput | None = strawberry.field(default=None, description="Home base.")

    def changes(self) -> TechnicianChanges:
        return TechnicianChanges(
            name=self.name,
            phone=self.phone,
            skills=tuple(self.skills) if self.skills is not None else None,
            weekly_shift=(
                {d.day.value: (d.start, d.end) for d in self.weekly_shift}
                if self.weekly_shift is not None
                else None
            ),
            home=(self.home.lat, self.home.lon) if self.home else None,
        )


@strawberry.input(description="Company settings; omitted fields stay as they are.")
class CompanyInput:
    name: str | None = strawberry.field(default=None, description="Company name.")
    timezone: str | None = strawberry.field(default=None, description="IANA time zone.")
    phone: str | None = strawberry.field(default=None, description="Customer-facing phone.")


async def _announce(ctx: Context, what: str, version: int) -> None:
    """Tell the board's listeners that settings changed (screens re-read what they show)."""
    await ctx.broker.publish(board_channel(), Event(kind="board", id=what, version=version))


def _team(ctx: Context) -> Team:
    return Team(ctx.reader.store, ctx.broker, ctx.settings.default_region)


@strawberry.type
class TeamQuery:
    @strawberry.field(description="The skills catalogue, by name.", extensions=allow(SkillsReader))
    async def skills(self, info: Info, include_retired: bool = False) -> list[Skill]:
        docs = await catalogue.list_skills(
            info.context.reader.store, include_retired=include_retired
        )
        return [Skill.from_doc(d) for d in docs]

    @strawberry.field(description="The company's settings.", extensions=allow(CompanyReader))
    async def company(self, info: Info) -> Company:
        ctx = info.context
        return Company.of(await company_settings.read_company(ctx.reader.store, ctx.settings))


@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Add a technician (off duty at their home base).", extensions=allow(TeamWriter)
    )
    async def add_technician(self, info: Info, input: TechnicianInput) -> Technician:
        ctx = info.context
        actor = ctx.viewer().as_actor()
        doc = await _team(ctx).add(input.changes(), now=ctx.dispatch.clock(), actor=actor)
        return Technician.from_doc(doc)

    @strawberry.mutation(
        description="Edit a technician's record, as read at `version` (stale: CONFLICT).",
        extensions=allow(TeamWriter),
    )
    async def edit_technician(
        self,
        info: Info,
        id: strawberry.ID,
        input: TechnicianInput,
        version: Annotated[
            int | None, strawberry.argument(description="The version read; omit to force.")
        ] = None,
    ) -> Technician:
        ctx = info.context
        doc = await _team(ctx).edit(
            str(id),
            input.changes(),
            expect_version=version,
            now=ctx.dispatch.clock(),
            actor=ctx.viewer().as_actor(),
        )
        return Technician.from_doc(doc)

    @strawberry.mutation(
        description="Take a technician off the team: never on duty, never assigned.",
        extensions=allow(TeamWriter),
    )
    async def deactivate_technician(self, info: Info, id: strawberry.ID) -> Technician:
        ctx = info.context
        actor = ctx.viewer().as_actor()
        doc = await _team(ctx).deactivate(str(id), now=ctx.dispatch.clock(), actor=actor)
        return Technician.from_doc(doc)

    @strawberry.mutation(
        description="Bring a deactivated technician back (off duty).",
        extensions=allow(TeamWriter),
    )
    async def reactivate_technician(self, info: Info, id: strawberry.ID) -> Technician:
        ctx = info.context
        actor = ctx.viewer().as_actor()
        doc = await _team(ctx).reactivate(str(id), now=ctx.dispatch.clock(), actor=actor)
        return Technician.from_doc(doc)

    @strawberry.mutation(
        description="Add a skill to the catalogue (or bring a retired one back).",
        extensions=allow(TeamWriter),
    )
    async def add_skill(self, info: Info, name: str, label: str | None = None) -> Skill:
        ctx = info.context
        doc = await catalogue.add_skill(
            ctx.reader.store,
            name=name,
            label=label,
            now=ctx.dispatch.clock(),
            actor=ctx.viewer().as_actor(),
        )
        await _announce(ctx, f"skill:{doc['_id']}", doc["version"])
        return Skill.from_doc(doc)

    @strawberry.mutation(
        description="Retire a skill: new bookings and technician edits may not name it.",
        extensions=allow(TeamWriter),
    )
    async def retire_skill(self, info: Info, name: str) -> Skill:
        ctx = info.context
        doc = await catalogue.retire_skill(
            ctx.reader.store, name=name, now=ctx.dispatch.clock(), actor=ctx.viewer().as_actor()
        )
        await _announce(ctx, f"skill:{doc['_id']}", doc["version"])
        return Skill.from_doc(doc)

    @strawberry.mutation(
        description="Change the company's settings, as read at `version` (stale: CONFLICT).",
        extensions=allow(TeamWriter),
    )
    async def update_company(
        self, info: Info, input: CompanyInput, version: int | None = None
    ) -> Company:
        ctx = info.context
        changes = company_settings.checked_changes(
            name=input.name,
            timezone=input.timezone,
            phone=input.phone,
            region=ctx.settings.default_region,
        )
        saved = await company_settings.save_company(
            ctx.reader.store,
            ctx.settings,
            changes=changes,
            expect_version=version,
            now=ctx.dispatch.clock(),
            actor=ctx.viewer().as_actor(),
        )
        ctx.dispatch.zone.set(saved.timezone)  # this process's "today" follows at once
        await _announce(ctx, "company", saved.version)
        return Company.of(saved)
