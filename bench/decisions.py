"""Decision latency and batch assignment against the targets of issue 3.

- `dispatch_tech` p50/p95/p99 (in-memory candidates, routing, assignment transaction)
  with 1k / 10k / 100k open jobs in Austin, and each part alone (the database's share);
- batch assignment (score matrix + Hungarian) for 50x500 and 200x5000, no database;
- `dispatch_idle` for 50 free techs over 10k open jobs, with the database.
SecantusDB runs in a temp folder unless MONGODB_URI is set; figures: decisions.json/.md.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from api.core.principal import SYSTEM
from api.core.settings import Settings
from api.dispatch.assignment import assign, dispatch_idle, dispatch_tech
from api.dispatch.candidates import candidates
from api.dispatch.deps import Dispatch
from api.dispatch.profiles import CompanyPrior, open_job, tech_profile
from api.ops.embedded import free_port, running
from api.persistence.documents import geo_point
from api.persistence.store import Doc, Store
from bench._decisions_report import markdown
from bench._replan import replan_figures
from realtime import MemoryBroker
from routing import assign_batch, score_matrix

AUSTIN = (30.2672, -97.7431)
KINDS = ["repair", "broken_equipment", "maintenance", "install", "estimate"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "emergency"]
SKILLS = ["hvac", "plumbing", "electrical"]
DECISIONS = 200


def _ms(seconds: list[float]) -> dict[str, float]:
    a = np.array(seconds) * 1000.0
    return {
        "n": len(a),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "p99_ms": round(float(np.percentile(a, 99)), 2),
        "max_ms": round(float(a.max()), 2),
    }


def _spot(rng: np.random.Generator) -> tuple[float, float]:
    # The metro: about 60 km across around downtown.
    return AUSTIN[0] + float(rng.uniform(-0.27, 0.27)), AUSTIN[1] + float(rng.uniform(-0.3, 0.3))


def _job_docs(rng: np.random.Generator, n: int, now: datetime) -> list[Doc]:
    docs = []
    for i in range(n):
        booked = now - timedelta(minutes=float(rng.uniform(0, 600)))
        docs.append(
            {
                "_id": f"job_{i:06d}",
                "status": "booked",
                "version": 1,
                "location": geo_point(*_spot(rng)),
                "kind": KINDS[int(rng.integers(len(KINDS)))],
                "priority": PRIORITIES[int(rng.integers(len(PRIORITIES)))],
                "estimated_value": float(rng.lognormal(6.0, 0.8)),
                "duration_min": float(rng.choice([45.0, 60.0, 90.0, 120.0])),
                "required_skills": [SKILLS[int(rng.integers(len(SKILLS)))]],
                "window_start": booked,
                "window_end": booked + timedelta(hours=4),
                "booked_at": booked,
                "urgency_list": bool(rng.random() < 0.05),
            }
        )
    return docs


def _tech_doc(tech_id: str, rng: np.random.Generator, now: datetime) -> Doc:
    return {
        "_id": tech_id,
        "name": tech_id,
        "skills": ["hvac", "plumbing"],
        "home": geo_point(*_spot(rng)),
        "location": geo_point(*_spot(rng)),
        "status": "available",
        "shift_ends_at": now + timedelta(hours=8),
        "version": 1,
        "stats": {"completed": 40, "sales": 22, "sold_total": 22 * 900.0},
    }


async def _reopen(store: Store, service: Dispatch, job_ids: list[str]) -> None:
    """Put assigned jobs back in the bucket (untimed), so the open count stays fixed."""
    if not job_ids:
        return
    await store.jobs.update_many(
        {"_id": {"$in": job_ids}},
        {
            "$set": {"status": "booked"},
            "$unset": {"tech_id": "", "active_tech_id": ""},
            "$inc": {"version": 1},
        },
    )
    for job_id in job_ids:
        await service.open_jobs.refresh(job_id)


async def _free(store: Store, rng: np.random.Generator, tech_ids: list[str]) -> None:
    for tech_id in tech_ids:
        await store.technicians.update_one(
            {"_id": tech_id},
            {
                "$set": {"status": "available", "location": geo_point(*_spot(rng))},
                "$unset": {"current_job_id": ""},
                "$inc": {"version": 1},
            },
        )


async def _one_size(uri: str, n_jobs: int, rng: np.random.Generator) -> dict[str, Any]:
    store = Store(uri, "bench_" + uuid.uuid4().hex[:8])
    broker = MemoryBroker()
    now = datetime.now(UTC)
    service = Dispatch.build(store, broker, Settings(resync_seconds=3600))
    try:
        await store.ensure_indexes()
        docs = _job_docs(rng, n_jobs, now)
        for start in range(0, n_jobs, 5000):
            await store.jobs.insert_many(docs[start : start + 5000], ordered=False)
        techs = [_tech_doc(f"tech_{i:02d}", rng, now) for i in range(50)]
        await store.technicians.insert_many(techs)
        await store.technicians.update_many(
            {"_id": {"$ne": "tech_00"}}, {"$set": {"status": "off_duty"}}
        )
        started = time.perf_counter()
        await service.open_jobs.start()
        load = time.perf_counter() - started
        latencies: list[float] = []
        for i in range(DECISIONS + 10):
            await _free(store, rng, ["tech_00"])
            started = time.perf_counter()
            job = await dispatch_tech(service, "tech_00")
            took = time.perf_counter() - started
            if i >= 10:
                latencies.append(took)
            await _reopen(store, service, [job["_id"]] if job else [])
        parts = await _parts(store, service, rng)
        print(f"  {n_jobs} open jobs: p99 {_ms(latencies)['p99_ms']} ms", flush=True)
        figures: dict[str, Any] = {
            "open_jobs": n_jobs,
            "index_load_s": round(load, 2),
            "dispatch_tech": _ms(latencies),
            **parts,
        }
        if n_jobs == 10_000:
            figures["dispatch_idle_50_techs"] = await _idle(store, service, rng, techs)
        return figures
    finally:
        await service.open_jobs.stop()
        await store.client.drop_database(store.db.name)
        await store.close()


async def _parts(store: Store, service: Dispatch, rng: np.random.Generator) -> dict[str, Any]:
    """The pieces of one decision, each timed on its own."""
    reads, ranks, writes = [], [], []
    for _ in range(DECISIONS):
        await _free(store, rng, ["tech_00"])
        started = time.perf_counter()
        techs = await store.technicians.find({}).to_list(None)
        reads.append(time.perf_counter() - started)
        profile = tech_profile(
            next(t for t in techs if t["_id"] == "tech_00"), CompanyPrior.from_techs(techs)
        )
        started = time.perf_counter()
        ranked = candidates(service, profile, service.open_jobs.table())
        ranks.append(time.perf_counter() - started)
        job_id, reasons = ranked[0]
        started = time.perf_counter()
        await assign(service, SYSTEM, job_id, "tech_00", reasons)
        writes.append(time.perf_counter() - started)
        await _reopen(store, service, [job_id])
    return {
        "part_tech_read": _ms(reads),
        "part_routing": _ms(ranks),
        "part_assign_transaction": _ms(writes),
    }


async def _idle(
    store: Store, service: Dispatch, rng: np.random.Generator, techs: list[Doc]
) -> dict[str, Any]:
    ids = [t["_id"] for t in techs]
    runs, assigned = [], []
    for _ in range(5):
        await _free(store, rng, ids)
        started = time.perf_counter()
        assigned.append(await dispatch_idle(service))
        runs.append(time.perf_counter() - started)
        taken = await store.jobs.distinct("_id", {"status": "assigned"})
        await _reopen(store, service, taken)
    return {**_ms(runs), "assigned": assigned}


def _batch(n_techs: int, n_jobs: int, rng: np.random.Generator) -> dict[str, Any]:
    now = datetime.now(UTC)
    jobs = [open_job(d) for d in _job_docs(rng, n_jobs, now)]
    prior = CompanyPrior(close_rate=0.5, avg_ticket=800.0)
    techs = [tech_profile(_tech_doc(f"t{i}", rng, now), prior) for i in range(n_techs)]
    ours, plain = [], []
    for _ in range(7):
        started = time.perf_counter()
        assign_batch(techs, jobs, now)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        m = score_matrix(techs, jobs, now)
        linear_sum_assignment(np.where(np.isfinite(m), m, -1e9), maximize=True)
        plain.append(time.perf_counter() - started)
    return {
        "assign_batch_ms_median": round(statistics.median(ours) * 1000, 1),
        "assign_batch_ms_max": round(max(ours) * 1000, 1),
        "full_matrix_plus_lsa_ms_median": round(statistics.median(plain) * 1000, 1),
    }


async def run(results_dir: Path) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    figures: dict[str, Any] = {
        "targets": {"p99_10k_ms": 5, "p99_100k_ms": 20, "batch_200x5000_ms": 150},
        "batch_50x500": _batch(50, 500, rng),
        "batch_200x5000": _batch(200, 5000, rng),
        "replan_40x500": replan_figures(rng, _job_docs, _tech_doc),
    }
    uri = os.environ.get("MONGODB_URI")
    sizes = [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="nextjob-bench-") as tmp:
        if uri:
            figures["database"] = "MONGODB_URI"
            figures["decisions"] = [await _one_size(uri, n, rng) for n in sizes]
        else:
            figures["database"] = "SecantusDB (embedded)"
            with running(Path(tmp), free_port()) as db:
                figures["decisions"] = [await _one_size(db.uri, n, rng) for n in sizes]
    (results_dir / "decisions.md").write_text(markdown(figures))
    return figures
