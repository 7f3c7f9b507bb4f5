"""policies.md from the held-out runs of bench/policies.py: the table and the targets."""

from __future__ import annotations

import statistics
from typing import Any

Summary = dict[str, Any]
FULL_BOARD = 9.0
COLUMNS = (
    ("expected_revenue_per_day", "expected $/day", "${:,.0f}"),
    ("revenue_per_day", "realised $/day", "${:,.0f}"),
    ("share_of_lp_bound", "of LP bound", "{:.1%}"),
    ("jobs_completed", "completed", "{:.1f}"),
    ("jobs_unserved", "unserved", "{:.1f}"),
    ("emergencies_unserved", "emergencies unserved", "{:.1f}"),
    ("utilization_mean", "util. mean", "{:.1%}"),
    ("utilization_max", "util. max", "{:.1%}"),
    ("drive_share_of_paid", "drive / paid", "{:.1%}"),
    ("on_time_rate", "on time", "{:.1%}"),
)


def _mean(runs: list[Summary], key: str) -> float:
    return statistics.fmean(float(r[key]) for r in runs) if runs else float("nan")


def _groups(runs: list[Summary]) -> dict[tuple[int, float], dict[str, list[Summary]]]:
    out: dict[tuple[int, float], dict[str, list[Summary]]] = {}
    for r in runs:
        key = (int(r["techs"]), float(r["calls_per_tech_day"]))
        out.setdefault(key, {}).setdefault(r["policy"], []).append(r)
    return out


def _ratios(ours: list[Summary], base: list[Summary]) -> tuple[float, float]:
    """Ratio of mean expected revenue, and the lowest per-seed ratio."""
    by_seed = {r["seed"]: r["expected_revenue_per_day"] for r in base}
    each = [
        r["expected_revenue_per_day"] / by_seed[r["seed"]] for r in ours if r["seed"] in by_seed
    ]
    key = "expected_revenue_per_day"
    return _mean(ours, key) / _mean(base, key), min(each) if each else float("nan")


def _targets(techs: int, load: float, by: dict[str, list[Summary]]) -> list[tuple[str, str, bool]]:
    rev = by.get("revenue", [])
    near, near_min = _ratios(rev, by.get("nearest", []))
    rows: list[tuple[str, str, bool]] = []
    if load >= FULL_BOARD:
        share = _mean(rev, "share_of_lp_bound")
        urgent = max((r["emergencies_unserved"] for r in rev), default=0)
        drive = max((r["drive_share_of_paid"] for r in rev), default=0.0)
        rows += [
            (">= 1.25x nearest", f"{near:.3f}x", near >= 1.25),
            (">= 90% of LP bound", f"{share:.1%}", share >= 0.90),
            ("no emergency unserved", f"{urgent} at most per run", urgent == 0),
            ("drive <= 1/3 of paid time", f"{drive:.1%} at most", drive <= 1 / 3),
        ]
    else:
        oracle, _ = _ratios(rev, by.get("oracle", []))
        rows += [
            (">= 1.06x nearest", f"{near:.3f}x", near >= 1.06),
            ("never below nearest on a seed", f"lowest seed {near_min:.3f}x", near_min >= 1.0),
            ("within 2% of oracle", f"{oracle:.3f}x oracle", oracle >= 0.98),
        ]
    util, top = _mean(rev, "utilization_mean"), max((r["utilization_max"] for r in rev), default=0)
    rows += [
        ("utilization mean 65-85%", f"{util:.1%}", 0.65 <= util <= 0.85),
        ("no tech above 95%", f"max {top:.1%}", top <= 0.95),
    ]
    return rows


def markdown(figures: dict[str, Any]) -> str:
    """The held-out figures as a table per fleet and load, then each target met or missed."""
    held = ", ".join(map(str, figures["held_out_seeds"]))
    lines = [
        "# Dispatch policy comparison, held out (issue 17)",
        "",
        f"Each run: `python -m api.ops.simulator --techs N --calls-per-tech L --days "
        f"{figures['days_per_run']} --seed S --policy P --json`. The fleet plan's horizon "
        f"({figures['horizon_chosen_min']:g} min) was chosen on seed(s) "
        f"{', '.join(map(str, figures['tune_seeds']))}; every figure below is from held-out "
        f"seeds {held}, means over seeds. Policies: `revenue` = the fleet plan (the product), "
        "`greedy` = yesterday's revenue policy without it, `nearest` = nearest-first, "
        "`oracle` = greedy given the hidden true close rates and tickets. Expected revenue "
        "values each completed visit at its true expected sale plus any service agreement "
        "kept (no dice). "
        f"Wall time {figures['wall_seconds']:.0f} s, {figures['parallel_runs']} runs at a time "
        f"on {figures['machine_cpus']} shared CPUs (load average at the end "
        f"{figures['load_average_at_end'][0]:.1f}).",
        "",
        "| techs | calls/tech/day | policy | " + " | ".join(c[1] for c in COLUMNS) + " |",
        "|---:|---:|---|" + "---:|" * len(COLUMNS),
    ]
    groups = _groups(figures["runs"])
    for (techs, load), by in sorted(groups.items()):
        for policy, runs in by.items():
            cells = [fmt.format(_mean(runs, key)) for key, _, fmt in COLUMNS]
            lines.append(f"| {techs} | {load:g} | {policy} | " + " | ".join(cells) + " |")
    lines += ["", "| techs | calls/tech/day | target | measured | met |", "|---:|---:|---|---|---|"]
    for (techs, load), by in sorted(groups.items()):
        for target, measured, ok in _targets(techs, load, by):
            lines.append(
                f"| {techs} | {load:g} | {target} | {measured} | {'met' if ok else 'MISSED'} |"
            )
    return "\n".join(lines) + "\n"
