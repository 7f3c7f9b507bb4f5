"""`nextjob phones` against a real API process: simulated technicians work the bucket."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable

from api.persistence.store import Store
from tests.conftest import AUSTIN, BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ROOT, TEST_SECRET, ApiProcess


async def test_simulated_phones_complete_booked_jobs(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Two phones go on duty, drive, report locations and complete every booked job."""
    for tech in ("ph_01", "ph_02"):
        await add_tech(store, tech)
    csr = client_for("csr", "csr_1")
    for i in range(4):
        at = (AUSTIN[0] + 0.02 * i, AUSTIN[1] - 0.01 * i)
        await csr.execute(BOOK, booking_vars(at=at, phone=f"512-555-01{i:02d}"))
    env = {**os.environ, "NEXTJOB_JWT_SECRET": TEST_SECRET}
    # `--opt=value` form: api/cli.py's REMAINDER parsing reorders `--opt value` pairs.
    cmd = [sys.executable, "-m", "api.ops.cli", "phones", "--count=2", f"--url={api.base_url}"]
    cmd += ["--tech-prefix=ph_", "--time-scale=7200", "--duration=60", "--seed=7"]
    pipe = asyncio.subprocess.PIPE
    phones = await asyncio.create_subprocess_exec(*cmd, cwd=ROOT, env=env, stdout=pipe, stderr=pipe)
    try:
        # Wait for the phones to *hear* four completions (their log lines), not only for
        # the database to hold them: the summary counts answers received.
        assert phones.stderr is not None
        heard: list[bytes] = []

        async def four_completions() -> None:
            assert phones.stderr is not None
            while sum(b": completed " in line for line in heard) < 4:
                line = await phones.stderr.readline()
                assert line, b"".join(heard)  # the phones exited early
                heard.append(line)

        await asyncio.wait_for(four_completions(), 60)
        phones.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop with a summary
        out, rest = await asyncio.wait_for(phones.communicate(), 15)
        err = b"".join(heard) + rest
    finally:
        if phones.returncode is None:
            phones.kill()
            await phones.wait()
    assert phones.returncode == 0, err
    assert b"4 jobs completed" in out, out
    techs = await store.technicians.find({}).sort("_id", 1).to_list(None)
    assert [t["status"] for t in techs] == ["available", "available"]
    assert sum(t["stats"]["completed"] for t in techs) == 4
    assert all("location_at" in t for t in techs if t["stats"]["completed"])
