"""Streams: the phone's one job.

The stream subscribes to the tech's channel *before* its first read, so a change
that lands between the read and the subscribe is never missed. Each event (or the
periodic resync) makes it re-read MongoDB; it yields only when the job or its
version moved, so duplicated or reordered events never repeat a push.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from api.core.domain import Role
from api.core.errors import Forbidden
from realtime import tech_channel
from schema.context import Info
from schema.permissions import Technician, allow
from schema.types import Job


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "The technician's current job, or null, at once and again on every change. "
            "Compare `version` to skip a payload you already show."
        ),
        extensions=allow(Technician),
    )
    async def my_job(self, info: Info) -> AsyncGenerator[Job | None, None]:
        ctx = info.context
        viewer = ctx.viewer()
        if viewer.role is not Role.TECHNICIAN:
            raise Forbidden("only technicians have a current job")
        last: tuple[str, int] | bool | None = False  # False: nothing sent yet
        async with ctx.broker.subscribe(tech_channel(viewer.subject)) as events:
            while True:
                events.drain()
                ctx.check_token()
                doc = await ctx.reader.current_job(viewer.subject)
                key = (doc["_id"], doc["version"]) if doc else None
                if key != last:
                    last = key
                    ctx.fresh_loaders()
                    yield Job.from_doc(doc) if doc else None
                await events.next(within=ctx.settings.resync_seconds)
