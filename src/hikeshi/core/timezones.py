"""Time zones: IANA names only, validated, default Asia/Tokyo; display converts from stored UTC."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from hikeshi.core.clock import ensure_utc
from hikeshi.core.errors import InvalidInput

DEFAULT_TIMEZONE = "Asia/Tokyo"


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def common_timezones() -> list[str]:
    """The zones offered first in forms; every IANA zone is still accepted."""
    return [
        "Asia/Tokyo",
        "UTC",
        "Asia/Seoul",
        "Asia/Shanghai",
        "Asia/Taipei",
        "Asia/Singapore",
        "Asia/Bangkok",
        "Australia/Sydney",
        "Europe/London",
        "Europe/Paris",
        "America/New_York",
        "America/Los_Angeles",
        "Pacific/Honolulu",
    ]


def validate_timezone(name: str, *, field: str = "timezone") -> str:
    if name not in known_timezones():
        raise InvalidInput(
            "{field}: '{value}' is not an IANA time zone such as Asia/Tokyo",
            field=field,
            value=name,
        )
    return name


def to_zone(moment: datetime, zone: str) -> datetime:
    return ensure_utc(moment).astimezone(ZoneInfo(zone))
