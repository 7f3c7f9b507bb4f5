"""Real servers for tests: SecantusDB, redis-server and API processes, on free ports."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from api.ops.embedded import EmbeddedDatabase, free_port

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40
TEST_METRICS_TOKEN = "metrics-" + "y" * 24


class RedisServer:
    """A throwaway redis-server we can kill and restart on the same port."""

    def __init__(self, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: `apt-get install redis-server` "
                "(Debian/Ubuntu) or `brew install redis`, or set REDIS_URL"
            )
        self.binary = binary
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: _redis_ping(self.port), "redis-server", self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _redis_ping(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


async def release_and_drop(
    client: AsyncMongoClient[Any], db_name: str, *, abort_sessions: bool = True
) -> None:
    """Drop a test's database, bounded. A SIGKILLed API can leave its transaction open on
    the server (mongod and SecantusDB keep it until its lifetime limit, 60 s), and a drop
    under it wedges SecantusDB for every later test; so every session is aborted first
    when the server is this test process's own (`abort_sessions`: it aborts every
    client's sessions). A shared mongod is not wedged: its drop waits out the lifetime."""
    if abort_sessions:
        await asyncio.wait_for(client.admin.command("killAllSessions", []), timeout=30)
    await asyncio.wait_for(client.drop_database(db_name), timeout=90)


def start_secantus(port: int | None = None) -> tuple[EmbeddedDatabase, str]:
    storage = tempfile.mkdtemp(prefix="nextjob-test-db-")
    db = EmbeddedDatabase(Path(storage), port or free_port(), test_commands=True)
    db.wait_ready()
    return db, storage


class ApiProcess:
    """`nextjob serve` as its own OS process, as in production."""

    def __init__(
        self,
        mongo_uri: str,
        db_name: str,
        redis_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTJOB_")}
        env.pop("REDIS_URL", None)
        env.update(
            MONGODB_URI=mongo_uri,
            NEXTJOB_DB_NAME=db_name,
            NEXTJOB_PORT=str(self.port),
            NEXTJOB_JWT_SECRET=TEST_SECRET,
            NEXTJOB_METRICS_TOKEN=TEST_METRICS_TOKEN,
            NEXTJOB_SEED_DEMO="false",
            NEXTJOB_RESYNC_SECONDS="2",
            NEXTJOB_DATA_DIR=tempfile.mkdtemp(prefix="nextjob-test-data-"),
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra_env or {})
        self.log_path = Path(tempfile.mkstemp(prefix="nextjob-api-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.ops.cli", "serve", "--no-seed"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(self._healthy, f"API on port {self.port} (log: {self.log_path})", self.process)
        except BaseException:
            self.stop()
            raise

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.base_url + "/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait(ready: object, what: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    assert callable(ready)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready in {timeout}s")
