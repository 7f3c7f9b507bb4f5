"""The console script: tokens, and `serve` on the embedded database as `make run` uses it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api.access.tokens import verify_token
from api.core.domain import Role
from api.ops.embedded import free_port, pid_alive
from tests.servers import ROOT, TEST_SECRET


def nextjob(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.ops.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTJOB_")}
    env.pop("MONGODB_URI", None)
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def test_token_is_signed_with_the_configured_secret() -> None:
    """`nextjob token ROLE SUBJECT` prints a token that verifies with NEXTJOB_JWT_SECRET."""
    out = nextjob("token", "technician", "tech_07", env=clean_env(NEXTJOB_JWT_SECRET=TEST_SECRET))
    assert out.returncode == 0, out.stderr
    principal = verify_token(TEST_SECRET, out.stdout.strip())
    assert (principal.role, principal.subject) == (Role.TECHNICIAN, "tech_07")


def test_demo_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    """Without a configured secret, one is generated into the data folder and reused."""
    env = clean_env(NEXTJOB_DATA_DIR=str(tmp_path))
    first = nextjob("token", "dispatcher", "d", env=env)
    second = nextjob("token", "csr", "c", env=env)
    assert first.returncode == 0 and second.returncode == 0
    secret = (tmp_path / "jwt-secret").read_text().strip()
    assert len(secret) >= 32
    assert verify_token(secret, first.stdout.strip()).role is Role.DISPATCHER
    assert verify_token(secret, second.stdout.strip()).role is Role.CSR
    assert oct((tmp_path / "jwt-secret").stat().st_mode & 0o777) == "0o600"


def test_unknown_role_is_refused() -> None:
    """A role outside the list is a usage error, not a token."""
    out = nextjob("token", "king", "me", env=clean_env(NEXTJOB_JWT_SECRET=TEST_SECRET))
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.ops.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not become healthy")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, _ = proc.communicate(timeout=30)
    return out


def test_serve_runs_the_demo_on_the_embedded_database_and_keeps_its_data() -> None:
    """`serve` starts SecantusDB, seeds the demo, stops it on Ctrl-C, and finds it again."""
    data = Path(tempfile.mkdtemp(prefix="nextjob-serve-"))
    port = free_port()
    env = clean_env(
        NEXTJOB_DATA_DIR=str(data),
        NEXTJOB_PORT=str(port),
        NEXTJOB_EMBEDDED_DB_PORT=str(free_port()),
    )
    proc = _serve(env, port)
    db_pids = _children(proc.pid)
    try:
        token = nextjob("token", "dispatcher", "d", env=env).stdout.strip()
        query = "{ technicians { id skills home { lat } } jobs(first: 500) { estimatedValue } }"
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["data"]
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out
    assert "Bearer" in out and "nextjob token" in out  # it tells how to get a token
    assert len(body["technicians"]) >= 12
    assert all(t["skills"] and t["home"] for t in body["technicians"])
    values = [j["estimatedValue"] for j in body["jobs"]]
    assert len(values) >= 60
    assert 250 <= sum(values) / len(values) <= 450  # around the trade's $350 ticket
    assert db_pids, "serve started no database process"
    assert not any(pid_alive(p) for p in db_pids), "embedded database left running"

    again = _serve(env, port)
    out2 = _stop(again)
    assert "database not empty" in out2


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def test_ctrl_c_stops_serve_phones_and_database_promptly() -> None:
    """Ctrl-C to the terminal's process group stops `serve --phones 2` with exit 0 and
    nothing left running, without waiting out a fixed timeout (the time is printed)."""
    data = Path(tempfile.mkdtemp(prefix="nextjob-stop-"))
    port = free_port()
    env = clean_env(
        NEXTJOB_DATA_DIR=str(data),
        NEXTJOB_PORT=str(port),
        NEXTJOB_EMBEDDED_DB_PORT=str(free_port()),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.ops.cli", "serve", "--phones", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a terminal's foreground group, apart from this test
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        children = _descendants(proc.pid)
        assert len(children) >= 2, "serve started no database or phones"
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
        out, _ = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"serve --phones 2 stopped {took:.2f} s after Ctrl-C")
    assert proc.returncode == 0, out
    assert took < 10, f"stop took {took:.1f} s: a fixed timeout was waited out"
    assert not any(pid_alive(p) for p in children), "a child was left running"
