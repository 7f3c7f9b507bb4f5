"""When a changed ETA is worth a "sooner" or "later" message: never for a wobble.

A customer told "around 2:40 pm" hears again only when a new estimate differs by at
least `material`, the new estimate is stable (two consecutive estimates agree within
`agree` AND it has held for `stable`; set `stable` to zero for "two in a row"), and no
sooner/later message went out for this job within `interval`. Pure: the caller keeps
the `Candidate` on the job between estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Change(StrEnum):
    SOONER = "sooner"
    LATER = "later"


@dataclass(frozen=True, slots=True)
class EtaRules:
    material: timedelta = timedelta(minutes=15)
    stable: timedelta = timedelta(minutes=2)
    interval: timedelta = timedelta(minutes=30)
    agree: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A new estimate being watched: its latest value, since when, how many in a row."""

    eta: datetime
    since: datetime
    seen: int = 1


@dataclass(frozen=True, slots=True)
class Verdict:
    change: Change | None  # the message to send now, if any
    candidate: Candidate | None  # what to keep watching (None: nothing pending)


def review(
    rules: EtaRules,
    *,
    told: datetime | None,
    last_change_at: datetime | None,
    candidate: Candidate | None,
    estimate: datetime,
    now: datetime,
) -> Verdict:
    """Decide on one new `estimate` against the ETA the customer was `told`."""
    if told is None or abs(estimate - told) < rules.material:
        return Verdict(None, None)  # nothing told, or nothing worth telling: stop watching
    if candidate is None or abs(candidate.eta - estimate) > rules.agree:
        return Verdict(None, Candidate(estimate, now))
    held = Candidate(estimate, candidate.since, candidate.seen + 1)
    if held.seen < 2 or now - held.since < rules.stable:
        return Verdict(None, held)
    if last_change_at is not None and now - last_change_at < rules.interval:
        return Verdict(None, held)
    return Verdict(Change.SOONER if estimate < told else Change.LATER, None)


def worth_telling(
    rules: EtaRules,
    *,
    told: datetime | None,
    last_change_at: datetime | None,
    eta: datetime,
    now: datetime,
) -> bool:
    """For an ETA a person reported (the tech is running late): material and not
    within `interval` of the last change message. A report is stable by its nature."""
    if told is not None and abs(eta - told) < rules.material:
        return False
    return last_change_at is None or now - last_change_at >= rules.interval
