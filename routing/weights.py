"""The tunable weights of the scored policy, with the reasons for their defaults.

The defaults were tuned on the day simulator (`bench/policies.py`, 10 techs, 5 seeds):
driving is charged extra because a tech who drives earns nothing while another tech
could have taken the job nearer; ageing is strong enough that the overnight backlog
is reached before its windows expire; better closers lean toward the richer jobs.
(Tried and not kept: emergency 2.0 and overdue ageing 0.5 served slightly more jobs
but earned less.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from routing.feasibility import LATE_TOLERANCE_MIN
from routing.model import PRIORITIES


def _default_priority() -> Mapping[str, float]:
    return MappingProxyType({"emergency": 3.0, "high": 1.5, "normal": 1.0, "low": 0.8})


def _default_kind() -> Mapping[str, float]:
    # A customer with no heat/AC or no water is worse off than one waiting for a tune-up.
    return MappingProxyType({"broken_equipment": 1.3})


@dataclass(frozen=True)
class Weights:
    """Tunable multipliers applied to revenue per hour. Every adjustment is multiplicative.

    - priority: multiplier per job priority (must cover every priority).
    - kind: multiplier per job kind; kinds not listed get 1.0.
    - urgency_list: multiplier for jobs the office flagged on the urgency list.
    - waiting_per_hour / overdue_per_hour / waiting_max: ageing, 1 + waiting_per_hour *
      hours since booked_at + overdue_per_hour * hours since window_end, capped at
      waiting_max, so old cheap jobs eventually beat fresh valuable ones.
    - lateness_per_hour: 1 / (1 + lateness_per_hour * late hours this drive adds), where
      the added lateness is how far past window_end the tech arrives minus how far past
      it the job already is: a job that is late anyway is not pushed further back.
    - late_tolerance_min: a job is not offered if the tech would arrive more than this
      long after window_end (it is rebooked instead).
    - drive_penalty: driving is charged (1 + drive_penalty) times its minutes; the
      `drive` multiplier is (travel + wait + duration) / (that plus the surcharge).
      Ageing softens it (the surcharge is divided by `waiting`), so an old job far away
      is still reached.
    - match_lean: better closers lean toward richer jobs, weaker ones toward cheaper and
      quicker ones: `match` = (value / median open value) ** (match_lean * (r - 1)), with
      r = close_rate * ticket_factor / the tech's peer_close_rate (1.0 when unknown).
    - min_job_minutes: floor on travel + wait + duration so a zero-minute job cannot
      divide by zero.
    """

    priority: Mapping[str, float] = field(default_factory=_default_priority)
    kind: Mapping[str, float] = field(default_factory=_default_kind)
    urgency_list: float = 1.25
    waiting_per_hour: float = 0.2
    overdue_per_hour: float = 0.0
    waiting_max: float = 4.0
    lateness_per_hour: float = 1.0
    late_tolerance_min: float = LATE_TOLERANCE_MIN
    drive_penalty: float = 3.0
    match_lean: float = 2.5
    min_job_minutes: float = 1.0

    def __post_init__(self) -> None:
        missing = PRIORITIES - set(self.priority)
        if missing:
            raise ValueError(f"priority weights missing for {sorted(missing)}")
        multipliers = [*self.priority.values(), *self.kind.values(), self.urgency_list]
        if any(not m > 0.0 for m in multipliers):
            raise ValueError("priority, kind and urgency_list multipliers must be > 0")
        if min(self.waiting_per_hour, self.overdue_per_hour) < 0.0 or self.waiting_max < 1.0:
            raise ValueError("waiting/overdue_per_hour must be >= 0 and waiting_max >= 1")
        if self.lateness_per_hour < 0.0 or self.late_tolerance_min < 0.0:
            raise ValueError("lateness_per_hour and late_tolerance_min must be >= 0")
        if self.drive_penalty < 0.0 or self.match_lean < 0.0:
            raise ValueError("drive_penalty and match_lean must be >= 0")
        if not self.min_job_minutes > 0.0:
            raise ValueError("min_job_minutes must be > 0")
