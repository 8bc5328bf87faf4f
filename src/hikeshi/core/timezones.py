"""Time zones: IANA names only, validated, default Asia/Tokyo; display converts from stored UTC."""

from __future__ import annotations

from datetime import UTC, datetime
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


def parse_moment(text: str, *, zone: str, field: str) -> datetime:
    """ISO 8601; with an offset (`+09:00`, `Z`) it means that instant, without one a wall time in `zone`."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not an ISO 8601 time such as 2026-12-24T22:00+09:00",
            field=field,
            value=text,
        ) from None
    return in_zone(parsed, zone=zone, field=field)


def in_zone(moment: datetime, *, zone: str, field: str) -> datetime:
    """An aware moment in UTC; a naive one is read as a wall time in `zone`, refused if the clocks skip it."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    local = moment.replace(tzinfo=ZoneInfo(zone))
    if local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) != moment:
        raise InvalidInput(
            "{field}: {value} does not exist in {zone} (the clocks skip it); give an offset",
            field=field,
            value=moment.isoformat(timespec="minutes"),
            zone=zone,
        )
    return local.astimezone(UTC)
