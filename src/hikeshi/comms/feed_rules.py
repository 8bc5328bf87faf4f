"""The in-app notice feed's shape and its HTTP caching rules (pure, no I/O).

One item per notice, from the notice's own public fields and the products' customer-facing names only:
never an incident's internal title, its notes, store names or people. Times are ISO 8601 in UTC; the
app shows them in the reader's zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final, Protocol

from hikeshi.comms.models import Maintenance, Notice
from hikeshi.comms.rules import Impact, MaintenanceStatus, NoticeKind, PublicStatus, maintenance_status_at
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import Language, parse_language

# An incident's notices stay in the feed this long after it was resolved (the RESOLVED notice is read).
RESOLVED_VISIBLE: Final = timedelta(days=3)
# A maintenance stays this long after it was completed.
COMPLETED_VISIBLE: Final = timedelta(days=1)
MAX_PARAM: Final = 100
# What the app's banner shows, worst last.
LEVELS: Final = ("resolved", "maintenance", "info", "minor", "major", "critical")
_IMPACT_LEVELS: Final = {
    Impact.NONE: "info",
    Impact.MINOR: "minor",
    Impact.MAJOR: "major",
    Impact.CRITICAL: "critical",
}
CACHE_CONTROL: Final = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"


class ProductInfo(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name_ja(self) -> str: ...
    @property
    def name_en(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """What a client asked for, checked: the same query always gets the same ETag."""

    store: str | None
    product: str | None
    language: Language

    @property
    def key(self) -> str:
        return f"{self.store or ''}\x1f{self.product or ''}\x1f{self.language}"


def parse_feed_query(*, store: str | None, product: str | None, lang: str | None) -> FeedQuery:
    """`lang` is ja (the default) or en; a store or product longer than any real one is refused."""
    language: Language = "ja"
    if lang is not None and lang.strip():
        parsed = parse_language(lang)
        if parsed is None:
            raise InvalidInput("lang: '{value}' is not ja or en", field="lang", value=lang[:MAX_PARAM])
        language = parsed
    return FeedQuery(store=_param(store, "store"), product=_param(product, "product"), language=language)


def _param(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_PARAM or any(ord(char) < 32 for char in text):
        raise InvalidInput("{field}: not a valid value", field=field)
    return text


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def localized(ja: str, en: str, language: str) -> str:
    """English when asked for and written; Japanese otherwise (it is always written)."""
    return en if language == "en" and en.strip() else ja


def notice_level(notice: Notice, *, maintenance_status: str | None = None) -> str:
    """The banner colour: resolved, maintenance, or the incident's impact (info, minor, major, critical)."""
    if notice.kind == NoticeKind.RESOLVED or notice.public_status == PublicStatus.RESOLVED:
        return "resolved"
    if notice.kind == NoticeKind.MAINTENANCE:
        done = maintenance_status in (MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED)
        return "resolved" if done else "maintenance"
    try:
        return _IMPACT_LEVELS[Impact(notice.impact)]
    except ValueError:
        return "minor"


def status_path(notice: Notice, *, language: str, status_id: str | None = None) -> str:
    """Where the status page tells the story: the incident's page (`status_id`, the page's own id for
    it), the maintenance on the front page, or the front page."""
    if notice.maintenance_id is not None:
        return f"/status?lang={language}#m{notice.maintenance_id}"
    if status_id is not None:
        return f"/status/incidents/{status_id}?lang={language}"
    return f"/status?lang={language}"


def feed_item(
    *,
    notice: Notice,
    language: str,
    products: Mapping[int, ProductInfo] | None = None,
    maintenance: Maintenance | None = None,
    now: datetime | None = None,
    base_url: str = "",
    status_id: str | None = None,
) -> dict[str, object]:
    """One notice as the app reads it, in `language` (ja, or en falling back to ja where en is empty)."""
    known = products or {}
    maintenance_status = None
    schedule: dict[str, object] | None = None
    if maintenance is not None:
        maintenance_status = (
            maintenance_status_at(maintenance, now=now) if now is not None else maintenance.status
        )
        schedule = {
            "status": maintenance_status,
            "scheduled_for": iso(maintenance.scheduled_for),
            "scheduled_until": iso(maintenance.scheduled_until),
        }
    return {
        "id": notice.id,
        "kind": notice.kind,
        "status": notice.public_status,
        "level": notice_level(notice, maintenance_status=maintenance_status),
        "language": "en" if language == "en" and notice.title_en.strip() else "ja",
        "title": localized(notice.title_ja, notice.title_en, language),
        "body": localized(notice.body_ja, notice.body_en, language),
        "products": [
            {"slug": product.slug, "name": localized(product.name_ja, product.name_en, language)}
            for product_id in notice.product_ids
            if (product := known.get(product_id)) is not None
        ],
        "regions": list(notice.region_codes),
        "published_at": iso(notice.published_at),
        "updated_at": iso(notice.published_at or notice.updated_at),
        "maintenance": schedule,
        "url": base_url + status_path(notice, language=language, status_id=status_id),
    }


