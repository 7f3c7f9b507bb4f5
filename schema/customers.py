"""Customers: search by phone or name, read one, edit one (CSRs, dispatchers, managers)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.customers import customers
from api.persistence.store import Doc
from schema.context import Info
from schema.permissions import CustomersReader, CustomerWriter, allow
from schema.places import Location


@strawberry.type(description="A place the company works for a customer.")
class ServiceAddress:
    address: str = strawberry.field(description="Street address.")
    location: Location = strawberry.field(description="Where it is.")


@strawberry.type(description="A customer's record: every booking for them is filed under it.")
class CustomerProfile:
    id: strawberry.ID = strawberry.field(description="Opaque customer id.")
    version: int = strawberry.field(description="Bumped by every change.")
    name: str = strawberry.field(description="Customer's name.")
    phone: str = strawberry.field(description="Main phone (E.164).")
    phones: list[str] = strawberry.field(description="Every phone (E.164), main first.")
    addresses: list[ServiceAddress] = strawberry.field(description="Service addresses.")
    notes: str = strawberry.field(description="The office's notes.")
    service_agreement: bool = strawberry.field(description="Has a service agreement.")

    @classmethod
    def from_doc(cls, d: Doc) -> CustomerProfile:
        return cls(
            id=strawberry.ID(d["_id"]),
            version=int(d.get("version", 0)),
            name=d["name"],
            phone=d["phone"],
            phones=list(d.get("phones") or [d["phone"]]),
            addresses=[
                ServiceAddress(address=a["address"], location=Location(lat=a["lat"], lon=a["lon"]))
                for a in d.get("addresses") or []
            ],
            notes=str(d.get("notes") or ""),
            service_agreement=bool(d.get("service_agreement", False)),
        )


@strawberry.input(description="Changes to a customer; omitted fields stay as they are.")
class CustomerEditInput:
    name: str | None = strawberry.field(default=None, description="Customer's name.")
    phones: list[str] | None = strawberry.field(
        default=None, description="Every phone, main first (1-5)."
    )
    notes: str | None = strawberry.field(default=None, description="The office's notes.")
    service_agreement: bool | None = strawberry.field(
        default=None, description="Has a service agreement."
    )


@strawberry.type
class CustomerQuery:
    @strawberry.field(
        description="Customers whose phone is this number, or whose name contains this text.",
        extensions=allow(CustomersReader),
    )
    async def customers(
        self,
        info: Info,
        search: Annotated[str, strawberry.argument(description="A phone number or a name.")],
        first: Annotated[int, strawberry.argument(description="At most this many (1-50).")] = 20,
    ) -> list[CustomerProfile]:
        ctx = info.context
        docs = await customers.search(
            ctx.reader.store, search, ctx.settings.default_region, limit=first
        )
        return [CustomerProfile.from_doc(d) for d in docs]

    @strawberry.field(description="One customer.", extensions=allow(CustomersReader))
    async def customer(self, info: Info, id: strawberry.ID) -> CustomerProfile:
        return CustomerProfile.from_doc(
            await customers.customer(info.context.reader.store, str(id))
        )


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(
        description="Edit a customer, as read at `version` (stale: CONFLICT).",
        extensions=allow(CustomerWriter),
    )
    async def update_customer(
        self, info: Info, id: strawberry.ID, input: CustomerEditInput, version: int | None = None
    ) -> CustomerProfile:
        ctx = info.context
        doc = await customers.edit(
            ctx.reader.store,
            str(id),
            customers.CustomerEdit(
                name=input.name,
                phones=tuple(input.phones) if input.phones is not None else None,
                notes=input.notes,
                service_agreement=input.service_agreement,
            ),
            region=ctx.settings.default_region,
            expect_version=version,
            now=ctx.dispatch.clock(),
            actor=ctx.viewer().as_actor(),
        )
        return CustomerProfile.from_doc(doc)
