"""The GraphQL object types: read-only views over stored documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.core import domain
from api.persistence.store import Doc
from schema.context import Info
from schema.enums import JobKind, JobStatus, Priority, Role
from schema.permissions import Staff, TechnicianViewer, allow
from schema.places import ArrivalWindow, Location
from schema.plan import expected_arrival, planned_technician_id
from schema.technician import Technician


@strawberry.type(description="The customer a job is for.")
class Customer:
    name: str = strawberry.field(description="Customer's name.")
    phone: str = strawberry.field(description="Customer's phone number.")


@strawberry.type(description="A named adjustment routing applied to a score.")
class ScoreAdjustment:
    name: str = strawberry.field(description="What was adjusted (priority, urgency...).")
    value: float = strawberry.field(description="The factor or amount applied.")


@strawberry.type(description="Why a job went to its technician.")
class AssignmentReason:
    decided_by: str = strawberry.field(description="`routing` or `dispatcher`.")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    score: float | None = strawberry.field(description="Routing's final score.")
    revenue_per_hour: float | None = strawberry.field(description="Expected $ per hour.")
    expected_sale: float | None = strawberry.field(description="Value x P(sale) x ticket.")
    close_rate: float | None = strawberry.field(description="Tech's shrunk P(sale).")
    travel_minutes: float | None = strawberry.field(description="Estimated drive time.")
    adjustments: list[ScoreAdjustment] = strawberry.field(description="Adjustments applied.")
    runner_up_job_id: strawberry.ID | None = strawberry.field(description="Next best job.")
    runner_up_score: float | None = strawberry.field(
        description="The next best job's score, to compare with this one's."
    )
    promoted_from_urgency_list: bool = strawberry.field(
        description="Moved ahead of better-scoring jobs: urgency-list customer near a freed tech."
    )
    overridden_skills: list[str] = strawberry.field(
        description="Required skills the tech lacks: a dispatcher assigned it anyway, explicitly."
    )
    notes: list[str] = strawberry.field(
        description="The decision in words: promotions, overrides (empty when the score says it)."
    )

    @classmethod
    def from_doc(cls, d: Doc) -> AssignmentReason:
        adj: dict[str, Any] = d.get("adjustments") or {}
        runner = d.get("runner_up_job_id")
        return cls(
            decided_by=d.get("decided_by", "routing"),
            decided_at=d.get("decided_at"),
            score=d.get("score"),
            revenue_per_hour=d.get("revenue_per_hour"),
            expected_sale=d.get("expected_sale"),
            close_rate=d.get("close_rate"),
            travel_minutes=d.get("travel_min"),
            adjustments=[ScoreAdjustment(name=k, value=float(v)) for k, v in sorted(adj.items())],
            runner_up_job_id=strawberry.ID(runner) if runner else None,
            runner_up_score=d.get("runner_up_score"),
            promoted_from_urgency_list=bool(d.get("promoted_from_urgency_list")),
            overridden_skills=list(d.get("overridden_skills") or ()),
            notes=list(d.get("notes") or ()),
        )


@strawberry.type(description="A message to a customer (SMS or call through the provider).")
class CustomerNotification:
    kind: str = strawberry.field(description="on_the_way, heads_up, running_late...")
    text: str = strawberry.field(description="What the customer was told.")
    eta: datetime | None = strawberry.field(description="The arrival time announced.")
    status: str = strawberry.field(description="recorded, sent, or failed: reason.")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_doc(cls, d: Doc) -> CustomerNotification:
        return cls(
            kind=d["kind"],
            text=d["text"],
            eta=d.get("eta"),
            status=d["status"],
            created_at=d["created_at"],
        )


@strawberry.type(description="A booked call: one visit to one customer.")
class Job:
    id: strawberry.ID = strawberry.field(description="Opaque job id.")
    version: int = strawberry.field(description="Bumped by every change; phones compare it.")
    status: JobStatus = strawberry.field(description="Current status.")
    kind: JobKind = strawberry.field(description="Sort of visit.")
    priority: Priority = strawberry.field(description="Urgency.")
    problem: str = strawberry.field(description="What the customer reported.")
    address: str = strawberry.field(description="Street address.")
    location: Location = strawberry.field(description="Where the job is.")
    customer: Customer = strawberry.field(description="Who the job is for.")
    estimated_value: float = strawberry.field(description="Booked value estimate in dollars.")
    duration_minutes: float = strawberry.field(description="Expected minutes on site.")
    required_skills: list[str] = strawberry.field(description="Skills the tech must have.")
    arrival_window: ArrivalWindow = strawberry.field(description="Promised arrival window.")
    urgency_list: bool = strawberry.field(description="Customer asked to be moved up.")
    technician_id: strawberry.ID | None = strawberry.field(description="Assigned technician.")
    booked_at: datetime = strawberry.field(description="When the call was booked.")
    assigned_at: datetime | None = strawberry.field(description="When it was assigned.")
    travel_started_at: datetime | None = strawberry.field(description="When travel began.")
    arrived_at: datetime | None = strawberry.field(description="When the tech arrived.")
    completed_at: datetime | None = strawberry.field(description="When it was completed.")
    sold_amount: float | None = strawberry.field(description="Sold ticket; 0 if no sale.")
    completion_note: str | None = strawberry.field(
        default=None, description="The technician's note on completing the visit."
    )
    eta: datetime | None = strawberry.field(description="Latest expected arrival, if known.")
    _assignment: strawberry.Private[Doc | None]
    _doc: strawberry.Private[Doc]

    @strawberry.field(
        description="Messages sent to the customer about this job.", extensions=allow(Staff)
    )
    async def notifications(self, info: Info) -> list[CustomerNotification]:
        docs = await info.context.timing.notifier.for_job(str(self.id))
        return [CustomerNotification.from_doc(d) for d in docs]

    @strawberry.field(
        description="The customer's tracking link (unguessable, expires after the window).",
        extensions=allow(Staff),
    )
    async def tracking_url(self, info: Info) -> str:
        return await info.context.timing.tracking_url(self._doc)

    @strawberry.field(description="Expected arrival (plan or eta).", extensions=allow(Staff))
    def expected_arrival(self, info: Info) -> datetime | None:
        return expected_arrival(info.context.planner, self._doc)

    @strawberry.field(description="Who the look-ahead plan expects.", extensions=allow(Staff))
    def planned_technician_id(self, info: Info) -> strawberry.ID | None:
        return planned_technician_id(info.context.planner, self._doc)

    @strawberry.field(description="The customer record the job is filed under, if any.")
    def customer_id(self) -> strawberry.ID | None:
        found = self._doc.get("customer_id")
        return strawberry.ID(found) if found else None

    @strawberry.field(description="The office's notes on the booking.")
    def notes(self) -> str | None:
        notes: str | None = self._doc.get("notes")
        return notes

    @strawberry.field(description="Why routing chose this job.", extensions=allow(Staff))
    def assignment(self) -> AssignmentReason | None:
        return AssignmentReason.from_doc(self._assignment) if self._assignment else None

    @strawberry.field(
        description="The technician working (or who worked) the job.",
        extensions=allow(TechnicianViewer),
    )
    async def technician(self, info: Info) -> Technician | None:
        if self.technician_id is None:
            return None
        doc = await info.context.tech_loader.load(str(self.technician_id))
        return Technician.from_doc(doc) if doc else None

    @classmethod
    def from_doc(cls, d: Doc) -> Job:
        tech = d.get("tech_id")
        return cls(
            id=strawberry.ID(d["_id"]),
            version=d["version"],
            status=domain.JobStatus(d["status"]),
            kind=domain.JobKind(d["kind"]),
            priority=domain.Priority(d["priority"]),
            problem=d["problem"],
            address=d["address"],
            location=Location(
                lat=d["location"]["coordinates"][1], lon=d["location"]["coordinates"][0]
            ),
            customer=Customer(name=d["customer"]["name"], phone=d["customer"]["phone"]),
            estimated_value=d["estimated_value"],
            duration_minutes=d["duration_min"],
            required_skills=list(d.get("required_skills", [])),
            arrival_window=ArrivalWindow(start=d["window_start"], end=d["window_end"]),
            urgency_list=bool(d.get("urgency_list", False)),
            technician_id=strawberry.ID(tech) if tech else None,
            booked_at=d["booked_at"],
            assigned_at=d.get("assigned_at"),
            travel_started_at=d.get("travel_started_at"),
            arrived_at=d.get("arrived_at"),
            completed_at=d.get("completed_at"),
            sold_amount=d.get("sold_amount"),
            completion_note=d.get("completion_note"),
            eta=d.get("eta"),
            _assignment=d.get("assignment"),
            _doc=d,
        )


@strawberry.type(description="Who the caller is.")
class Me:
    role: Role = strawberry.field(description="The caller's role.")
    subject: str = strawberry.field(description="The caller's id (a technician id for techs).")
    technician: Technician | None = strawberry.field(description="The caller, if a tech.")
