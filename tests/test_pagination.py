"""Relay cursor pagination: filters, sorting, area, both directions, stable across inserts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.persistence.store import Store
from tests.conftest import BOOK, add_tech, booking_vars
from tests.gql import Client
from tests.servers import ApiProcess

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $sort: JobSort,
      $filter: JobFilter, $near: NearInput) {
  jobsConnection(first: $first, after: $after, last: $last, before: $before, sort: $sort,
                 filter: $filter, near: $near) {
    edges { cursor node { id estimatedValue priority } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
DOWNTOWN = (30.2672, -97.7431)
ROUND_ROCK = (30.5083, -97.6789)


async def _book(csr: Client, n: int, **kw: Any) -> list[str]:
    ids = []
    for i in range(n):
        booked = await csr.execute(
            BOOK, booking_vars(value=100.0 + i, phone=f"512555{i:04d}", **kw)
        )
        ids.append(booked["bookJob"]["id"])
    return ids


async def _walk(client: Client, size: int, start: str | None = None, **variables: Any) -> list[str]:
    seen: list[str] = []
    after = start
    for _ in range(50):
        page = (await client.execute(PAGE, {"first": size, "after": after, **variables}))[
            "jobsConnection"
        ]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("pages never ended")


async def test_pages_cover_everything_once_while_jobs_are_booked(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """Walking pages of 3 visits each job exactly once even if jobs arrive mid-walk."""
    csr = client_for("csr", "c")
    ids = await _book(csr, 7)
    first = (await csr.execute(PAGE, {"first": 3}))["jobsConnection"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[:3]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    late = await _book(csr, 2, name="Late Booker")  # lands after the cursor's position
    rest = await _walk(csr, 3, start=first["pageInfo"]["endCursor"])
    assert rest == ids[3:] + late


async def test_sorting_and_backward_paging(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """VALUE desc orders by value; last/before pages backward to the same rows."""
    csr = client_for("csr", "c")
    ids = await _book(csr, 5)
    by_value = {"field": "VALUE", "direction": "DESC"}
    assert await _walk(csr, 2, sort=by_value) == ids[::-1]
    tail = (await csr.execute(PAGE, {"last": 2, "sort": by_value}))["jobsConnection"]
    assert [e["node"]["id"] for e in tail["edges"]] == [ids[1], ids[0]]
    assert tail["pageInfo"]["hasPreviousPage"]
    before = tail["pageInfo"]["startCursor"]
    prev = await csr.execute(PAGE, {"last": 2, "before": before, "sort": by_value})
    assert [e["node"]["id"] for e in prev["jobsConnection"]["edges"]] == [ids[3], ids[2]]


async def test_priority_sort_and_filters(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """PRIORITY puts emergencies first; filters by priority and by area hold."""
    csr = client_for("csr", "c")
    low = await _book(csr, 1, priority="LOW")
    emergency = await _book(csr, 1, priority="EMERGENCY", at=ROUND_ROCK)
    normal = await _book(csr, 1, priority="NORMAL")
    order = await _walk(csr, 10, sort={"field": "PRIORITY"})
    assert order == emergency + normal + low
    only_low = await _walk(csr, 10, filter={"priorities": ["LOW"]})
    assert only_low == low
    near = {"lat": ROUND_ROCK[0], "lon": ROUND_ROCK[1], "radiusKm": 5}
    assert await _walk(csr, 10, near=near) == emergency


async def test_bad_cursor_and_sizes_are_bad_user_input(
    api: ApiProcess, client_for: Callable[[str, str], Client]
) -> None:
    """A forged cursor, a cursor from another sort, or first > 500 are BAD_USER_INPUT."""
    csr = client_for("csr", "c")
    await _book(csr, 2)
    cursor = (await csr.execute(PAGE, {"first": 1}))["jobsConnection"]["pageInfo"]["endCursor"]
    assert await csr.errors(PAGE, {"after": "bm9wZQ"}) == ["BAD_USER_INPUT"]
    other = {"field": "VALUE"}
    assert await csr.errors(PAGE, {"after": cursor, "sort": other}) == ["BAD_USER_INPUT"]
    assert await csr.errors(PAGE, {"first": 501}) == ["BAD_USER_INPUT"]


async def test_technicians_connection_filters_by_skill(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """techniciansConnection pages by name and filters by skills and status."""
    await add_tech(store, "tech_a", skills=("plumbing",))
    await add_tech(store, "tech_b", skills=("hvac", "plumbing"), status="available")
    await add_tech(store, "tech_c", skills=("it",))
    query = """query($f: TechnicianFilter) { techniciansConnection(filter: $f, first: 10) {
      edges { node { id } } } }"""
    dispatcher = client_for("dispatcher", "d")

    async def ids(f: dict[str, Any]) -> list[str]:
        data = await dispatcher.execute(query, {"f": f})
        return [e["node"]["id"] for e in data["techniciansConnection"]["edges"]]

    assert await ids({"skills": ["plumbing"]}) == ["tech_a", "tech_b"]
    assert await ids({"skills": ["plumbing"], "statuses": ["AVAILABLE"]}) == ["tech_b"]
    near = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "radiusKm": 1}
    assert await ids({"near": near}) == ["tech_a", "tech_b", "tech_c"]
