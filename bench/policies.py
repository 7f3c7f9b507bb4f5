"""Policy comparison (issue 3): `revenue` against the `nearest` and `fifo` baselines.

Every (fleet, seed) world is run under each policy: the same technicians, hidden
truths and call stream, so the policies differ only in how they dispatch. Each run
is `python -m api.ops.simulator ... --json` in its own process with its own database
(or on MONGODB_URI), two at a time. Figures go to policies.json (via bench/__main__)
and a table to policies.md.
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

FLEETS = (10, 40)
SEEDS = (1, 2, 3, 4, 5)
DAYS = 2
POLICIES = ("revenue", "nearest", "fifo")
PARALLEL = 2
TARGET_VS_NEAREST, TARGET_VS_FIFO = 1.15, 1.25
UTILIZATION_BAND = (0.65, 0.85)
AVERAGED = (
    "revenue_per_day",
    "revenue_per_tech_day",
    "avg_revenue_per_call",
    "jobs_booked",
    "jobs_completed",
    "jobs_unserved",
    "jobs_cancelled",
    "close_rate",
    "utilization_mean",
    "utilization_max",
    "drive_share",
    "on_time_rate",
    "learned_close_rate_corr",
    "wall_seconds",
)

Summary = dict[str, Any]


async def _simulate(techs: int, seed: int, policy: str, gate: asyncio.Semaphore) -> Summary:
    args = ["--techs", str(techs), "--days", str(DAYS), "--seed", str(seed), "--policy", policy]
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
    print(
        f"  {techs:>2} techs seed {seed} {policy:<8} ${summary['revenue_per_day']:>10,.0f}/day "
        f"unserved {summary['jobs_unserved']:>3} util {summary['utilization_mean']:.0%} "
        f"({summary['wall_seconds']:.0f}s)",
        flush=True,
    )
    return summary


def _mean(runs: list[Summary], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return round(statistics.fmean(values), 3) if values else None


def _fleet_figures(runs: list[Summary]) -> dict[str, Any]:
    by_policy = {p: [r for r in runs if r["policy"] == p] for p in POLICIES}
    means = {p: {k: _mean(rs, k) for k in AVERAGED} for p, rs in by_policy.items()}
    per_seed = {
        (r["seed"], r["policy"]): r["revenue_per_day"] for r in runs if r["revenue_per_day"]
    }

    def ratio(base: str) -> dict[str, float]:
        seeds = [s for s in SEEDS if (s, base) in per_seed and (s, "revenue") in per_seed]
        each = [per_seed[(s, "revenue")] / per_seed[(s, base)] for s in seeds]
        rev, other = means["revenue"]["revenue_per_day"], means[base]["revenue_per_day"]
        return {
            "of_means": round((rev or 0.0) / other, 3) if other else float("nan"),
            "per_seed_min": round(min(each), 3),
            "per_seed_max": round(max(each), 3),
        }

    vs_nearest, vs_fifo = ratio("nearest"), ratio("fifo")
    util = means["revenue"]["utilization_mean"] or 0.0
    low, high = UTILIZATION_BAND
    unserved_rev = means["revenue"]["jobs_unserved"] or 0.0
    unserved_near = means["nearest"]["jobs_unserved"] or 0.0
    return {
        "policies": means,
        "revenue_vs_nearest": vs_nearest,
        "revenue_vs_fifo": vs_fifo,
        "targets_met": {
            "revenue_vs_nearest_>=_1.15": vs_nearest["of_means"] >= TARGET_VS_NEAREST,
            "revenue_vs_fifo_>=_1.25": vs_fifo["of_means"] >= TARGET_VS_FIFO,
            "unserved_not_above_nearest": unserved_rev <= unserved_near,
            "utilization_mean_in_65_85": low <= util <= high,
        },
    }


def _markdown(figures: dict[str, Any]) -> str:
    lines = [
        "# Dispatch policy comparison (issue 3)",
        "",
        f"Simulated with `python -m api.ops.simulator --techs N --days {DAYS} --seed S --policy P "
        f"--json` (the same as `nextjob simulate`), seeds {', '.join(map(str, SEEDS))}; "
        f"each row is the mean over seeds; job counts are per run ({DAYS} days). All policies "
        "face the identical world and call stream per seed. "
        f"Wall time {figures['wall_seconds']:.0f} s on "
        f"{figures['machine_cpus']} CPUs.",
        "",
        "| techs | policy | revenue/day | revenue/tech/day | avg revenue/call | completed "
        "| unserved | cancelled | close rate | util. mean | util. max | drive share | on time |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for techs, fleet in figures["fleets"].items():
        for policy, m in fleet["policies"].items():
            lines.append(
                f"| {techs} | {policy} | ${m['revenue_per_day']:,.0f} "
                f"| ${m['revenue_per_tech_day']:,.0f} | ${m['avg_revenue_per_call']:,.0f} "
                f"| {m['jobs_completed']:.1f} | {m['jobs_unserved']:.1f} "
                f"| {m['jobs_cancelled']:.1f} | {m['close_rate']:.0%} "
                f"| {m['utilization_mean']:.1%} | {m['utilization_max']:.1%} "
                f"| {m['drive_share']:.1%} | {m['on_time_rate']:.1%} |"
            )
    lines += ["", "| techs | target | measured | met |", "|---:|---|---|---|"]
    for techs, fleet in figures["fleets"].items():
        near, fifo, met = (
            fleet["revenue_vs_nearest"],
            fleet["revenue_vs_fifo"],
            fleet["targets_met"],
        )
        rev, base = fleet["policies"]["revenue"], fleet["policies"]["nearest"]
        rows = [
            (
                "revenue/day >= 1.15x nearest",
                f"{near['of_means']:.3f}x (seeds {near['per_seed_min']:.2f}-"
                f"{near['per_seed_max']:.2f})",
                met["revenue_vs_nearest_>=_1.15"],
            ),
            (
                "revenue/day >= 1.25x fifo",
                f"{fifo['of_means']:.3f}x (seeds {fifo['per_seed_min']:.2f}-"
                f"{fifo['per_seed_max']:.2f})",
                met["revenue_vs_fifo_>=_1.25"],
            ),
            (
                "unserved <= nearest",
                f"{rev['jobs_unserved']:.1f} vs {base['jobs_unserved']:.1f}",
                met["unserved_not_above_nearest"],
            ),
            (
                "utilization mean in 65-85%",
                f"{rev['utilization_mean']:.1%}",
                met["utilization_mean_in_65_85"],
            ),
        ]
        lines += [f"| {techs} | {t} | {v} | {'yes' if ok else 'NO'} |" for t, v, ok in rows]
    return "\n".join(lines) + "\n"


async def run(results_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    gate = asyncio.Semaphore(PARALLEL)
    plan = [(t, s, p) for t in FLEETS for s in SEEDS for p in POLICIES]
    runs = await asyncio.gather(*(_simulate(t, s, p, gate) for t, s, p in plan))
    figures: dict[str, Any] = {
        "days_per_run": DAYS,
        "seeds": list(SEEDS),
        "parallel_runs": PARALLEL,
        "fleets": {str(t): _fleet_figures([r for r in runs if r["techs"] == t]) for t in FLEETS},
        "runs": runs,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "machine_cpus": os.cpu_count(),
    }
    (results_dir / "policies.md").write_text(_markdown(figures))
    return figures
