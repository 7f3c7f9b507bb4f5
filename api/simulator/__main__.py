"""`python -m api.simulator ...`: the same as `nextjob simulate ...`."""

import sys

from api.simulator import main

raise SystemExit(main(sys.argv[1:]))
