"""Day simulator (issue 3): working days through the real routing module and store.

`nextjob simulate --techs 10 --days 1 --seed 1 --policy revenue [--json]`; see `cli`.
The modules: `world` (hidden truths and the call stream), `engine` (the event queue
on a virtual clock), `simulation` (drives the dispatch service), `report` (KPIs).
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    """Entry point of `nextjob simulate ...` (called with the remaining arguments)."""
    from api.ops.simulator.cli import main as cli_main

    return cli_main(argv)