def update_item(notice: Notice, *, language: str) -> dict[str, object]:
    """An earlier notice of the same incident or maintenance, under the latest one."""
    return {
        "id": notice.id,
        "kind": notice.kind,
        "status": notice.public_status,
        "title": localized(notice.title_ja, notice.title_en, language),
        "body": localized(notice.body_ja, notice.body_en, language),
        "published_at": iso(notice.published_at),
    }


def concerns(
    *,
    notice_products: list[int],
    notice_regions: list[str],
    product_ids: frozenset[int] | None,
    region: str | None,
) -> bool:
    """Whether a notice is for a reader who uses `product_ids` in `region` (None: anyone)."""
    if product_ids is not None and notice_products and not product_ids.intersection(notice_products):
        return False
    return region is None or not notice_regions or region in notice_regions


def incident_visible(*, latest: Notice, incident_resolved_at: datetime | None, now: datetime) -> bool:
    """An incident's notices show until three days after it (or its RESOLVED notice) said it was over."""
    if incident_resolved_at is not None and incident_resolved_at + RESOLVED_VISIBLE <= now:
        return False
    over = latest.kind == NoticeKind.RESOLVED or latest.public_status == PublicStatus.RESOLVED
    return not over or latest.published_at is None or latest.published_at + RESOLVED_VISIBLE > now


def maintenance_visible(maintenance: Maintenance, *, now: datetime) -> bool:
    """A maintenance shows from its announcement until a day after it was completed; never once cancelled."""
    status = maintenance_status_at(maintenance, now=now)
    if status == MaintenanceStatus.CANCELLED:
        return False
    if status == MaintenanceStatus.COMPLETED:
        return maintenance_ended_at(maintenance) + COMPLETED_VISIBLE > now
    return True


def maintenance_ended_at(maintenance: Maintenance) -> datetime:
    return maintenance.completed_at or maintenance.scheduled_until


def clock_marks(
    *,
    resolved_at: list[datetime],
    resolved_notices_at: list[datetime],
    maintenances: list[Maintenance],
) -> list[datetime]:
    """The moments at which the feed changes by the clock alone, with no new version."""
    marks = [moment + RESOLVED_VISIBLE for moment in (*resolved_at, *resolved_notices_at)]
    for maintenance in maintenances:
        marks += [maintenance.scheduled_for, maintenance.scheduled_until]
        marks.append(maintenance_ended_at(maintenance) + COMPLETED_VISIBLE)
    return marks


def last_modified(*, changed_at: datetime | None, marks: list[datetime], now: datetime) -> datetime | None:
    """The later of the last published change and the last clock mark passed, to the whole second."""
    passed = [mark for mark in marks if mark <= now]
    candidates = [moment for moment in (changed_at, max(passed, default=None)) if moment is not None]
    if not candidates:
        return None
    return max(candidates).astimezone(UTC).replace(microsecond=0)


def etag(*, version: int, modified: datetime | None, query: FeedQuery) -> str:
    """A strong ETag: the same version, clock mark and query always give the same bytes."""
    stamp = int(modified.timestamp()) if modified is not None else 0
    digest = hashlib.blake2s(query.key.encode(), digest_size=6).hexdigest()
    return f'"{version}-{stamp}-{digest}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def not_modified(
    *,
    current_etag: str,
    modified: datetime | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison); else If-Modified-Since."""
    if if_none_match is not None:
        wanted = current_etag.removeprefix("W/")
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*" or tag.removeprefix("W/") == wanted:
                return True
        return False
    if if_modified_since is None or modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


# The app may be a web view on another origin: anyone may read the feed, and its validators.
CORS_HEADERS: Final = (
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "ETag, Last-Modified"),
)
PREFLIGHT_HEADERS: Final = (
    *CORS_HEADERS,
    ("access-control-allow-methods", "GET, HEAD, OPTIONS"),
    ("access-control-allow-headers", "If-None-Match, If-Modified-Since, Accept-Language"),
    ("access-control-max-age", "86400"),
)


def feed_headers(*, current_etag: str, modified: datetime | None) -> list[tuple[str, str]]:
    """The validators and caching rules of a 200 or 304 answer (the same on both, as RFC 9110 asks)."""
    headers = [("etag", current_etag), ("cache-control", CACHE_CONTROL), *CORS_HEADERS]
    if modified is not None:
        headers.append(("last-modified", http_date(modified)))
    return headers
