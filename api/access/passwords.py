"""Passwords: argon2id hashes, a minimum length, and a list of common passwords refused.

Hashing is slow on purpose (tens of milliseconds), so it runs in a worker thread and
never stalls the event loop. `verify_or_dummy` does the same work for an unknown login
as for a known one, so the time of a refusal says nothing about which logins exist.
"""

from __future__ import annotations

import asyncio
import secrets
from functools import cache
from importlib import resources
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.core.errors import InvalidInput

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 256  # argon2 takes anything; a megabyte "password" is an attack
# OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~30 ms here, two cores shared.
_HASHER: Final = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (lower case), read once."""
    text = resources.files("api.access").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_strength(password: str, *, login: str = "", field: str = "password") -> None:
    """Refuse a password that is too short, too long, common, or the login itself."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_LENGTH} characters", field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_LENGTH} characters", field)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        raise InvalidInput("that password is too common; choose a less guessable one", field)
    if login and login.lower() in lowered:
        raise InvalidInput("the password must not contain the sign-in name", field)


def generate_password() -> str:
    """A temporary password: 16 URL-safe characters (~96 bits)."""
    return secrets.token_urlsafe(12)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


async def verify_or_dummy(stored: str | None, password: str) -> bool:
    """Check a password against its hash, or against a dummy one when there is no
    account, so both refusals cost the same."""
    if stored is None:
        await asyncio.to_thread(_verify, _dummy_hash(), password)
        return False
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
