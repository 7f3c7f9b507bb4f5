"""`nextjob simulate`: argument parsing, the database to run on, and the printed report."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from api.core.settings import Settings
from api.dispatch import fleet_plan
from api.dispatch.deps import Policy
from api.ops.simulator.report import Summary, format_text, summarize
from api.ops.simulator.simulation import simulate
from api.ops.simulator.world import GOES_ELSEWHERE, make_world
from routing.fleet import FleetPlanner, RolloutPlanner
from routing.vrp_plan import OrToolsPlanner

# Calibrated so the revenue policy's mean billable utilization lands near the trade's 75%.
DEFAULT_CALLS_PER_TECH_DAY = 6.0
ORACLE, GREEDY = "oracle", "greedy"
ROLLOUT, ORTOOLS = "rollout", "ortools"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nextjob simulate",
        description="Discrete-event simulation of working days through the real routing "
        "and store (the embedded SecantusDB, or MONGODB_URI).",
    )
    p.add_argument("--techs", type=_positive, default=10, help="fleet size (default 10)")
    p.add_argument("--days", type=_positive, default=1, help="working days (default 1)")
    p.add_argument("--seed", type=int, default=1, help="world and call stream seed (default 1)")
    p.add_argument(
        "--policy",
        choices=[*(p.value for p in Policy), GREEDY, ORACLE],
        default=Policy.REVENUE.value,
        help="revenue (with the fleet plan, the `fleet_plan` setting), greedy (revenue "
        "without it: the product's default), "
        "nearest or fifo (the baselines), or oracle (revenue given the hidden true close "
        "rates and tickets: a bound, for evaluation only)",
    )
    p.add_argument(
        "--goes-elsewhere",
        type=float,
        default=GOES_ELSEWHERE,
        help="P(a call not reached today goes elsewhere; else it is rebooked for the next "
        f"morning); default {GOES_ELSEWHERE:g}",
    )
    p.add_argument(
        "--calls-per-tech",
        type=float,
        default=DEFAULT_CALLS_PER_TECH_DAY,
        help=f"mean calls per technician per day (default {DEFAULT_CALLS_PER_TECH_DAY:g})",
    )
    p.add_argument(
        "--planner",
        choices=[ROLLOUT, ORTOOLS],
        default=ROLLOUT,
        help="the fleet plan's solver for the revenue and oracle policies: rollout (greedy "
        "rollouts of the fleet) or ortools (a VRP by OR-Tools, the dev extra); default rollout",
    )
    p.add_argument(
        "--plan-horizon",
        type=float,
        default=None,
        help="minutes the fleet plan looks ahead (default: the planner's own)",
    )
    p.add_argument(
        "--plan-drive-cost",
        type=float,
        default=None,
        help="dollars the fleet plan charges per minute of driving (default: the planner's)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


async def run(args: argparse.Namespace, settings: Settings, uri: str) -> Summary:
    world = make_world(
        seed=args.seed,
        techs=args.techs,
        days=args.days,
        calls_per_tech_day=args.calls_per_tech,
        timezone=settings.timezone,
    )
    db_name = f"nextjob_sim_{uuid.uuid4().hex[:12]}"
    oracle = args.policy == ORACLE
    policy = Policy.REVENUE if args.policy in (ORACLE, GREEDY) else Policy(args.policy)
    # The simulator measures the plan whatever the company's setting: on for the
    # revenue policy (and the oracle), off for greedy, the policy it is compared with.
    if args.policy == GREEDY:
        fleet_plan.PLANNER.set(None)
    else:
        fleet_plan.PLANNER.set(_planner(args.planner, args.plan_horizon, args.plan_drive_cost))
    result = await simulate(
        uri, db_name, settings, world, policy, oracle=oracle, goes_elsewhere=args.goes_elsewhere
    )
    return summarize(result, label=args.policy)


def _planner(kind: str, horizon: float | None, drive_cost: float | None) -> FleetPlanner:
    default = RolloutPlanner()
    costs = (
        default.costs if drive_cost is None else replace(default.costs, drive_per_min=drive_cost)
    )
    if kind == ORTOOLS:
        return OrToolsPlanner(horizon_min=horizon or default.horizon_min, costs=costs)
    return RolloutPlanner(horizon_min=horizon or default.horizon_min, costs=costs)


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(list(argv))
    if args.calls_per_tech <= 0:
        parser().error("--calls-per-tech must be positive")
    if not 0.0 <= args.goes_elsewhere <= 1.0:
        parser().error("--goes-elsewhere must be in [0, 1]")
    settings = Settings()
    if settings.mongodb_uri:
        summary = asyncio.run(run(args, settings, settings.mongodb_uri))
    else:
        from api.ops.embedded import EmbeddedDatabaseError, free_port, running

        try:
            with (
                tempfile.TemporaryDirectory(prefix="nextjob-sim-") as tmp,
                running(Path(tmp) / "db", free_port()) as db,
            ):
                summary = asyncio.run(run(args, settings, db.uri))
        except EmbeddedDatabaseError as exc:
            print(f"nextjob simulate: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(summary) if args.json else format_text(summary), flush=True)
    return 0
