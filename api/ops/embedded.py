"""The embedded database: SecantusDB run as a child process, never imported.

SecantusDB is GPL-licensed; running it as a separate program keeps it an aggregate.
The child is asked to die with its parent (Linux PR_SET_PDEATHSIG), so even a killed
`nextjob serve` leaves no orphan database behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from api.persistence.probe import answers_ping


class EmbeddedDatabaseError(RuntimeError):
    pass


def die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def secantusd_path() -> str:
    local = Path(sys.executable).parent / "secantusd-py"
    if local.exists():
        return str(local)
    found = shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedDatabaseError(
            "secantusd-py not found: install the embedded database with "
            "`pip install 'SecantusDB==0.7.0b3'` (make run does), or set MONGODB_URI"
        )
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uri_for(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


class EmbeddedDatabase:
    """A running SecantusDB; use as a context manager or call `stop()`."""

    def __init__(
        self,
        storage: Path | str,
        port: int,
        *,
        test_commands: bool = False,
        log: Path | None = None,
    ) -> None:
        self.port = port
        self.uri = uri_for(port)
        if isinstance(storage, Path):
            storage.mkdir(parents=True, exist_ok=True)
        cmd = [secantusd_path(), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--storage-path", str(storage), "--log-level", "WARNING"]
        if test_commands:
            cmd.append("--enable-test-commands")
        self._log = open(log, "ab") if log else None  # noqa: SIM115 - closed in stop()
        out = self._log if self._log is not None else subprocess.DEVNULL
        # Its own session: a terminal's Ctrl-C reaches `serve` only, which stops this
        # after the API has drained (no write is cut off mid-request).
        self.process = subprocess.Popen(
            cmd, stdout=out, stderr=out, preexec_fn=die_with_parent, start_new_session=True
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedDatabaseError(
                    f"secantusd-py exited with code {self.process.returncode} "
                    f"(is port {self.port} already in use?)"
                )
            if answers_ping(self.uri, timeout_ms=500):
                return
            time.sleep(0.1)
        raise EmbeddedDatabaseError(f"secantusd-py did not answer within {timeout:.0f}s")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (it closes its storage cleanly), then wait; SIGKILL after `timeout`.
        SecantusDB takes ~2.2 s here: its stop joins its accept thread for up to 2 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                print(
                    f"nextjob: the database did not stop in {timeout:.0f} s; killed",
                    file=sys.stderr,
                )
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> EmbeddedDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(
    storage: Path | str, port: int, *, test_commands: bool = False, log: Path | None = None
) -> Iterator[EmbeddedDatabase]:
    db = EmbeddedDatabase(storage, port, test_commands=test_commands, log=log)
    try:
        db.wait_ready()
        yield db
    finally:
        db.stop()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
