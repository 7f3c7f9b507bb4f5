"""`nextjob`: serve, seed, token, token-revoke, apikey, create-manager, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType

from api.access.apikeys import parse_scopes
from api.access.tokens import issue_token
from api.core.domain import Role
from api.core.settings import Settings
from api.ops.accounts_cli import add_accounts_parser, run_create_manager
from api.ops.apikey_cli import add_apikey_parser, run_apikey
from api.ops.banner import print_banner, print_people
from api.ops.token_cli import add_token_revoke_parser, run_token_revoke


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nextjob", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (starts the embedded DB unless MONGODB_URI)")
    serve.add_argument("--no-seed", action="store_true", help="do not seed an empty database")
    serve.add_argument(
        "--phones", type=int, default=0, help="also run N simulated demo phones (tech_01...)"
    )
    sub.add_parser("seed", help="seed the demo company into an empty database")
    token = sub.add_parser("token", help="print a bearer token")
    token.add_argument("role", choices=[r.value for r in Role])
    token.add_argument("subject", help="technician id for technicians; any login otherwise")
    token.add_argument("--hours", type=float, default=None, help="lifetime (default: settings)")
    token.add_argument("--scopes", default="", help="integration scopes, comma-separated")
    add_token_revoke_parser(sub)
    add_apikey_parser(sub)
    add_accounts_parser(sub)
    for name, help_text in (
        ("simulate", "simulate working days through the real routing and store (--help)"),
        ("phones", "run N simulated technician phones against a server (--help)"),
    ):
        delegated = sub.add_parser(name, help=help_text, add_help=False)
        delegated.add_argument("rest", nargs=argparse.REMAINDER)
    export = sub.add_parser("export-schema", help="print (or write) the GraphQL SDL")
    export.add_argument("--output", type=Path, default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("simulate", "phones"):
        # Each tool owns its options; imported lazily to keep `serve` start-up lean.
        if argv[0] == "simulate":
            from api.ops.simulator import main as tool_main
        else:
            from api.ops.phones import main as tool_main
        return tool_main(argv[1:])
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "token":
        hours = args.hours if args.hours is not None else settings.token_ttl_hours
        secret = settings.signing_secret()
        scopes = parse_scopes(args.scopes)
        jti = uuid.uuid4().hex
        ttl = timedelta(hours=hours)
        print(issue_token(secret, Role(args.role), args.subject, ttl, scopes, token_id=jti))
        print(f"token id (jti, for `nextjob token-revoke`): {jti}", file=sys.stderr)
        return 0
    if args.command == "token-revoke":
        return _with_database(
            settings, lambda uri: asyncio.run(run_token_revoke(settings, uri, args))
        )
    if args.command == "export-schema":
        from schema import build_schema

        sdl = build_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(sdl)
        else:
            sys.stdout.write(sdl)
        return 0
    if args.command == "apikey":
        return _with_database(settings, lambda uri: asyncio.run(run_apikey(settings, uri, args)))
    if args.command == "create-manager":
        return _with_database(
            settings, lambda uri: asyncio.run(run_create_manager(settings, uri, args))
        )
    if args.command == "seed":
        return _with_database(settings, lambda uri: asyncio.run(_seed(settings, uri, verbose=True)))
    return _with_database(
        settings, lambda uri: _serve(settings, uri, seed=not args.no_seed, phones=args.phones)
    )


def _with_database(settings: Settings, runner: Callable[[str], int]) -> int:
    from api.ops.embedded import EmbeddedDatabaseError, running

    if settings.mongodb_uri:
        try:
            return runner(settings.mongodb_uri)
        finally:
            _reap_stopping()
    data = settings.data_dir.resolve()
    print(
        f"nextjob: starting embedded SecantusDB in {data / 'db'} "
        f"on port {settings.embedded_db_port}"
    )
    try:
        with running(data / "db", settings.embedded_db_port, log=data / "secantusd.log") as db:
            return runner(db.uri)
    except EmbeddedDatabaseError as exc:
        print(f"nextjob: {exc}", file=sys.stderr)
        return 1
    finally:
        _reap_stopping()


# Children told to stop but not yet waited for: they stop while the database does.
_stopping: list[subprocess.Popen[bytes]] = []


def _reap_stopping(timeout: float = 5.0) -> None:
    for child in _stopping:
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    _stopping.clear()


async def _seed(settings: Settings, uri: str, *, verbose: bool) -> int:
    from api.ops.accounts_cli import seed_demo_accounts
    from api.ops.seed import seed_demo
    from api.persistence.store import Store

    store = Store(uri, settings.db_name)
    try:
        await store.ensure_indexes()
        seeded = await seed_demo(store, settings.timezone)
        people = await seed_demo_accounts(store)
    finally:
        await store.close()
    if verbose:
        print(
            "nextjob: demo company seeded" if seeded else "nextjob: database not empty; left as is"
        )
        print_people(people)
    return 0


def _serve(settings: Settings, uri: str, *, seed: bool, phones: int = 0) -> int:

    if seed and settings.seed_demo:
        asyncio.run(_seed(settings, uri, verbose=True))
        print_banner(settings)  # the demo's tokens; never printed outside the demo
    demo = _start_phones(settings, phones) if phones > 0 else None
    try:
        _run_uvicorn(settings, uri)
    finally:
        if demo is not None:
            demo.terminate()  # waited for after the database's stop, which runs meanwhile
            _stopping.append(demo)
    return 0


def _start_phones(settings: Settings, count: int) -> subprocess.Popen[bytes]:
    """Simulated phones beside the server, so the demo's board is alive."""
    from api.ops.embedded import die_with_parent

    url = f"http://{settings.host}:{settings.port}"
    print(f"nextjob: {count} simulated phones (tech_01...) will work the demo day", flush=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.ops.cli",
            "phones",
            f"--count={count}",
            f"--url={url}",
            "--tech-prefix=tech_",
            "--first=1",
            "--time-scale=30",
        ],
        preexec_fn=die_with_parent,
        # Its own session: Ctrl-C reaches `serve` only; phones are stopped after the API
        # has closed their sockets (1012, "reconnect"), not killed mid-request by it.
        start_new_session=True,
    )


def _run_uvicorn(settings: Settings, uri: str) -> None:
    import uvicorn

    from api.ops.http_limits import header_limited
    from api.ops.logging import log_config, wants_json
    from api.transport.app import create_app

    # uvicorn drains on SIGTERM, then re-raises it to whatever handler was here before:
    # this one makes a drained shutdown exit 0, as process managers expect.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        create_app(settings, uri),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=log_config(json_lines=wants_json(settings.log_format)),
        # SIGTERM / SIGINT: stop accepting, close WebSockets with 1012 (phones
        # reconnect elsewhere), let in-flight requests finish for up to this long (a
        # cap, not a wait: an idle server stops at once).
        timeout_graceful_shutdown=5,
        # Headers over the limit answer 431 while they arrive, before they are buffered.
        http=header_limited(settings.max_header_bytes),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        ws="websockets-sansio",
        # A phone's messages are tiny; a larger message is refused (close 1009).
        ws_max_size=settings.max_ws_message_bytes,
        # Compression costs ~50 KiB per idle phone and saves little on tiny payloads.
        ws_per_message_deflate=False,
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    raise SystemExit(main())
