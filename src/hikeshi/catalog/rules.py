"""Pure rules of the catalog: regions, store languages, phone numbers. No I/O."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import DEFAULT_TIMEZONE


class Region(StrEnum):
    """Where a store is: what announcements count ("n stores in Japan, m overseas")."""

    JAPAN = "jp"
    OVERSEAS = "overseas"


REGION_NAMES: Final[dict[Region, tuple[str, str]]] = {
    Region.JAPAN: ("日本", "Japan"),
    Region.OVERSEAS: ("海外", "Overseas"),
}
REGION_LABELS: Final[dict[Region, str]] = {Region.JAPAN: N_("Japan"), Region.OVERSEAS: N_("Overseas")}
STORE_LANGUAGES: Final = ("ja", "en")
# The web booking product: an outage of it reaches diners, not only the restaurants.
WEB_BOOKING_SLUG: Final = "web-booking"
MAX_DESCRIPTION: Final = 2000
MAX_POSITION: Final = 10_000
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,30}$")
_REGION_ALIASES: Final[dict[str, Region]] = {
    alias.lower(): region for region, names in REGION_NAMES.items() for alias in (region.value, *names)
}


def region_name(region: str, language: str) -> str:
    try:
        names = REGION_NAMES[Region(region)]
    except ValueError:
        return region
    return names[1] if language == "en" else names[0]


def parse_region(value: str, *, field: str = "region") -> Region:
    """A region code (jp, overseas), or its Japanese or English name."""
    region = _REGION_ALIASES.get(value.strip().lower())
    if region is None:
        raise InvalidInput("{field}: '{value}' is not jp or overseas", field=field, value=value)
    return region


def parse_regions(values: list[str] | tuple[str, ...]) -> list[Region]:
    return sorted({parse_region(value, field="regions") for value in values if value.strip()})


def default_timezone(region: Region) -> str | None:
    """Stores in Japan keep Japan's time; an overseas store must say where it is."""
    return DEFAULT_TIMEZONE if region is Region.JAPAN else None


def default_language(region: Region) -> str:
    return "ja" if region is Region.JAPAN else "en"


def parse_store_language(value: str, *, field: str = "language") -> str:
    language = value.strip().lower()
    if language not in STORE_LANGUAGES:
        raise InvalidInput("{field}: '{value}' is not ja or en", field=field, value=value)
    return language


def validate_description(value: str, *, field: str) -> str:
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=MAX_DESCRIPTION)
    return text


def validate_position(value: int, *, field: str = "position") -> int:
    """Where a product is listed: smaller first."""
    if not 0 <= value <= MAX_POSITION:
        raise InvalidInput("{field}: must be between 0 and {limit}", field=field, limit=MAX_POSITION)
    return value


def normalize_phone(value: str, *, field: str = "phone") -> str:
    """A phone number as people write it (digits, spaces, hyphens, brackets, a leading +); empty is fine."""
    phone = value.strip()
    if phone and not _PHONE.match(phone):
        raise InvalidInput("{field}: '{value}' is not a phone number", field=field, value=value)
    return phone
