"""The periodic pass that heals what lost events or crashes left, and keeps promises."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from api.core.errors import NextjobError
from api.customers.timing import CustomerTiming
from api.dispatch.assignment import request_batch
from api.dispatch.deps import Dispatch
from api.insight.lookahead import LookaheadPlanner
from api.voice.acknowledgements import sweep_unacknowledged
from api.voice.alerts import AlertBoard

log = logging.getLogger(__name__)


async def heal_forever(
    dispatch: Dispatch, board: AlertBoard, timing: CustomerTiming, planner: LookaheadPlanner
) -> None:
    """Periodic housekeeping: assign idle techs (heals anything a lost event or a crash
    left), send the customers' heads-up calls that are due, flag silent phones, and
    re-plan the look-ahead."""
    settings = dispatch.settings
    every = min(settings.resync_seconds, settings.ack_timeout_seconds / 2)
    while True:
        await asyncio.sleep(every)
        try:
            await request_batch(dispatch)
            planner.request()
            now = dispatch.clock()
            await timing.send_heads_up(now)
            await timing.send_missed_windows(now)
            await timing.review_etas(now)
            await sweep_unacknowledged(
                dispatch,
                board,
                now,
                timedelta(seconds=settings.ack_timeout_seconds),
                settings.reassign_unacknowledged,
            )
        except NextjobError as exc:
            log.warning("periodic dispatch skipped: %s", exc.message)
        except Exception:
            # The healer is what repairs lost events: it must outlive any one bad pass.
            log.exception("periodic dispatch pass failed; trying again next time")
