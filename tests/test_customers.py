"""Customers over the real API: phones in E.164, found again by phone or name, linked jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from api.ops.seed import seed_demo
from api.persistence.store import Store
from tests.conftest import BOOK, booking_vars
from tests.gql import Client
from tests.servers import ApiProcess

PROFILE = """id version name phone phones notes serviceAgreement
addresses { address location { lat lon } }"""
SEARCH = f"query($q: String!) {{ customers(search: $q) {{ {PROFILE} }} }}"
ONE = f"query($id: ID!) {{ customer(id: $id) {{ {PROFILE} }} }}"
UPDATE = f"""mutation($id: ID!, $input: CustomerEditInput!, $version: Int) {{
  updateCustomer(id: $id, input: $input, version: $version) {{ {PROFILE} }} }}"""
BOOKED_UNDER = "query($id: ID!) { job(id: $id) { customerId customer { name phone } } }"


async def test_a_booking_files_the_job_under_a_customer_with_an_e164_phone(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """However the phone is typed, the customer's phone is E.164 and the job links to them;
    a second booking from the same phone (typed differently) finds the same customer."""
    csr = client_for("csr", "csr_1")
    first = booking_vars(name="Dana Whitfield", phone="(512) 555-0177", confirm_duplicate=False)
    job_id = (await csr.execute(BOOK, first))["bookJob"]["id"]
    job = (await csr.execute(BOOKED_UNDER, {"id": job_id}))["job"]
    assert job["customer"] == {"name": "Dana Whitfield", "phone": "+15125550177"}
    customer_id = job["customerId"]
    assert customer_id

    elsewhere = booking_vars(
        name="Dana W.",
        phone="+1 512.555.0177",
        address="7 Rainey St, Austin, TX",
        lat=30.2590,
        lon=-97.7385,
        confirm_duplicate=False,
    )
    second = (await csr.execute(BOOK, elsewhere))["bookJob"]["id"]
    again = (await csr.execute(BOOKED_UNDER, {"id": second}))["job"]
    assert again["customerId"] == customer_id
    assert again["customer"]["name"] == "Dana Whitfield"  # the record's name, not the typo
    profile = (await csr.execute(ONE, {"id": customer_id}))["customer"]
    assert [a["address"] for a in profile["addresses"]] == [
        "1100 Congress Ave, Austin, TX",
        "7 Rainey St, Austin, TX",
    ]
    assert await store.db["customers"].count_documents({}) == 1
    kinds = [e["type"] async for e in store.events.find({"entity_id": customer_id})]
    assert kinds == ["customer.created", "customer.edited"]


async def test_search_finds_customers_by_phone_and_by_name(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """`customers(search:)` matches a phone in any format, or part of a name, any case."""
    csr = client_for("csr", "csr_1")
    await csr.execute(BOOK, booking_vars(name="Marisol Ortega", phone="512-555-0123"))
    await csr.execute(BOOK, booking_vars(name="Ken Ortega", phone="512-555-0456"))
    await csr.execute(BOOK, booking_vars(name="Ada Byron", phone="512-555-0789"))

    by_phone = (await csr.execute(SEARCH, {"q": "(512) 555 0456"}))["customers"]
    assert [c["name"] for c in by_phone] == ["Ken Ortega"]
    by_name = (await csr.execute(SEARCH, {"q": "ortega"}))["customers"]
    assert [c["name"] for c in by_name] == ["Ken Ortega", "Marisol Ortega"]
    assert (await csr.execute(SEARCH, {"q": "a.*"}))["customers"] == []  # text, not a pattern
    dispatcher = client_for("dispatcher", "d_1")
    assert len((await dispatcher.execute(SEARCH, {"q": "Byron"}))["customers"]) == 1
    tech = client_for("technician", "tech_x")
    assert await tech.errors(SEARCH, {"q": "Byron"}) == ["FORBIDDEN"]


async def test_a_booking_can_name_an_existing_customer_and_staff_can_edit_them(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """`customerId` books under that record; edits are versioned, a stale one is CONFLICT."""
    csr = client_for("csr", "csr_1")
    job_id = (await csr.execute(BOOK, booking_vars(name="Lee Park", phone="512-555-0222")))[
        "bookJob"
    ]["id"]
    customer_id = (await csr.execute(BOOKED_UNDER, {"id": job_id}))["job"]["customerId"]
    profile = (await csr.execute(ONE, {"id": customer_id}))["customer"]

    change = {
        "id": customer_id,
        "version": profile["version"],
        "input": {
            "notes": "Gate code 4411; dog in yard",
            "serviceAgreement": True,
            "phones": ["512-555-0222", "512 555 0333"],
        },
    }
    edited = (await csr.execute(UPDATE, change))["updateCustomer"]
    assert edited["version"] == profile["version"] + 1
    assert edited["phones"] == ["+15125550222", "+15125550333"]
    assert edited["serviceAgreement"] is True and edited["notes"].startswith("Gate code")
    assert await csr.errors(UPDATE, {**change, "input": {"notes": "x"}}) == ["CONFLICT"]
    bad = {"id": customer_id, "input": {"phones": ["not a phone"]}}
    assert await csr.errors(UPDATE, bad) == ["BAD_USER_INPUT"]

    # The second phone finds them; naming the record files the job there.
    found = (await csr.execute(SEARCH, {"q": "5125550333"}))["customers"]
    assert [c["id"] for c in found] == [customer_id]
    named = booking_vars(
        name="Someone Calling",
        phone="512-555-0999",
        address="1 Other Rd, Austin, TX",
        lat=30.3,
        lon=-97.7,
        customerId=customer_id,
    )
    other = (await csr.execute(BOOK, named))["bookJob"]["id"]
    assert (await csr.execute(BOOKED_UNDER, {"id": other}))["job"]["customerId"] == customer_id
    unknown = booking_vars(customerId="cus_nobody")
    assert await csr.errors(BOOK, unknown) == ["NOT_FOUND"]


async def test_racing_bookings_for_a_new_phone_make_one_customer(
    api: ApiProcess, store: Store, client_for: Callable[[str, str], Client]
) -> None:
    """Eight bookings from one new phone at once: one customer, every job filed under it."""
    csr = client_for("csr", "csr_1")
    bookings = [
        booking_vars(name="Race Caller", phone="512-555-0404", problem=f"call {i}")
        for i in range(8)
    ]
    results = await asyncio.gather(*(csr.execute(BOOK, b) for b in bookings))
    ids = [r["bookJob"]["id"] for r in results]
    owners = {(await csr.execute(BOOKED_UNDER, {"id": i}))["job"]["customerId"] for i in ids}
    assert len(owners) == 1 and None not in owners
    assert await store.db["customers"].count_documents({"phone": "+15125550404"}) == 1


async def test_the_demo_company_files_every_job_under_a_customer(store: Store) -> None:
    """Seeded demo jobs each link to a customer with an E.164 phone and that job's address."""
    assert await seed_demo(store, "America/Chicago")
    jobs = await store.jobs.find({}).to_list(None)
    customers = {c["_id"]: c async for c in store.db["customers"].find({})}
    assert jobs and all(j["customer_id"] in customers for j in jobs)
    for job in jobs:
        owner = customers[job["customer_id"]]
        assert owner["phone"].startswith("+1512555") and job["customer"]["phone"] == owner["phone"]
        assert job["address"] in [a["address"] for a in owner["addresses"]]
