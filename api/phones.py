"""Simulated phones (being built: see issue 4)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    print("nextjob phones: not available yet", file=sys.stderr)
    return 2
