"""`make bench`: run every benchmark module and write its figures to bench/results/.

Each module in bench/ that defines `async def run(results_dir: Path) -> dict` is run in
turn; its figures go to `bench/results/<module>.json` with the machine and command.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, object]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["day"] and len(argv) > 1:
        from bench import day  # its own options: --scale, --minutes, --processes

        return day.main(argv[1:])
    only = set(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    for name in names:
        if name.startswith("_") or (only and name not in only):
            continue
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if run is None:
            continue
        print(f"bench: {name} ...", flush=True)
        started = time.time()
        figures = asyncio.run(run(RESULTS))
        report = {
            "benchmark": name,
            "command": f"make bench  (or: .venv/bin/python -m bench {name})",
            "machine": machine(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(time.time() - started, 1),
            "figures": figures,
        }
        out = RESULTS / f"{name}.json"
        out.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"bench: {name} -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
