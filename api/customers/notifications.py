"""Customer notifications: written to the outbox in the same transaction as their cause,
delivered later by the outbox worker (api/customers/delivery.py).

The words come from `wording` (local time, signed by the company), whatever text a
caller passes for a kind it knows. What the customer was last told about the arrival is
kept on the job (`customer_eta`), so later messages never contradict it for nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from api.core.clock import Clock, utcnow
from api.customers import wording
from api.customers.company import CompanySource
from api.customers.eta_policy import EtaRules, worth_telling
from api.customers.notices import KINDS, Facts, compose
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.outbox import Delivery, Session, commit_notice, for_job, stage
from api.persistence.store import Doc, Store


def told(eta: datetime, now: datetime, kind: str) -> Doc:
    """The `customer_eta` record: the arrival the customer now has in mind."""
    return {"eta": eta, "at": now, "kind": kind}


class Notifier:
    def __init__(
        self,
        store: Store,
        company: CompanySource,
        clock: Clock = utcnow,
        rules: EtaRules | None = None,
        *,
        delivers: bool = True,
    ) -> None:
        self.store = store
        # No webhook configured: messages are recorded as they commit, nothing to send.
        self.first_status = Delivery.PENDING if delivers else Delivery.RECORDED
        self.company = company
        self.clock = clock
        self.rules = rules or EtaRules()
        self.committed: Callable[[], None] = lambda: None  # the worker's wake-up

    def message(self, job: Doc, kind: str, text: str, eta: datetime | None, now: datetime) -> Doc:
        """A new outbox document (not yet written)."""
        return {
            "_id": "ntf_" + secrets.token_hex(8),
            "job_id": job["_id"],
            "tech_id": job.get("tech_id"),  # for the dispatcher's alert if it fails
            "kind": kind,
            "to": job["customer"]["phone"],
            "text": text,
            "eta": eta,
            "created_at": now,
            "status": self.first_status.value,
            "attempts": 0,
            "next_attempt_at": now,
        }

    async def commit(
        self, job_filter: Doc, job_set: Doc, message: Doc | None, *, eta_changed: bool = False
    ) -> Doc | None:
        """The job change and its message, one transaction; the job after, or None."""
        now = self.clock()
        after = await commit_notice(
            self.store,
            job_filter=job_filter,
            job_set=job_set,
            message=message,
            now=now,
            eta_changed=eta_changed,
        )
        if after is not None and message is not None:
            self.committed()
        return after

    async def stage(
        self, session: Session, job: Doc, kind: str, text: str, eta: datetime | None = None
    ) -> Doc:
        """For a caller already in a transaction (dispatch): the message commits or
        aborts with the caller's change. `text` must come from `wording`."""
        message = self.message(job, kind, text, eta, self.clock())
        await stage(self.store, session, message)
        return message

    @maps_driver_errors
    async def notify(
        self, job: Doc, kind: str, text: str | None = None, *, eta: datetime | None = None
    ) -> Doc | None:
        """Tell the customer about `job` (used by voice and the dispatcher's actions).
        Known kinds get their words from `wording`; a running-late ETA that is not a
        material change from what the customer was told, or comes within the change
        interval, is not sent (None)."""
        now = self.clock()
        company = await self.company()
        said = job.get("customer_eta") or {}
        job_set: Doc = {}
        if kind == "running_late" and eta is not None:
            if not worth_telling(
                self.rules,
                told=said.get("eta"),
                last_change_at=job.get("eta_change_at"),
                eta=eta,
                now=now,
            ):
                return None
            job_set = {"customer_eta": told(eta, now, kind), "eta_change_at": now}
        if kind in KINDS:
            words = compose(company, kind, job, Facts(now, eta))
        else:
            words = wording.generic(company, text or "")
        message = self.message(job, kind, words, eta, now)
        job_set["last_notice_at"] = now
        await self.commit({"_id": job["_id"]}, job_set, message)
        return message

    @maps_driver_errors
    async def for_job(self, job_id: str) -> list[Doc]:
        """What the customer was sent about a job, oldest first, with delivery status."""
        return await for_job(self.store, job_id)
