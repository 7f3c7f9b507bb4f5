"""`nextjob phones`: N simulated technician phones working jobs over real WebSockets.

Each phone mints its own technician token from the configured signing secret, goes
on duty, and works every job the server pushes: start travel, drive (reporting its
position), arrive, stay on site, complete with a sale; then waits for the next.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from api.core.settings import Settings
from api.ops.phones.phone import Drive, SimulatedPhone

__all__ = ["main", "run_phones", "ws_url"]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="nextjob phones", description=__doc__)
    parser.add_argument("--count", type=int, default=3, help="how many phones")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the API's base URL")
    parser.add_argument("--tech-prefix", default="tech_", help="technician ids are PREFIX + NN")
    parser.add_argument("--first", type=int, default=1, help="number of the first technician")
    parser.add_argument("--speed-kmh", type=float, default=40.0, help="driving speed")
    parser.add_argument("--time-scale", type=float, default=60.0, help="simulated s per real s")
    parser.add_argument("--duration", type=float, default=None, help="stop after SECONDS")
    parser.add_argument("--seed", type=int, default=None, help="random seed (sales, timing)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.time_scale <= 0 or args.speed_kmh <= 0:
        parser.error("--count, --time-scale and --speed-kmh must be positive")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    # One line per event (on duty, a job, completed), not one per HTTP request.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    rng = random.Random(args.seed)
    secret = Settings().signing_secret()
    drive = Drive(speed_kmh=args.speed_kmh, time_scale=args.time_scale)
    phones = [
        SimulatedPhone(f"{args.tech_prefix}{n:02d}", ws_url(args.url), secret, drive, rng)
        for n in range(args.first, args.first + args.count)
    ]
    asyncio.run(run_phones(phones, args.duration))
    completed = sum(p.tally.completed for p in phones)
    sold = sum(p.tally.sold_total for p in phones)
    print(f"nextjob phones: {completed} jobs completed, ${sold:,.2f} sold", flush=True)
    return 0


async def run_phones(phones: Sequence[SimulatedPhone], duration: float | None = None) -> None:
    """Run every phone until `duration` passes, or SIGINT / SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(p.run(), name=p.tech_id) for p in phones]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def ws_url(url: str) -> str:
    """`http://host:port` (or ws://, with or without /graphql) -> `ws://host:port/graphql`."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    return urlunsplit(
        (scheme, parts.netloc, path if path.endswith("/graphql") else path + "/graphql", "", "")
    )
