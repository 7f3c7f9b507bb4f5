"""Policy comparison, held out (issue 17): the fleet plan against today's greedy policy,
the nearest-first baseline and the perfect-information oracle, on expected revenue.

The plan's one free setting (its horizon) is chosen on TUNE_SEEDS; every figure in
the report comes from HELD_OUT seeds it never saw. Every (fleet, load, seed) world is
run under each policy: the same technicians, hidden truths and call stream. Each run
is `python -m api.ops.simulator ... --json` in its own process and database, two at a
time. Figures go to policies.json (via bench/__main__) and a table to policies.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench._policies_report import markdown

FLEETS = (10, 23, 40)
LOADS = (6.0, 9.0)  # calls per tech per day: normal load and a full board
DAYS = 2
TUNE_SEEDS = (1,)
HELD_OUT = (101, 102)
BIG_FLEET_SEEDS = 1  # held-out seeds run at 40 techs (the slowest runs on this machine)
HORIZONS = (60.0, 120.0)  # minutes the plan looks ahead: the setting tuned
TUNE_FLEET = 10
POLICIES = ("revenue", "greedy", "nearest", "oracle")
PARALLEL = 2

Summary = dict[str, Any]
LOG = Path(__file__).parent / "results" / "policies_runs.jsonl"


async def simulate(
    techs: int, load: float, seed: int, policy: str, gate: asyncio.Semaphore, *extra: str
) -> Summary:
    """One run of the simulator in its own process; its JSON summary."""
    args = ["--techs", str(techs), "--days", str(DAYS), "--seed", str(seed)]
    args += ["--calls-per-tech", f"{load:g}", "--policy", policy, *extra]
    async with gate:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api.ops.simulator",
            *args,
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"simulate {' '.join(args)} failed: {err.decode()[-2000:]}")
    summary: Summary = json.loads(out)
    summary["extra"] = list(extra)
    with LOG.open("a") as log:  # each run as it finishes, so a long bench is never lost
        log.write(json.dumps(summary) + "\n")
    print(
        f"  {techs:>2} techs x{load:g} seed {seed} {policy:<8} {' '.join(extra):<18} "
        f"${summary['expected_revenue_per_day']:>9,.0f}/day expected "
        f"({summary['share_of_lp_bound']:.0%} of LP) ({summary['wall_seconds']:.0f}s)",
        flush=True,
    )
    return summary


async def tune(gate: asyncio.Semaphore) -> tuple[float, list[Summary]]:
    """The horizon with the best mean expected revenue on the tuning seeds only."""
    plan = [(load, seed, h) for load in LOADS for seed in TUNE_SEEDS for h in HORIZONS]
    runs = await asyncio.gather(
        *(
            simulate(TUNE_FLEET, load, seed, "revenue", gate, "--plan-horizon", f"{h:g}")
            for load, seed, h in plan
        )
    )

    def mean(h: float) -> float:
        chosen = [r for r in runs if r["extra"] == ["--plan-horizon", f"{h:g}"]]
        return statistics.fmean(r["expected_revenue_per_day"] for r in chosen)

    return max(HORIZONS, key=mean), runs


async def run(results_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    gate = asyncio.Semaphore(PARALLEL)
    horizon, tuning = await tune(gate)
    extra = ("--plan-horizon", f"{horizon:g}")
    plan = [
        (t, load, s, p)
        for t in FLEETS
        for load in LOADS
        for s in (HELD_OUT[:BIG_FLEET_SEEDS] if t >= 40 else HELD_OUT)
        for p in POLICIES
    ]
    runs = await asyncio.gather(
        *(
            simulate(t, load, s, p, gate, *(extra if p == "revenue" else ()))
            for t, load, s, p in plan
        )
    )
    figures: dict[str, Any] = {
        "days_per_run": DAYS,
        "tune_seeds": list(TUNE_SEEDS),
        "held_out_seeds": list(HELD_OUT),
        "horizon_chosen_min": horizon,
        "tuning_runs": tuning,
        "runs": runs,
        "parallel_runs": PARALLEL,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "machine_cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
    }
    (results_dir / "policies.md").write_text(markdown(figures))
    return figures
