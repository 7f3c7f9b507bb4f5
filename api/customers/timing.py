"""When the customer hears from us: the tech is on the way (with an ETA and a tracking
link), about an hour before arrival for a job assigned earlier, a materially and stably
changed ETA, an earlier visit for an urgency-list customer, a missed window.

Each notice is one transaction: the once-only mark (or the ETA told) on the job and the
outbox message together, so two API processes never send the same one twice, and a
crash never leaves a mark without its message. What the customer was told is kept on
the job (`customer_eta`): the tracking page shows it, and later notices are measured
against it, never contradicting it for a wobble.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from api.customers.company import CompanySource
from api.customers.eta_policy import Candidate, Change, EtaRules, review
from api.customers.notices import Facts, compose
from api.customers.notifications import Notifier, told
from api.customers.places import point
from api.customers.tracking import tracking_token
from api.persistence.driver_errors import maps_driver_errors
from api.persistence.outbox import Session, remember
from api.persistence.store import Doc, Store
from routing import GeodesicTravel, TravelModel

Expected = Callable[[str], tuple[str, datetime] | None]  # job id -> (tech id, arrival)
SOON = timedelta(minutes=15)  # the earliest a heads-up may say the tech arrives


class CustomerTiming:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        public_url: str,
        heads_up: timedelta = timedelta(hours=1),
        travel: TravelModel | None = None,
        rules: EtaRules | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.heads_up = heads_up
        self.travel = travel or GeodesicTravel()
        self.rules = rules or notifier.rules
        self.expected: Expected | None = None  # the look-ahead plan, once it runs

    @property
    def company(self) -> CompanySource:
        return self.notifier.company

    async def tracking_url(self, job: Doc) -> str:
        return f"{self.public_url}/track/{await tracking_token(self.store, job)}"

    async def words(self, job: Doc, kind: str, facts: Facts, *, link: bool = True) -> str:
        """The notice's text in the company's words, with the tracking link (fetched,
        and created on first use, unless `facts.url` already has it)."""
        url = facts.url or (await self.tracking_url(job) if link else None)
        return compose(await self.company(), kind, job, replace(facts, url=url))

    async def stage(self, session: Session, job: Doc, kind: str, facts: Facts) -> Doc:
        """For dispatch: write the notice of `kind` to the outbox inside the caller's
        transaction (`session`), so it exists exactly when the caller's change commits.
        It writes nothing else: take `tracking_url(job)` BEFORE the transaction and pass
        it as `facts.url`; set the once-only mark (e.g. `on_the_way_at`), `eta` and
        `customer_eta` (`notifications.told`) in the caller's own job update; call
        `notifier.committed()` after the commit to wake the worker."""
        text = compose(await self.company(), kind, job, facts)
        return await self.notifier.stage(session, job, kind, text, facts.eta)

    async def _drive(self, job: Doc, now: datetime) -> tuple[Doc, datetime] | None:
        """The job's tech and when they would arrive driving from where they are now."""
        tech: Doc | None = await self.store.technicians.find_one({"_id": job.get("tech_id")})
        if tech is None or not tech.get("location"):
            return None
        minutes = self.travel.minutes(point(tech["location"]), point(job["location"]))
        return tech, now + timedelta(minutes=minutes)

    @maps_driver_errors
    async def on_the_way(self, job: Doc, now: datetime) -> Doc | None:
        """The tech started driving: tell the customer the ETA, once. A time they were
        already given stands unless the drive changes it materially."""
        drive = await self._drive(job, now)
        if drive is None:
            return None
        tech, eta = drive
        said: datetime | None = (job.get("customer_eta") or {}).get("eta")
        spoken = said if said is not None and abs(eta - said) < self.rules.material else eta
        first = tech["name"].split()[0]
        text = await self.words(job, "on_the_way", Facts(now, spoken, tech_first=first))
        message = self.notifier.message(job, "on_the_way", text, spoken, now)
        after = await self.notifier.commit(
            {"_id": job["_id"], "on_the_way_at": {"$exists": False}},
            {"on_the_way_at": now, "eta": eta, "customer_eta": told(spoken, now, "on_the_way")},
            message,
            eta_changed=True,
        )
        return message if after is not None else None

    @maps_driver_errors
    async def moved_up(self, job: Doc, now: datetime) -> Doc | None:
        """An urgency-list customer got an earlier visit: tell them, once ("sooner" only
        when it is materially before their window). The promised time becomes the job's
        ETA, so the plan and the board expect the tech then, not at the window's start."""
        travel_min = float(job.get("assignment", {}).get("travel_min", 30))
        eta = now + timedelta(minutes=travel_min)
        early = eta <= job["window_start"] - self.rules.material
        text = await self.words(job, "moved_up", Facts(now, eta, before_window=early))
        message = self.notifier.message(job, "moved_up", text, eta, now)
        after = await self.notifier.commit(
            {"_id": job["_id"], "status": "assigned", "moved_up_at": {"$exists": False}},
            {
                "moved_up_at": now,
                "eta": eta,
                "customer_eta": told(eta, now, "moved_up"),
                "eta_change_at": now,
            },
            message,
            eta_changed=True,
        )
        return message if after is not None else None

    @maps_driver_errors
    async def send_missed_windows(self, now: datetime) -> int:
        """Calls nobody could reach within their window (a late call, a full board) wait
        for the next day's board, and the customer is told so, once."""
        due = self.store.jobs.find(
            {"status": "booked", "window_end": {"$lt": now}, "missed_window_at": {"$exists": False}}
        )
        told_count = 0
        async for job in due:
            text = await self.words(job, "missed_window", Facts(now), link=False)
            message = self.notifier.message(job, "missed_window", text, None, now)
            after = await self.notifier.commit(
                {"_id": job["_id"], "status": "booked", "missed_window_at": {"$exists": False}},
                {"missed_window_at": now},
                message,
            )
            told_count += after is not None
        return told_count

    @maps_driver_errors
    async def send_heads_up(self, now: datetime) -> int:
        """About an hour out, for assigned jobs whose window is near and whose customer
        has not been given an arrival time yet: one call each, at the plan's time."""
        due = self.store.jobs.find(
            {
                "status": "assigned",
                "heads_up_at": {"$exists": False},
                "customer_eta": {"$exists": False},
                "window_start": {"$lte": now + self.heads_up},
            }
        )
        sent = 0
        async for job in due:
            eta = max(self._planned(job), now + SOON)
            text = await self.words(job, "heads_up", Facts(now, eta))
            message = self.notifier.message(job, "heads_up", text, eta, now)
            after = await self.notifier.commit(
                {
                    "_id": job["_id"],
                    "status": "assigned",
                    "heads_up_at": {"$exists": False},
                    "customer_eta": {"$exists": False},
                },
                {"heads_up_at": now, "customer_eta": told(eta, now, "heads_up")},
                message,
            )
            sent += after is not None
        return sent

    def _planned(self, job: Doc) -> datetime:
        """The arrival the system expects: the job's ETA, the plan's, or the window."""
        if job.get("eta") is not None:
            eta: datetime = job["eta"]
            return eta
        expected = self.expected(job["_id"]) if self.expected else None
        if expected is not None:
            return expected[1]
        start: datetime = job["window_start"]
        return start

    @maps_driver_errors
    async def review_etas(self, now: datetime) -> int:
        """Re-estimate arrivals of techs driving to customers who were told a time; send
        a sooner/later message only when `eta_policy` says the change is worth it."""
        driving = self.store.jobs.find({"status": "en_route", "customer_eta": {"$exists": True}})
        sent = 0
        async for job in driving:
            drive = await self._drive(job, now)
            if drive is None:
                continue
            said, kept = job["customer_eta"], job.get("eta_candidate")
            verdict = review(
                self.rules,
                told=said["eta"],
                last_change_at=job.get("eta_change_at"),
                candidate=Candidate(**kept) if kept else None,
                estimate=drive[1],
                now=now,
            )
            if verdict.change is None:
                watched = _candidate_doc(verdict.candidate)
                if watched != kept:
                    await remember(self.store, job["_id"], {"eta_candidate": watched})
                continue
            sent += await self._tell_change(job, verdict.change, drive[1], now)
        return sent

    async def _tell_change(self, job: Doc, change: Change, eta: datetime, now: datetime) -> bool:
        text = await self.words(job, change.value, Facts(now, eta))
        message = self.notifier.message(job, change.value, text, eta, now)
        after = await self.notifier.commit(
            {"_id": job["_id"], "status": "en_route", "customer_eta.at": job["customer_eta"]["at"]},
            {
                "eta": eta,
                "customer_eta": told(eta, now, change.value),
                "eta_change_at": now,
                "eta_candidate": None,
            },
            message,
            eta_changed=True,
        )
        return after is not None


def _candidate_doc(candidate: Candidate | None) -> Doc | None:
    if candidate is None:
        return None
    return {"eta": candidate.eta, "since": candidate.since, "seen": candidate.seen}
