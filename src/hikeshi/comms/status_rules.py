"""What the public status page says, as pure functions: component statuses, the page's headline, the
90-day history bars (no I/O; times are aware datetimes, days are calendar days in the page's zone).

Statuspage's vocabulary throughout (reference: its `status.indicator` is none, minor, major or critical;
its descriptions "All Systems Operational", "Partial System Outage", …).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hikeshi.comms.models import Maintenance, Notice
from hikeshi.comms.rules import (
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    NoticeChannel,
    NoticeStatus,
    PublicStatus,
)
from hikeshi.comms.status_schemas import DayBar, PublicUpdate
from hikeshi.core.i18n import N_, Language, negotiate, parse_language

HISTORY_DAYS = 90
RECENT_RESOLVED = timedelta(days=7)
# Best to worst: the worst status of a component wins.
SEVERITY = {status: rank for rank, status in enumerate(ComponentStatus)}


class Indicator(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


INDICATOR_RANK = {indicator: rank for rank, indicator in enumerate(Indicator)}

COMPONENT_LABELS = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
}
INCIDENT_LABELS = {
    PublicStatus.INVESTIGATING: N_("Investigating"),
    PublicStatus.IDENTIFIED: N_("Identified"),
    PublicStatus.MONITORING: N_("Monitoring"),
    PublicStatus.RESOLVED: N_("Resolved"),
}
MAINTENANCE_LABELS = {
    MaintenanceStatus.SCHEDULED: N_("Scheduled"),
    MaintenanceStatus.IN_PROGRESS: N_("In progress"),
    MaintenanceStatus.VERIFYING: N_("Verifying"),
    MaintenanceStatus.COMPLETED: N_("Completed"),
    MaintenanceStatus.CANCELLED: N_("Cancelled"),
}
ALL_OPERATIONAL = N_("All Systems Operational")
MINOR_OUTAGE = N_("Minor Service Outage")
PARTIAL_OUTAGE = N_("Partial System Outage")
MAJOR_OUTAGE = N_("Major System Outage")
UNDER_MAINTENANCE = N_("Service Under Maintenance")
DESCRIPTIONS = {
    Indicator.NONE: ALL_OPERATIONAL,
    Indicator.MINOR: MINOR_OUTAGE,
    Indicator.MAJOR: PARTIAL_OUTAGE,
    Indicator.CRITICAL: MAJOR_OUTAGE,
}
# A component's status says how bad the page is; an incident that names no component says it by impact.
COMPONENT_INDICATOR = {
    ComponentStatus.OPERATIONAL: Indicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Indicator.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
}
IMPACT_INDICATOR = {
    Impact.NONE: Indicator.NONE,
    Impact.MINOR: Indicator.MINOR,
    Impact.MAJOR: Indicator.MAJOR,
    Impact.CRITICAL: Indicator.CRITICAL,
}
# What a notice without explicit component statuses means for the products it names.
IMPACT_COMPONENT = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}


def parse_component_status(value: str) -> ComponentStatus:
    """Unknown values (a newer vocabulary, a typo in old data) count as operational, never a crash."""
    try:
        return ComponentStatus(value)
    except ValueError:
        return ComponentStatus.OPERATIONAL


def parse_impact(value: str) -> Impact:
    try:
        return Impact(value)
    except ValueError:
        return Impact.MINOR


def worst_status(statuses: Iterable[str]) -> ComponentStatus:
    """The worst of the statuses; operational when there are none."""
    worst = ComponentStatus.OPERATIONAL
    for value in statuses:
        status = parse_component_status(value)
        if SEVERITY[status] > SEVERITY[worst]:
            worst = status
    return worst


def notice_component_statuses(
    *, component_statuses: Mapping[str, str], product_ids: Sequence[int], impact: str, public_status: str
) -> dict[int, ComponentStatus]:
    """What one published notice says about each product: its own statuses, else its products by impact.

    A resolved notice puts every product it touches back to operational.
    """
    resolved = public_status == PublicStatus.RESOLVED
    result: dict[int, ComponentStatus] = {}
    for key, value in component_statuses.items():
        if key.strip().isdigit():
            result[int(key)] = ComponentStatus.OPERATIONAL if resolved else parse_component_status(value)
    if not result:
        fallback = IMPACT_COMPONENT[parse_impact(impact)]
        for product_id in product_ids:
            result[int(product_id)] = ComponentStatus.OPERATIONAL if resolved else fallback
    return result


def page_indicator(
    *,
    component_statuses: Iterable[str],
    incident_impacts: Iterable[str],
    maintenance_in_progress: bool,
) -> tuple[Indicator, str]:
    """The page's indicator and description (a message id), as Statuspage words them."""
    statuses = list(component_statuses)
    indicator = COMPONENT_INDICATOR[worst_status(statuses)]
    for impact in incident_impacts:
        candidate = IMPACT_INDICATOR[parse_impact(impact)]
        if INDICATOR_RANK[candidate] > INDICATOR_RANK[indicator]:
            indicator = candidate
    maintenance = maintenance_in_progress or ComponentStatus.UNDER_MAINTENANCE in statuses
    if indicator is Indicator.NONE and maintenance:
        return indicator, UNDER_MAINTENANCE
    return indicator, DESCRIPTIONS[indicator]


