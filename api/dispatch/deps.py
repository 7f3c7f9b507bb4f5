"""What every dispatch action needs, built once in the app's lifespan and passed in.

Actions are plain functions taking a `Dispatch` first (zulip's `zerver/actions/`,
saleor's `order/actions.py`): validate, write one transaction with its event, then
announce with `publish_job` / `publish_tech` so the right channels look again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from api.core.clock import Clock, utcnow
from api.core.domain import Role
from api.core.errors import Forbidden
from api.core.principal import Principal
from api.core.settings import Settings
from api.customers.notifications import Notifier
from api.customers.timing import CustomerTiming
from api.dispatch.coalesce import Coalescer
from api.dispatch.company_zone import CompanyZone
from api.dispatch.open_jobs import OpenJobIndex
from api.dispatch.positions import PositionPath
from api.dispatch.settled import settle_alerts
from api.dispatch.tech_cache import TechCache
from api.persistence.store import Doc, Store
from realtime import Broker, Event, board_channel, tech_channel
from realtime.positions import Positions


class Policy(StrEnum):
    """How the next job is chosen: `revenue` is the product; the others are the
    hand-dispatch baselines the simulator measures it against."""

    REVENUE = "revenue"
    NEAREST = "nearest"
    FIFO = "fifo"


def _uncounted(decided_by: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Dispatch:
    """The dispatch actions' dependencies. `customer_timing` and `notifier` tell
    customers what happens (None where nobody is told: the simulator, benchmarks);
    `on_assignment` counts assignment decisions by who decided (metrics); `lock`
    serialises this process's automatic decisions (not their writes); `flagged` is
    what this process last found unassignable (job id -> reason code, see `stuck`);
    `batches` runs the full-fleet batch in the background once `start`ed."""

    store: Store
    broker: Broker
    settings: Settings
    open_jobs: OpenJobIndex
    techs: TechCache
    positions: PositionPath
    clock: Clock = utcnow
    policy: Policy = Policy.REVENUE
    customer_timing: CustomerTiming | None = None
    notifier: Notifier | None = None
    on_assignment: Callable[[str], None] = _uncounted
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    flagged: dict[str, str] = field(default_factory=dict)
    batches: Coalescer = field(default_factory=Coalescer)
    zone: CompanyZone = field(init=False)  # the company's time zone, as saved

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", CompanyZone(self.store, self.settings))

    @classmethod
    def build(
        cls,
        store: Store,
        broker: Broker,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        policy: Policy = Policy.REVENUE,
        customer_timing: CustomerTiming | None = None,
        notifier: Notifier | None = None,
        on_assignment: Callable[[str], None] = _uncounted,
    ) -> Dispatch:
        """The dependencies with a fresh open-job index and technician cache (`start`
        them in a lifespan; without, they read on demand)."""
        techs = TechCache(store, broker, settings.resync_seconds)
        return cls(
            store=store,
            broker=broker,
            settings=settings,
            open_jobs=OpenJobIndex(store, broker, clock, settings.resync_seconds),
            techs=techs,
            positions=PositionPath(
                store,
                broker,
                Positions(settings.redis_url, settings.db_name),
                lambda tech_id: int((techs.get(tech_id) or {}).get("version", 0)),
                settings.board_position_interval,
            ),
            clock=clock,
            policy=policy,
            customer_timing=customer_timing,
            notifier=notifier,
            on_assignment=on_assignment,
        )

    async def start(self) -> None:
        """Follow the broker (open jobs, technicians) and batch in the background."""
        await self.open_jobs.start()
        await self.techs.start()
        self.positions.start()
        self.batches.start()

    async def stop(self) -> None:
        await self.batches.stop()
        await self.positions.stop()
        await self.techs.stop()
        await self.open_jobs.stop()


def acting_tech(actor: Principal) -> str:
    """The technician acting for themselves, or FORBIDDEN for anybody else."""
    if actor.role is not Role.TECHNICIAN:
        raise Forbidden("only a technician can do this, for themselves")
    return actor.subject


async def tell_customer(
    d: Dispatch, job: Doc, kind: str, text: str | None = None, *, eta: datetime | None = None
) -> None:
    """Notify the job's customer (where customers are told: not in the simulator). Known
    kinds take their words, in the company's time, from `api.customers.wording`."""
    if d.notifier is not None:
        await d.notifier.notify(job, kind, text, eta=eta)


async def publish_job(d: Dispatch, job: Doc) -> None:
    """Tell the job's technician and the board to look again."""
    # Every job write ends here, so this process's index never waits for the broker.
    d.open_jobs.apply(job)
    event = Event(kind="job", id=job["_id"], version=job["version"])
    if job.get("tech_id"):
        await d.broker.publish(tech_channel(job["tech_id"]), event)
    await d.broker.publish(board_channel(), event)
    # The job's new facts may settle alerts about it (completed: "not acknowledged"...).
    await settle_alerts(d.store, d.broker, d.clock, job)


async def publish_tech(d: Dispatch, tech: Doc) -> None:
    """Tell the technician's phone and the board to look again."""
    d.techs.apply(tech)
    event = Event(kind="technician", id=tech["_id"], version=tech["version"])
    await d.broker.publish(tech_channel(tech["_id"]), event)
    await d.broker.publish(board_channel(), event)
