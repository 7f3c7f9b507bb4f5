"""GraphQL inputs: typed shapes only; the dispatch service checks the values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.core import validation
from api.dispatch.booking_checks import BookingChoices
from schema.enums import JobKind, JobStatus, Priority


@strawberry.input(description="The customer a booking is for.")
class CustomerInput:
    name: str = strawberry.field(description="Customer's name (1-120 characters).")
    phone: str = strawberry.field(description="Phone number, 7-20 digits.")


@strawberry.input(description="The arrival window promised to the customer.")
class ArrivalWindowInput:
    start: datetime = strawberry.field(description="Earliest arrival, with offset.")
    end: datetime = strawberry.field(description="Latest arrival, at most 12 h later.")


@strawberry.input(description="A call booked into the bucket.")
class BookJobInput:
    customer: CustomerInput = strawberry.field(description="Who the job is for.")
    address: str = strawberry.field(description="Street address (1-300 characters).")
    lat: float = strawberry.field(description="Latitude of the address.")
    lon: float = strawberry.field(description="Longitude of the address.")
    problem: str = strawberry.field(description="What the customer reports (1-2000).")
    kind: JobKind = strawberry.field(description="Sort of visit.")
    arrival_window: ArrivalWindowInput = strawberry.field(description="Promised window.")
    estimated_value: float = strawberry.field(description="Expected value, $0-100,000.")
    priority: Priority = strawberry.field(default=Priority.NORMAL, description="Urgency.")
    required_skills: list[str] = strawberry.field(
        default_factory=list, description="Skills the tech must have (at most 10)."
    )
    urgency_list: bool = strawberry.field(
        default=False, description="Customer asked to be moved up if a slot opens."
    )
    duration_minutes: float | None = strawberry.field(
        default=None, description="Expected minutes on site; default by kind."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An existing customer (from `customers`); else found by phone or created.",
    )
    confirm_duplicate: bool = strawberry.field(
        default=False,
        description="Book even if this customer has an open job at this address.",
    )

    def choices(self) -> BookingChoices:
        return BookingChoices(
            customer_id=str(self.customer_id) if self.customer_id is not None else None,
            confirm_duplicate=self.confirm_duplicate,
        )

    def to_booking(self) -> validation.Booking:
        return validation.Booking(
            customer_name=self.customer.name,
            customer_phone=self.customer.phone,
            address=self.address,
            lat=self.lat,
            lon=self.lon,
            problem=self.problem,
            kind=self.kind,
            priority=self.priority,
            estimated_value=self.estimated_value,
            required_skills=tuple(self.required_skills),
            window_start=self.arrival_window.start,
            window_end=self.arrival_window.end,
            urgency_list=self.urgency_list,
            duration_min=self.duration_minutes,
        )


@strawberry.input(description="Which jobs to list; every condition must hold.")
class JobFilter:
    statuses: list[JobStatus] | None = strawberry.field(default=None, description="Any of.")
    kinds: list[JobKind] | None = strawberry.field(default=None, description="Any of.")
    priorities: list[Priority] | None = strawberry.field(default=None, description="Any of.")
    technician_id: strawberry.ID | None = strawberry.field(default=None, description="Tech.")
    booked_from: datetime | None = strawberry.field(default=None, description="Booked at/after.")
    booked_to: datetime | None = strawberry.field(default=None, description="Booked before.")
