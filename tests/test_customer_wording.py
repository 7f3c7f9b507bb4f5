"""The words customers read, without servers: local time said as people say it, signed,
and the ETA policy that keeps sooner/later messages from contradicting each other."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from api.customers import webhooks, wording
from api.customers.eta_policy import Candidate, Change, EtaRules, review, worth_telling
from api.customers.wording import Company

ACME = Company("Hill Country Home Services", "(512) 555-0100", "America/Chicago")
ZONE = ACME.zone
# 2026-12-03 is a Thursday; Chicago is UTC-6 in December.
NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 10 am in Austin
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}")


def local(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


def test_clock_times_are_twelve_hour_local() -> None:
    """UTC instants read as the company's local time: `2:40 pm`, `8 am`, `noon`, `midnight`."""
    assert wording.clock_time(datetime(2026, 12, 3, 20, 40, tzinfo=UTC), ZONE) == "2:40 pm"
    assert wording.clock_time(local(8), ZONE) == "8 am"
    assert wording.clock_time(local(12), ZONE) == "noon"
    assert wording.clock_time(local(0), ZONE) == "midnight"
    assert wording.clock_time(local(12, 5), ZONE) == "12:05 pm"


def test_windows_read_like_the_trade_says_them() -> None:
    """Windows: `today between 12 and 4 pm`, `tomorrow between 8 am and noon`."""
    assert wording.window(local(12), local(16), NOW, ZONE) == "today between 12 and 4 pm"
    assert (
        wording.window(local(8, day=4), local(12, day=4), NOW, ZONE)
        == "tomorrow between 8 am and noon"
    )
    assert wording.window(local(10), local(14), NOW, ZONE) == "today between 10 am and 2 pm"
    assert wording.window(local(8, 30), local(11), NOW, ZONE) == "today between 8:30 and 11 am"
    assert wording.window(local(8, day=5), local(12, day=5), NOW, ZONE).startswith("on Saturday")
    far = wording.window(local(8, day=14), local(12, day=14), NOW, ZONE)
    assert far == "on Monday, December 14 between 8 am and noon"


def test_around_rounds_to_five_minutes_and_names_the_day() -> None:
    """An estimate is said to five minutes, with the day when it is not today."""
    assert wording.around(local(14, 38) + timedelta(seconds=30), NOW, ZONE) == "around 2:40 pm"
    assert wording.around(local(14, 42), NOW, ZONE) == "around 2:40 pm"
    assert wording.around(local(11, 58), NOW, ZONE) == "around noon"
    assert wording.around(local(8, 10, day=4), NOW, ZONE) == "tomorrow around 8:10 am"


def test_every_text_is_signed_and_free_of_utc_and_iso() -> None:
    """Each sentence ends with the company's name and phone and has no UTC or ISO time."""
    eta, url = local(14, 39), "https://x.test/track/abc"
    texts = [
        wording.on_the_way(ACME, "Maria", eta, NOW, url),
        wording.heads_up(ACME, eta, NOW, url),
        wording.moved_up(ACME, eta, NOW, url, before_window=True),
        wording.moved_up(ACME, eta, NOW, url, before_window=False),
        wording.sooner(ACME, eta, NOW, url),
        wording.later(ACME, eta, NOW, None),
        wording.missed_window(ACME),
        wording.rescheduled(ACME, local(8, day=4), local(12, day=4), NOW),
    ]
    for text in texts:
        assert text.endswith("- Hill Country Home Services, (512) 555-0100"), text
        assert "UTC" not in text and not ISO.search(text), text
    assert "around 2:40 pm" in texts[0] and "Maria" in texts[0]
    assert "tomorrow between 8 am and noon" in texts[-1]


def test_phones_read_as_written_and_may_be_missing() -> None:
    """An E.164 number is signed as (512) 555-0100; no phone signs with the name only."""
    e164 = Company("Acme", "+15125550100", "America/Chicago")
    assert wording.missed_window(e164).endswith("- Acme, (512) 555-0100")
    assert wording.missed_window(Company("Acme", "", "America/Chicago")).endswith("\n- Acme")


def test_status_words() -> None:
    """Statuses are words, and an unknown one never leaks its code."""
    assert wording.status_words("en_route") == "On the way"
    assert wording.status_words("weird_internal") == "Booked"


RULES = EtaRules(
    material=timedelta(minutes=15),
    stable=timedelta(minutes=2),
    interval=timedelta(minutes=30),
    agree=timedelta(minutes=5),
)


def test_a_small_change_is_never_told() -> None:
    """A 10-minute wobble from the ETA told sends nothing and watches nothing."""
    told = local(15)
    verdict = review(
        RULES,
        told=told,
        last_change_at=None,
        candidate=None,
        estimate=told - timedelta(minutes=10),
        now=NOW,
    )
    assert verdict.change is None and verdict.candidate is None


def test_a_material_change_must_hold_before_it_is_told() -> None:
    """The 14:39-then-15:00 flip: a first material estimate is only watched; it is told
    once a second agreeing estimate comes after it has held for `stable`."""
    told = local(15)
    first = review(
        RULES, told=told, last_change_at=None, candidate=None, estimate=local(14, 39), now=NOW
    )
    assert first.change is None and first.candidate is not None
    soon = review(
        RULES,
        told=told,
        last_change_at=None,
        candidate=first.candidate,
        estimate=local(14, 40),
        now=NOW + timedelta(seconds=6),
    )
    assert soon.change is None  # agrees, but has not held long enough
    back = review(
        RULES,
        told=told,
        last_change_at=None,
        candidate=soon.candidate,
        estimate=local(15, 1),
        now=NOW + timedelta(seconds=30),
    )
    assert back.change is None and back.candidate is None  # it went back: nothing said
    held = Candidate(local(14, 40), NOW, 1)
    later = review(
        RULES,
        told=told,
        last_change_at=None,
        candidate=held,
        estimate=local(14, 41),
        now=NOW + timedelta(minutes=3),
    )
    assert later.change is Change.SOONER and later.candidate is None


def test_at_most_one_change_message_per_interval() -> None:
    """A stable material change within 30 minutes of the last one waits."""
    held = Candidate(local(16), NOW, 3)
    verdict = review(
        RULES,
        told=local(15),
        last_change_at=NOW - timedelta(minutes=10),
        candidate=held,
        estimate=local(16),
        now=NOW + timedelta(minutes=5),
    )
    assert verdict.change is None and verdict.candidate is not None
    assert not worth_telling(
        RULES, told=local(15), last_change_at=NOW - timedelta(minutes=10), eta=local(17), now=NOW
    )
    assert worth_telling(RULES, told=local(15), last_change_at=None, eta=local(15, 30), now=NOW)


def test_webhook_signature_matches_the_standard_webhooks_example() -> None:
    """The signature of the Standard Webhooks spec's own example verifies."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    msg_id, stamp = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhooks.signature(secret, msg_id, stamp, body) == expected
    sent = webhooks.headers(secret, msg_id, stamp, body)
    assert webhooks.verify(secret, sent, body, stamp + 10)
    assert not webhooks.verify(secret, sent, body + b" ", stamp + 10)
    assert not webhooks.verify(secret, sent, body, stamp + 3600)
