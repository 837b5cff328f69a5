"""Wire formats shared by the simulator: Emby dates, ticks, deterministic ids and hashes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from ...emby.models import TICKS_PER_SECOND

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MASK64 = (1 << 64) - 1


def emby_date(when: datetime) -> str:
    """Format like Emby: UTC, 7 fractional digits, `Z` suffix (e.g. 2025-01-09T22:31:50.9443462Z)."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond * 10:07d}Z"


def emby_date_us(micros: int) -> str:
    """`emby_date` for a microsecond epoch timestamp (how compact records store dates)."""
    return emby_date(EPOCH + timedelta(microseconds=micros))


def to_micros(when: datetime) -> int:
    delta = when.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def parse_emby_date(text: str) -> datetime:
    """Parse leniently: 0-7 fractional digits, `Z` or an offset, or a bare date (taken as UTC)."""
    value = text.strip().replace(" ", "+") if "T" in text else text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, rest = value.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        value = f"{head}.{(digits + '000000')[:6]}{rest}"
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def mix64(*parts: int) -> int:
    """splitmix64 over the parts: a fast, stable per-item pseudo-random value (no state, no stored RNG)."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        x = (x ^ (x >> 31)) * 0x94D049BB133111EB & _MASK64
        x ^= x >> 29
    return x


def hex32(*parts: int) -> str:
    """A 32-hex id or tag derived from integers (two splitmix rounds, no hashlib per call)."""
    return f"{mix64(*parts, 1):016x}{mix64(*parts, 2):016x}"


def hex_id(seed: int, *labels: str | int) -> str:
    """A 32-hex Emby-style id (users, sessions, server) derived from the seed and labels."""
    text = ":".join(str(label) for label in (seed, *labels))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def ticks(seconds: float) -> int:
    return round(seconds * TICKS_PER_SECOND)
