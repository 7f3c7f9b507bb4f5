"""Phone numbers in one form, E.164 (`+15125550100`), so the same phone is the same key.

Numbers given without a country code are read in the company's region
(`NEXTJOB_DEFAULT_REGION`); anything `phonenumbers` cannot make a possible number of is
BAD_USER_INPUT.
"""

from __future__ import annotations

import phonenumbers

from api.core.errors import InvalidInput


def e164(raw: str, region: str, field: str = "phone") -> str:
    """The E.164 form of a phone number, or BAD_USER_INPUT."""
    value = raw.strip()
    if not value or len(value) > 32:
        raise InvalidInput(f"{field} must be a phone number", field)
    try:
        parsed = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{field} is not a phone number", field) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(f"{field} is not a possible phone number", field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def search_form(raw: str, region: str) -> str | None:
    """The E.164 form of a search string that looks like a phone number, else None."""
    digits = sum(c.isdigit() for c in raw)
    if digits < 7:
        return None
    try:
        return e164(raw, region)
    except InvalidInput:
        return None
