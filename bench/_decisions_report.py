"""The decisions benchmark's figures as a Markdown table against issue 3's targets."""

from __future__ import annotations

from typing import Any


def markdown(f: dict[str, Any]) -> str:
    t, batch = f["targets"], f["batch_200x5000"]
    by_size = {d["open_jobs"]: d for d in f["decisions"]}
    rows = [
        (
            "dispatch_tech p99, 10k open",
            by_size[10_000]["dispatch_tech"]["p99_ms"],
            t["p99_10k_ms"],
        ),
        (
            "dispatch_tech p99, 100k open",
            by_size[100_000]["dispatch_tech"]["p99_ms"],
            t["p99_100k_ms"],
        ),
        ("assign_batch 200x5000 median", batch["assign_batch_ms_median"], t["batch_200x5000_ms"]),
    ]
    lines = [
        "# Decision latency and batch assignment (issue 3)",
        "",
        f"`.venv/bin/python -m bench decisions` on {f['database']}; times in ms.",
        "",
        "| target | measured | limit | met |",
        "|---|---:|---:|---|",
        *[f"| {n} | {v:.1f} | {lim} | {'yes' if v <= lim else 'NO'} |" for n, v, lim in rows],
        "",
        "| open jobs | dispatch_tech p50 / p95 / p99 | tech read p99 | routing p99 "
        "| assign tx p99 |",
        "|---:|---|---:|---:|---:|",
    ]
    for d in f["decisions"]:
        x = d["dispatch_tech"]
        lines.append(
            f"| {d['open_jobs']:,} | {x['p50_ms']} / {x['p95_ms']} / {x['p99_ms']} "
            f"| {d['part_tech_read']['p99_ms']} | {d['part_routing']['p99_ms']} "
            f"| {d['part_assign_transaction']['p99_ms']} |"
        )
    idle = by_size[10_000]["dispatch_idle_50_techs"]
    lines += ["", f"dispatch_idle, 50 free techs over 10k open: p50 {idle['p50_ms']} ms."]
    return "\n".join(lines) + "\n"
