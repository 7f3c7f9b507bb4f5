"""Every word a customer reads: times in the company's zone, said the way people say them.

Plain functions over aware datetimes and a `Company`; no I/O, so each sentence is tested
without servers. Customers never see UTC, ISO strings or seconds: an arrival is "around
2:40 pm", a window is "tomorrow between 8 am and noon", and every text is signed with the
company's name and phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

ROUND_TO_MIN = 5  # "around" means it: 2:38 is said as 2:40


@dataclass(frozen=True, slots=True)
class Company:
    """Who speaks to the customer, and in which time zone."""

    name: str
    phone: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


STATUS_WORDS = {
    "booked": "Booked",
    "assigned": "Scheduled",
    "en_route": "On the way",
    "on_site": "Arrived",
    "completed": "Visit complete",
    "cancelled": "Cancelled",
    "rescheduled": "Moved to another day",
}


def status_words(status: str) -> str:
    """The job's status as a customer would say it."""
    return STATUS_WORDS.get(status, "Booked")


def _hour(t: datetime) -> str:
    """`2:40`, `8` (on the hour), in 12-hour form without the meridiem."""
    hour = t.hour % 12 or 12
    return f"{hour}" if t.minute == 0 else f"{hour}:{t.minute:02d}"


def _meridiem(t: datetime) -> str:
    return "am" if t.hour < 12 else "pm"


def clock_time(at: datetime, zone: ZoneInfo) -> str:
    """`2:40 pm`, `8 am`, `noon`, `midnight` in the company's zone."""
    local = at.astimezone(zone)
    if local.minute == 0 and local.hour in (0, 12):
        return "noon" if local.hour == 12 else "midnight"
    return f"{_hour(local)} {_meridiem(local)}"


def rounded(at: datetime, minutes: int = ROUND_TO_MIN) -> datetime:
    """To the nearest `minutes`, seconds dropped: an estimate should not look precise."""
    base = at.replace(second=0, microsecond=0)
    extra = base.minute % minutes
    down = base - timedelta(minutes=extra)
    bump = at - down >= timedelta(minutes=minutes / 2)
    return down + timedelta(minutes=minutes) if bump else down


def day_phrase(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`today`, `tomorrow`, `on Friday` (this week), or `on Friday, December 11`."""
    days = (at.astimezone(zone).date() - now.astimezone(zone).date()).days
    local = at.astimezone(zone)
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if 1 < days < 7:
        return f"on {local:%A}"
    return f"on {local:%A}, {local:%B} {local.day}"


def hour_range(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """`between 12 and 4 pm`, `between 8 am and noon`, `between 10 am and 2 pm`."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    if _meridiem(a) == _meridiem(b) and not (b.hour == 12 and b.minute == 0):
        return f"between {_hour(a)} and {_hour(b)} {_meridiem(b)}"
    return f"between {clock_time(a, zone)} and {clock_time(b, zone)}"


def window(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`today between 12 and 4 pm`, `tomorrow between 8 am and noon`."""
    return f"{day_phrase(start, now, zone)} {hour_range(start, end, zone)}"


def around(eta: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`around 2:40 pm`, or `tomorrow around 8:10 am` when it is not today."""
    said = rounded(eta)
    day = day_phrase(said, now, zone)
    time_words = f"around {clock_time(said, zone)}"
    return time_words if day == "today" else f"{day} {time_words}"


def phone_words(phone: str) -> str:
    """A North American E.164 number as people write it: +15125550100 -> (512) 555-0100."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.startswith("+1") and len(digits) == 11:
        return f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    return phone


def signed(body: str, company: Company) -> str:
    """Every text ends with who sent it and the number to call back (when there is one)."""
    phone = phone_words(company.phone)
    return f"{body}\n- {company.name}, {phone}" if phone else f"{body}\n- {company.name}"


def _track(url: str | None) -> str:
    return f" Follow your visit: {url}" if url else ""


def on_the_way(
    company: Company, tech_first: str, eta: datetime, now: datetime, url: str | None
) -> str:
    """The tech started driving to this customer."""
    body = f"{tech_first} is on the way and should arrive {around(eta, now, company.zone)}."
    return signed(body + _track(url), company)


def heads_up(company: Company, eta: datetime, now: datetime, url: str | None) -> str:
    """About an hour before the visit."""
    body = f"Your technician is expected {around(eta, now, company.zone)}."
    return signed(body + _track(url), company)


def moved_up(
    company: Company, eta: datetime, now: datetime, url: str | None, *, before_window: bool
) -> str:
    """An urgency-list customer gets an earlier visit: "sooner" only when it is before
    the window they were given, else they are simply next."""
    when = around(eta, now, company.zone)
    lead = "we can come sooner" if before_window else "you are next on our schedule"
    body = f"Good news: {lead}. Your technician should arrive {when}."
    return signed(body + _track(url), company)


def sooner(company: Company, eta: datetime, now: datetime, url: str | None) -> str:
    """A material, stable earlier ETA than the one the customer was told."""
    when = around(eta, now, company.zone)
    body = f"Update: your technician is ahead of schedule, now expected {when}."
    return signed(body + _track(url), company)


def later(company: Company, eta: datetime, now: datetime, url: str | None) -> str:
    """A material, stable later ETA than the one the customer was told."""
    body = (
        "Update: your technician is running behind, now expected "
        f"{around(eta, now, company.zone)}. Sorry for the wait."
    )
    return signed(body + _track(url), company)


def missed_window(company: Company) -> str:
    """Nobody reached the call in its window; it waits for the next day's board."""
    body = (
        "We could not reach you within your arrival window today. You are first on "
        "tomorrow's schedule; we will call to confirm the time."
    )
    return signed(body, company)


def rescheduled(company: Company, start: datetime, end: datetime, now: datetime) -> str:
    """The visit moved to another window."""
    body = f"Your visit has moved to {window(start, end, now, company.zone)}. Sorry for the change."
    return signed(body, company)


def generic(company: Company, body: str) -> str:
    """A text this module has no sentence for, still signed."""
    return signed(body, company)
