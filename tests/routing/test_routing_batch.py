"""Batch assignment tests: global optimum, hard constraints, determinism, runner-up."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from routing import Decision, OpenJob, TechProfile, assign_batch, choose_next_job, score_matrix
from tests.routing.routing_factories import AUSTIN, NOW, make_job, make_tech, offset


def crafted_2x2() -> tuple[list[TechProfile], list[OpenJob]]:
    """Tech A sits between two jobs, slightly nearer J1; tech B sits on J1, far from J2."""
    techs = [
        make_tech("a", location=offset(AUSTIN, east_km=9.0)),
        make_tech("b", location=AUSTIN),
    ]
    jobs = [make_job("j1", location=AUSTIN), make_job("j2", location=offset(AUSTIN, east_km=20.0))]
    return techs, jobs


def total_score(decisions: list[Decision]) -> float:
    """Sum of the chosen jobs' scores."""
    return sum(d.breakdown.score for d in decisions)


def greedy_by_tech(techs: list[TechProfile], jobs: list[OpenJob]) -> list[Decision]:
    """Each tech in turn takes its best remaining job (the baseline batch must beat)."""
    remaining = list(jobs)
    decisions = []
    for tech in techs:
        decision = choose_next_job(tech, remaining, NOW)
        if decision is not None:
            decisions.append(decision)
            remaining = [job for job in remaining if job.id != decision.job_id]
    return decisions


def brute_force_best(matrix: np.ndarray) -> float:
    """Best total over all partial matchings of feasible pairs (small matrices only)."""
    n, m = matrix.shape
    best = 0.0
    for cols in itertools.permutations([*range(m), *[None] * n], n):
        total = sum(matrix[r, c] for r, c in enumerate(cols) if c is not None)
        best = max(best, total)
    return best


def test_batch_beats_greedy_on_crafted_case() -> None:
    """Greedy lets A grab J1 that B needed; the batch gives A J2 and B J1 for more score."""
    techs, jobs = crafted_2x2()
    greedy = greedy_by_tech(techs, jobs)
    assert {(d.tech_id, d.job_id) for d in greedy} == {("a", "j1"), ("b", "j2")}
    batch = assign_batch(techs, jobs, NOW)
    assert {(d.tech_id, d.job_id) for d in batch} == {("a", "j2"), ("b", "j1")}
    assert total_score(batch) > total_score(greedy) * 1.2


def test_batch_is_optimal_over_feasible_matchings() -> None:
    """On a small mixed-skill case the batch total equals the brute-force best."""
    techs = [
        make_tech("a", location=offset(AUSTIN, north_km=3.0), skills=frozenset({"hvac"})),
        make_tech("b", location=offset(AUSTIN, east_km=-6.0), skills=frozenset({"plumbing"})),
        make_tech("c", location=offset(AUSTIN, east_km=12.0)),
    ]
    jobs = [
        make_job("ac", value=700.0, location=offset(AUSTIN, north_km=5.0)),
        make_job("leak", value=400.0, required_skills=frozenset({"plumbing"})),
        make_job("furnace", value=900.0, location=offset(AUSTIN, east_km=15.0)),
        make_job("heater", value=300.0, required_skills=frozenset({"hvac", "plumbing"})),
    ]
    matrix = score_matrix(techs, jobs, NOW)
    batch = assign_batch(techs, jobs, NOW)
    assert total_score(batch) == pytest.approx(brute_force_best(matrix))


def test_batch_never_assigns_infeasible_pairs_or_doubles_up() -> None:
    """Every assigned pair is feasible; each tech and job appears at most once."""
    techs = [
        make_tech("no-skills", skills=frozenset()),
        make_tech("hvac-1", skills=frozenset({"hvac"})),
        make_tech("hvac-2", skills=frozenset({"hvac"}), declined_job_ids=frozenset({"ac-1"})),
    ]
    jobs = [
        make_job("ac-1", value=900.0),
        make_job("pipes", required_skills=frozenset({"plumbing"})),
    ]
    matrix = score_matrix(techs, jobs, NOW)
    batch = assign_batch(techs, jobs, NOW)
    tech_index = {t.id: i for i, t in enumerate(techs)}
    job_index = {j.id: i for i, j in enumerate(jobs)}
    for decision in batch:
        assert math.isfinite(matrix[tech_index[decision.tech_id], job_index[decision.job_id]])
    assert [(d.tech_id, d.job_id) for d in batch] == [("hvac-1", "ac-1")]


def test_batch_is_deterministic_under_input_order() -> None:
    """Shuffling techs and jobs (with tied scores) gives the same assignment."""
    techs = [make_tech(f"t{i}") for i in range(3)]
    jobs = [make_job(f"j{i}") for i in range(4)]
    expected = assign_batch(techs, jobs, NOW)
    assert [d.tech_id for d in expected] == ["t0", "t1", "t2"]
    for perm_t, perm_j in [((2, 0, 1), (3, 1, 0, 2)), ((1, 2, 0), (2, 3, 1, 0))]:
        shuffled = assign_batch([techs[i] for i in perm_t], [jobs[i] for i in perm_j], NOW)
        assert shuffled == expected


def test_batch_runner_up_is_best_unassigned_job() -> None:
    """Runner-up is the tech's best feasible job nobody got, never a job given to another."""
    techs, jobs = crafted_2x2()
    spare = make_job("spare", value=100.0, location=offset(AUSTIN, east_km=10.0))
    batch = assign_batch(techs, [*jobs, spare], NOW)
    assert all(d.runner_up_job_id == "spare" for d in batch)
    assert all(d.runner_up_score is not None for d in batch)
    no_spare = assign_batch(techs, jobs, NOW)
    assert all(d.runner_up_job_id is None for d in no_spare)


def test_batch_empty_inputs_and_duplicate_techs() -> None:
    """No techs or no jobs gives no decisions; duplicate tech ids raise ValueError."""
    assert assign_batch([], [make_job("j")], NOW) == []
    assert assign_batch([make_tech()], [], NOW) == []
    with pytest.raises(ValueError, match="unique"):
        assign_batch([make_tech("t"), make_tech("t")], [make_job("j")], NOW)
