"""`python -m api.ops.simulator ...`: the same as `nextjob simulate ...`."""

import sys

from api.ops.simulator import main

raise SystemExit(main(sys.argv[1:]))
