"""Day simulator (being built: see issue 3)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    print("nextjob simulate: not available yet", file=sys.stderr)
    return 2
