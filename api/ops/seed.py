"""The demo company: an Austin, TX home-services contractor with a full board.

Technicians have skills, shifts and home bases; jobs sit at street addresses across
the metro, with booked values drawn around the trade's $350 average ticket.
Seeding writes through the same store (and bookings through the dispatch rules'
validation), only when the database is empty.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.core.clock import utcnow
from api.core.domain import DEFAULT_DURATION_MIN, JobKind, JobStatus, Priority, TechStatus
from api.core.events import EventType
from api.core.phones import e164
from api.core.validation import Booking, booking
from api.persistence.documents import booked_job, geo_point
from api.persistence.store import Doc, Store

# (street, neighbourhood centre lat, lon): real Austin streets, jittered house numbers.
STREETS = [
    ("S Congress Ave", 30.2462, -97.7510),
    ("S Lamar Blvd", 30.2510, -97.7650),
    ("Burnet Rd", 30.3385, -97.7397),
    ("Guadalupe St", 30.2950, -97.7420),
    ("E Cesar Chavez St", 30.2580, -97.7260),
    ("Manor Rd", 30.2870, -97.7100),
    ("N Lamar Blvd", 30.3190, -97.7290),
    ("William Cannon Dr", 30.1930, -97.8030),
    ("Slaughter Ln", 30.1720, -97.8000),
    ("Parmer Ln", 30.4160, -97.6800),
    ("Anderson Mill Rd", 30.4460, -97.7940),
    ("Riverside Dr", 30.2400, -97.7300),
    ("Airport Blvd", 30.3050, -97.7070),
    ("Bee Caves Rd", 30.2720, -97.8070),
    ("Menchaca Rd", 30.2050, -97.7940),
    ("Cameron Rd", 30.3260, -97.6900),
    ("Rundberg Ln", 30.3570, -97.6950),
    ("Far West Blvd", 30.3540, -97.7550),
    ("Mueller Blvd", 30.2980, -97.7040),
    ("E 7th St", 30.2620, -97.7270),
]
FIRST = ["Maria", "James", "Luis", "Tasha", "Kevin", "Priya", "Derek", "Ana", "Omar", "Jen"]
LAST = ["Garcia", "Nguyen", "Smith", "Patel", "Johnson", "Lopez", "Brown", "Kim", "Davis"]
PROBLEMS = {
    JobKind.REPAIR: ["AC blowing warm air", "Leaking kitchen faucet", "Breaker keeps tripping"],
    JobKind.BROKEN_EQUIPMENT: ["No heat, furnace dead", "Water heater burst", "AC compressor dead"],
    JobKind.MAINTENANCE: ["Spring AC tune-up (service agreement)", "Annual furnace check"],
    JobKind.INSTALL: ["Replace 15-year-old water heater", "New 3-ton AC system quote+install"],
    JobKind.ESTIMATE: ["Estimate for whole-house repipe", "Panel upgrade estimate"],
}
SKILL_BY_PROBLEM = {
    "AC": "hvac",
    "furnace": "hvac",
    "heat": "hvac",
    "faucet": "plumbing",
    "Water": "plumbing",
    "water": "plumbing",
    "repipe": "plumbing",
    "Breaker": "electrical",
    "Panel": "electrical",
}
TECH_SKILLS = [
    ["hvac"],
    ["hvac", "refrigeration"],
    ["plumbing"],
    ["plumbing", "water_heater"],
    ["electrical"],
    ["hvac", "electrical"],
    ["plumbing", "drains"],
    ["hvac"],
    ["electrical", "hvac"],
    ["plumbing", "hvac"],
    ["hvac"],
    ["plumbing"],
    ["electrical"],
    ["hvac", "plumbing", "electrical"],
]
SHIFTS = [("07:00", "15:30"), ("08:00", "17:00"), ("09:00", "18:00"), ("10:00", "19:00")]


def _address(rng: random.Random) -> tuple[str, float, float]:
    street, lat, lon = rng.choice(STREETS)
    # ~1 km of jitter: a house on or near that stretch of the street.
    return (
        f"{rng.randint(100, 9800)} {street}, Austin, TX",
        round(lat + rng.uniform(-0.009, 0.009), 6),
        round(lon + rng.uniform(-0.009, 0.009), 6),
    )


def demo_technicians(rng: random.Random, count: int = 14) -> list[Doc]:
    techs = []
    for i in range(count):
        _, lat, lon = _address(rng)
        start, end = SHIFTS[i % len(SHIFTS)]
        techs.append(
            {
                "_id": f"tech_{i + 1:02d}",
                "name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 3) % len(LAST)]}",
                "skills": TECH_SKILLS[i % len(TECH_SKILLS)],
                "home": geo_point(lat, lon),
                "location": geo_point(lat, lon),
                "status": TechStatus.OFF_DUTY.value,
                "shift": {"start": start, "end": end},
                # Weekdays on the listed hours, alternate Saturdays for half the team.
                "weekly_shift": {
                    day: {"start": start, "end": end}
                    for day in ("mon", "tue", "wed", "thu", "fri", *(("sat",) if i % 2 else ()))
                },
                "phone": f"+1512555{2000 + i:04d}",
                "version": 1,
                "stats": {"completed": 0, "sales": 0, "sold_total": 0.0},
            }
        )
    return techs


def demo_bookings(rng: random.Random, now: datetime, tz: str, count: int = 72) -> list[Booking]:
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    this_hour = local.replace(minute=0, second=0, microsecond=0)
    day = this_hour + timedelta(hours=1)
    after_hours = local.hour >= 15 or local.hour < 6
    if after_hours:
        # Outside working hours the demo books the next morning's board...
        day = (local + timedelta(hours=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    kinds = list(PROBLEMS)
    weights = [0.35, 0.2, 0.2, 0.1, 0.15]
    out = []
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        tonight = after_hours and i % 8 == 0
        if tonight:
            # ...and the after-hours line still rings: every eighth call is tonight's
            # broken equipment, so a tech who clocks on now has work at any hour (the
            # README's first loop).
            kind = JobKind.BROKEN_EQUIPMENT
        problem = rng.choice(PROBLEMS[kind])
        skill = next((s for k, s in SKILL_BY_PROBLEM.items() if k in problem), "hvac")
        address, lat, lon = _address(rng)
        start = this_hour if tonight else day + timedelta(hours=2 * rng.randint(0, 4))
        value = round(min(max(rng.lognormvariate(5.75, 0.45), 89.0), 4000.0), 2)  # mean ~$350
        priority = (
            Priority.EMERGENCY
            if kind is JobKind.BROKEN_EQUIPMENT and rng.random() < 0.5
            else rng.choices([Priority.HIGH, Priority.NORMAL, Priority.LOW], [0.2, 0.65, 0.15])[0]
        )
        out.append(
            Booking(
                customer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                customer_phone=f"512-555-{rng.randint(0, 9999):04d}",
                address=address,
                lat=lat,
                lon=lon,
                problem=problem,
                kind=kind,
                priority=priority,
                estimated_value=value,
                required_skills=(skill,),
                window_start=start,
                window_end=start + timedelta(hours=4),
                urgency_list=rng.random() < 0.08,
                duration_min=float(DEFAULT_DURATION_MIN[kind]),
            )
        )
    return out


def _demo_customers(jobs: list[Doc], now: datetime) -> list[Doc]:
    """One customer per demo phone (E.164), with the addresses of their jobs; each job is
    filed under its customer, as a booking over the API would be."""
    by_phone: dict[str, Doc] = {}
    for job in jobs:
        phone = e164(job["customer"]["phone"], "US")
        lon, lat = job["location"]["coordinates"]
        customer = by_phone.setdefault(
            phone,
            {
                "_id": f"cus_demo{len(by_phone) + 1:03d}",
                "name": job["customer"]["name"],
                "phone": phone,
                "phones": [phone],
                "addresses": [],
                "notes": "",
                "service_agreement": job["kind"] == JobKind.MAINTENANCE.value,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        customer["addresses"].append({"address": job["address"], "lat": lat, "lon": lon})
        job["customer"] = {"name": customer["name"], "phone": phone}
        job["customer_id"] = customer["_id"]
    return list(by_phone.values())


async def seed_demo(store: Store, tz: str, seed: int = 7) -> bool:
    """Fill an empty database with the demo company; False if it already had data."""
    if await store.technicians.count_documents({}, limit=1):
        return False
    rng = random.Random(seed)
    now = utcnow()
    await store.technicians.insert_many(demo_technicians(rng))
    jobs = []
    for i, b in enumerate(demo_bookings(rng, now, tz)):
        b = booking(b, now)
        booked_at = now - timedelta(minutes=5 * (72 - i))
        jobs.append(
            booked_job(
                f"job_demo{i + 1:03d}",
                b,
                booked_at=booked_at,
                booked_by={"role": "csr", "sub": f"csr_{i % 3 + 1}"},
            )
        )
    customers = _demo_customers(jobs, now)
    await store.customers.insert_many(customers)
    await store.jobs.insert_many(jobs)
    await store.events.insert_many(
        [
            {
                "at": j["booked_at"],
                "actor": j["booked_by"],
                "entity": "job",
                "entity_id": j["_id"],
                "type": EventType.JOB_BOOKED.value,
                "before": None,
                "after": JobStatus.BOOKED.value,
                "version": 1,
                "data": {"seed": True},
            }
            for j in jobs
        ]
    )
    return True