@dataclass(frozen=True, slots=True)
class StatusSpan:
    """A product in one status for a while: set by a published notice, or by a maintenance."""

    product_id: int
    status: ComponentStatus
    start: datetime
    end: datetime | None  # None: still so
    label: str = ""  # the public name of what caused it (a notice's title), for the day's tooltip


@dataclass(frozen=True, slots=True)
class NoticePoint:
    """A published notice of one incident, as the history needs it."""

    published_at: datetime
    statuses: Mapping[int, ComponentStatus]
    resolved: bool
    label: str


def incident_spans(points: Sequence[NoticePoint]) -> list[StatusSpan]:
    """Each notice's statuses last until the next notice; the resolved notice ends them all."""
    ordered = sorted(points, key=lambda point: point.published_at)
    spans: list[StatusSpan] = []
    for index, point in enumerate(ordered):
        if point.resolved:
            break
        end = ordered[index + 1].published_at if index + 1 < len(ordered) else None
        for product_id, status in point.statuses.items():
            if status is not ComponentStatus.OPERATIONAL:
                spans.append(StatusSpan(product_id, status, point.published_at, end, point.label))
    return spans


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def day_start(day: date, zone: str) -> datetime:
    """The first instant of a calendar day in the zone (DST-safe: built from the wall clock)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def history(
    *,
    product_ids: Sequence[int],
    spans: Iterable[StatusSpan],
    now: datetime,
    zone: str,
    days: int = HISTORY_DAYS,
) -> dict[int, list[DayBar]]:
    """Per product, `days` bars ending today (in `zone`), each the worst status any span set that day."""
    today = local_today(now, zone)
    first = today - timedelta(days=days - 1)
    worst: dict[int, list[ComponentStatus]] = {
        product_id: [ComponentStatus.OPERATIONAL] * days for product_id in product_ids
    }
    events: dict[int, list[list[str]]] = {product_id: [[] for _ in range(days)] for product_id in product_ids}
    for span in spans:
        if span.product_id not in worst or span.start > now:
            continue
        start_day = max(span.start.astimezone(ZoneInfo(zone)).date(), first)
        end_moment = min(span.end or now, now)
        if end_moment <= span.start and span.end is not None:
            continue
        end_day = min(end_moment.astimezone(ZoneInfo(zone)).date(), today)
        day = start_day
        while day <= end_day:
            index = (day - first).days
            if SEVERITY[span.status] > SEVERITY[worst[span.product_id][index]]:
                worst[span.product_id][index] = span.status
            if span.label and span.label not in events[span.product_id][index]:
                events[span.product_id][index].append(span.label)
            day += timedelta(days=1)
    return {
        product_id: [
            DayBar(first + timedelta(days=index), worst[product_id][index], tuple(events[product_id][index]))
            for index in range(days)
        ]
        for product_id in product_ids
    }


def uptime_share(bars: Sequence[DayBar]) -> float:
    """The share of days (0–100) without an outage; maintenance and slowness do not count against it."""
    if not bars:
        return 100.0
    bad = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE)
    good = sum(1 for bar in bars if bar.status not in bad)
    return round(100.0 * good / len(bars), 2)


def day_tooltip(bar: DayBar, *, gettext: Callable[[str], str]) -> str:
    """The text a day's bar shows on hover and to screen readers: the date, its status, what happened."""
    if bar.status is ComponentStatus.OPERATIONAL and not bar.events:
        return gettext("{day}: no incidents").format(day=bar.day.isoformat())
    text = gettext("{day}: {status}").format(
        day=bar.day.isoformat(), status=gettext(COMPONENT_LABELS[bar.status])
    )
    return " · ".join([text, *bar.events])


def status_language(*, query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    """The public page's language: `?lang=` (the switch), then the remembered choice, then the browser."""
    return parse_language(query) or parse_language(cookie) or negotiate(accept_language, default="ja")


def fingerprint(*, version: int, today: date, maintenance_phases: Iterable[str], language: str) -> str:
    """What the page depends on besides the notices: the day (its bars) and maintenance started by the
    clock. Equal fingerprints mean an equal page, so it makes the ETag.
    """
    phases = zlib.crc32(",".join(maintenance_phases).encode())
    return f'W/"status-{version}-{today.isoformat()}-{language}-{phases:08x}"'


def on_status_page(notice: Notice) -> bool:
    """Published, with the status page among its channels: the only notices the page ever shows."""
    return (
        notice.status == NoticeStatus.PUBLISHED
        and notice.published_at is not None
        and NoticeChannel.STATUS_PAGE in (notice.channels or [])
    )


def public_title(item: Notice | Maintenance, language: str) -> str:
    """Its own title in the language; Japanese when the English one is missing."""
    return item.title_ja if language == "ja" or not item.title_en else item.title_en


def public_body(item: Notice | Maintenance, language: str) -> str:
    return item.body_ja if language == "ja" or not item.body_en else item.body_en


def public_update(notice: Notice, language: str) -> PublicUpdate:
    """A published notice as one update of its incident or maintenance."""
    published_at = notice.published_at or notice.updated_at
    return PublicUpdate(
        id=str(notice.id),
        status=notice.public_status,
        title=public_title(notice, language),
        body=public_body(notice, language),
        created_at=published_at,
        display_at=published_at,
    )
