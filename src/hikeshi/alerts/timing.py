"""Durations people type (`5m`, `1h30m`) and moments they type (ISO 8601, with or without an offset)."""

from __future__ import annotations

import re
from datetime import timedelta

from hikeshi.core.errors import InvalidInput

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str, *, field: str) -> timedelta:
    """`30s`, `5m`, `1h30m`, `2d`: units from days to seconds, largest first; zero is refused."""
    compact = text.strip().lower().replace(" ", "")
    match = DURATION.fullmatch(compact)
    if not compact or match is None:
        raise InvalidInput(
            "{field}: '{value}' is not a duration such as 30s, 5m, 1h30m or 1d", field=field, value=text
        )
    seconds = sum(int(part or 0) * unit for part, unit in zip(match.groups(), UNITS.values(), strict=True))
    if seconds <= 0:
        raise InvalidInput("{field}: must be longer than zero", field=field)
    return timedelta(seconds=seconds)


def format_duration(seconds: float) -> str:
    """The shortest of `1d2h`, `5m`, `45s` that says it exactly (to the second)."""
    remaining = round(seconds)
    if remaining <= 0:
        return "0s"
    parts = []
    for unit, size in UNITS.items():
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_minutes(text: str, *, field: str) -> int:
    """A duration in whole minutes (`30m`, `2h`)."""
    seconds = int(parse_duration(text, field=field).total_seconds())
    if seconds % 60:
        raise InvalidInput("{field}: '{value}' is not a whole number of minutes", field=field, value=text)
    return seconds // 60
