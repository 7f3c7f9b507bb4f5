"""The domain's enums, registered with strawberry once, before any type uses them."""

from __future__ import annotations

import strawberry

from api.core.domain import JobKind, JobStatus, Priority, Role, TechStatus

strawberry.enum(JobStatus, description="Where a job is in its life.")
strawberry.enum(TechStatus, name="TechnicianStatus", description="What a technician is doing.")
strawberry.enum(JobKind, description="What sort of visit a job is.")
strawberry.enum(Priority, description="How urgent a job is.")
strawberry.enum(Role, description="What a caller is allowed to do.")

__all__ = ["JobKind", "JobStatus", "Priority", "Role", "TechStatus"]
