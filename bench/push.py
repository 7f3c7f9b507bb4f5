"""Push latency and memory per idle phone, with 100 / 1,000 / 2,000 phones connected.

The phones run in a separate OS process (the machine has few cores; the server should
not share its event loop with them), each a real graphql-transport-ws connection
running `MyJob`. A dispatcher's `assignJob` goes to process A over HTTP; we time:

- `mutation_ms`: the mutation's HTTP round trip (it returns after the commit);
- `push_ms`: from the mutation's response to the phone receiving the job (negative
  when the push overtakes the response: the event is published before it is sent);
- `end_to_end_ms`: from sending the mutation to the phone receiving the job (an upper
  bound of commit-to-phone).

Memory: the API process's RSS (VmRSS in /proc/PID/status) with the phones connected
and idle, minus its RSS before they connected, divided by the phone count.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import resource
import shutil
import statistics
import time
import uuid
from datetime import timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx

from api.access.tokens import issue_token
from api.core.domain import Role
from api.ops.phones.wire import GraphQLSocket
from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.servers import TEST_SECRET, ApiProcess, RedisServer, start_secantus

PHONES = (100, 1_000, 2_000)
SAMPLES = 100
# The phones' techs lack the jobs' skill on purpose (routing must leave the jobs to the
# dispatcher), so the dispatcher's assignment is an explicit skills override.
ASSIGN = """mutation($j: ID!, $t: ID!) {
  assignJob(jobId: $j, technicianId: $t, overrideSkills: true) { id version } }"""


async def run(results_dir: Path) -> dict[str, Any]:
    _raise_fd_limit()
    db, storage = start_secantus()
    redis = RedisServer().start()
    figures: dict[str, Any] = {"samples_per_scenario": SAMPLES, "scenarios": []}
    try:
        for n in PHONES:
            for processes in (1, 2):
                scenario = await _scenario(db.uri, redis.url if processes == 2 else None, n)
                print(f"  {n} phones, {processes} process(es): {_line(scenario)}", flush=True)
                figures["scenarios"].append(scenario)
    finally:
        redis.stop()
        db.stop()
        shutil.rmtree(storage, ignore_errors=True)
    figures["targets"] = {"push_p50_ms": 10, "push_p99_ms": 50, "kib_per_idle_phone": 50}
    (results_dir / "push.md").write_text(_table(figures["scenarios"]))
    return figures


async def _scenario(mongo_uri: str, redis_url: str | None, n: int) -> dict[str, Any]:
    db_name = "bench_push_" + uuid.uuid4().hex[:8]
    store = Store(mongo_uri, db_name)
    await store.ensure_indexes()
    env = {
        "NEXTJOB_RESYNC_SECONDS": "30",  # the production default, not the tests' 2 s
        "NEXTJOB_RATE_LIMIT_PER_MINUTE": "0",  # the bench's own bookings must not be limited
    }
    apis = [ApiProcess(mongo_uri, db_name, redis_url=redis_url, extra_env=env)]
    if redis_url:
        apis.append(ApiProcess(mongo_uri, db_name, redis_url=redis_url, extra_env=env))
    parent, child = mp.get_context("spawn").Pipe()
    phones: BaseProcess | None = None
    try:
        http = httpx.AsyncClient(base_url=apis[0].base_url, timeout=30)
        csr = {"Authorization": f"Bearer {issue_token(TEST_SECRET, Role.CSR, 'csr', _TTL)}"}
        jobs = []
        for i in range(SAMPLES):  # hvac jobs no tech below can take: they wait for assignJob
            body = booking_vars(skills=("hvac",), phone=f"512-555-{i:04d}")
            data = await _graphql(http, BOOK, body, csr)
            jobs.append(data["bookJob"]["id"])
        techs = [f"bt_{i:05d}" for i in range(n)]
        for tech in techs:
            await add_tech(store, tech, skills=("electrical",), status="available")
        await _warm_up(apis[0])
        before = [_rss_kib(a.process.pid) for a in apis]
        urls = [apis[i % len(apis)].ws_url for i in range(n)]
        phones = mp.get_context("spawn").Process(target=_phones_main, args=(child, techs, urls))
        phones.start()
        ready = await asyncio.to_thread(_receive, parent, 120)
        if ready != ("ready", n):
            raise RuntimeError(f"phones did not all connect: {ready}")
        await asyncio.sleep(2)  # let the server settle before reading memory
        after = [_rss_kib(a.process.pid) for a in apis]
        samples = await _measure(http, parent, techs, jobs, urls, apis[0].ws_url)
        kib = sum(after) - sum(before)
        return {
            "phones": n,
            "api_processes": len(apis),
            "broker": "redis" if redis_url else "memory",
            "rss_kib_before": before,
            "rss_kib_after": after,
            "kib_per_idle_phone": round(kib / n, 1),
            **samples,
        }
    finally:
        parent.send("stop")
        if phones is not None:
            phones.join(30)
            if phones.is_alive():
                phones.kill()
        for a in apis:
            a.stop()
        await store.client.drop_database(db_name)
        await store.close()


async def _measure(
    http: httpx.AsyncClient,
    pushes: Connection,
    techs: list[str],
    jobs: list[str],
    urls: list[str],
    same_process_url: str,
) -> dict[str, Any]:
    disp = {"Authorization": f"Bearer {issue_token(TEST_SECRET, Role.DISPATCHER, 'd', _TTL)}"}
    mutation, push, end_to_end, cross = [], [], [], []
    for k, job_id in enumerate(jobs):
        i = (k * len(techs)) // len(jobs)
        sent = time.monotonic()
        r = await http.post(
            "/graphql",
            json={"query": ASSIGN, "variables": {"j": job_id, "t": techs[i]}},
            headers=disp,
        )
        answered = time.monotonic()
        if "errors" in r.json():
            raise RuntimeError(r.text)
        message = await asyncio.to_thread(_receive, pushes, 10)
        if message[:3] != ("push", techs[i], job_id):
            raise RuntimeError(f"expected the push of {job_id} to {techs[i]}, got {message}")
        received: float = message[3]
        mutation.append((answered - sent) * 1000)
        push.append((received - answered) * 1000)
        end_to_end.append((received - sent) * 1000)
        if urls[i] != same_process_url:
            cross.append((received - sent) * 1000)
        await asyncio.sleep(0.01)
    out = {
        "mutation_ms": _percentiles(mutation),
        "push_ms": _percentiles(push),
        "end_to_end_ms": _percentiles(end_to_end),
    }
    if cross:
        out["end_to_end_cross_process_ms"] = _percentiles(cross)
    return out


async def _warm_up(api: ApiProcess) -> None:
    """One phone in and out, so first-use imports and caches are not counted per phone."""
    token = issue_token(TEST_SECRET, Role.TECHNICIAN, "warm_up", _TTL)
    async with GraphQLSocket(api.ws_url, token) as ws:
        async for _ in ws.stream("MyJob"):
            break


# ---- the phones' process ---------------------------------------------------------------


def _phones_main(pipe: Connection, techs: list[str], urls: list[str]) -> None:
    _raise_fd_limit()
    asyncio.run(_phones(pipe, techs, urls))


async def _phones(pipe: Connection, techs: list[str], urls: list[str]) -> None:
    gate = asyncio.Semaphore(100)  # the server's accept backlog is finite
    ready = 0

    async def phone(tech: str, url: str) -> None:
        nonlocal ready
        token = issue_token(TEST_SECRET, Role.TECHNICIAN, tech, _TTL)
        async with contextlib.AsyncExitStack() as stack:
            async with gate:
                ws = await stack.enter_async_context(GraphQLSocket(url, token, open_timeout=60))
                stream = ws.stream("MyJob")
                await anext(stream)  # the current job (none yet), at once
            ready += 1
            if ready == len(techs):
                pipe.send(("ready", ready))
            async for data in stream:
                if data["myJob"] is not None:
                    pipe.send(("push", tech, data["myJob"]["id"], time.monotonic()))

    tasks = [asyncio.create_task(phone(t, u)) for t, u in zip(techs, urls, strict=True)]
    await asyncio.to_thread(pipe.recv)  # "stop"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ---- helpers ---------------------------------------------------------------------------

_TTL = timedelta(hours=1)


async def _graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    r = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    if r.status_code != 200 or "errors" in r.json():
        raise RuntimeError(f"{r.status_code}: {r.text[:500]}")
    data: dict[str, Any] = r.json()["data"]
    return data


def _receive(pipe: Connection, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError(f"nothing from the phones' process in {timeout}s")
    return pipe.recv()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 65_536) if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(values), 2),
        "p90": round(cuts[89], 2),
        "p99": round(cuts[98], 2),
        "max": round(max(values), 2),
    }


def _line(s: dict[str, Any]) -> str:
    return (
        f"push p50 {s['push_ms']['p50']} ms, p99 {s['push_ms']['p99']} ms; "
        f"end-to-end p50 {s['end_to_end_ms']['p50']} ms, p99 {s['end_to_end_ms']['p99']} ms; "
        f"mutation p50 {s['mutation_ms']['p50']} ms; {s['kib_per_idle_phone']} KiB/phone"
    )


def _table(scenarios: list[dict[str, Any]]) -> str:
    rows = [
        "# Push latency and memory per idle phone (`python -m bench push`)",
        "",
        "| phones | API processes | push p50 / p99 ms | end-to-end p50 / p99 ms "
        "| mutation p50 / p99 ms | KiB per idle phone |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        rows.append(
            f"| {s['phones']} | {s['api_processes']} ({s['broker']}) "
            f"| {s['push_ms']['p50']} / {s['push_ms']['p99']} "
            f"| {s['end_to_end_ms']['p50']} / {s['end_to_end_ms']['p99']} "
            f"| {s['mutation_ms']['p50']} / {s['mutation_ms']['p99']} "
            f"| {s['kib_per_idle_phone']} |"
        )
    rows += ["", "Targets: push p50 <= 10 ms, p99 <= 50 ms at 2,000 phones; <= 50 KiB per phone."]
    return "\n".join(rows) + "\n"
