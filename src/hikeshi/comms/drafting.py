"""The pre-filled notice: title and body in Japanese and English from an incident's public-safe facts.

Pure: `DraftFacts` in (product names, times, the recovery status; never the incident's title, summary,
notes, store names or people, which `DraftFacts` cannot even hold), a `Draft` out. The texts are the
message catalog's, so the Japanese is reviewed with the rest of the product's Japanese.

Defaults, written down (docs/architecture.md repeats them):
- public status: the incident's status (triage counts as investigating);
- impact: SEV1 critical, SEV2 major, SEV3 minor (Statuspage keeps an incident's impact once resolved);
- each affected product's component: SEV1 major_outage, SEV2 partial_outage, SEV3 degraded_performance;
  resolved: operational;
- channels: all five, but partners only when partners are affected and calls only for a first notice;
- the next update is promised an hour ahead, on the next half hour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hikeshi.catalog.rules import REGION_LABELS, Region
from hikeshi.comms.rules import ComponentStatus, Impact, NoticeChannel, NoticeKind, PublicStatus
from hikeshi.core.i18n import Language, translations
from hikeshi.core.timezones import to_zone

NEXT_UPDATE_AFTER = timedelta(hours=1)
NEXT_UPDATE_STEP_MINUTES = 30
JAPAN_TIME = "Asia/Tokyo"

INCIDENT_PUBLIC_STATUS = {
    "triage": PublicStatus.INVESTIGATING,
    "investigating": PublicStatus.INVESTIGATING,
    "identified": PublicStatus.IDENTIFIED,
    "monitoring": PublicStatus.MONITORING,
    "resolved": PublicStatus.RESOLVED,
}
SEVERITY_IMPACT = {"SEV1": Impact.CRITICAL, "SEV2": Impact.MAJOR, "SEV3": Impact.MINOR}
SEVERITY_COMPONENT = {
    "SEV1": ComponentStatus.MAJOR_OUTAGE,
    "SEV2": ComponentStatus.PARTIAL_OUTAGE,
    "SEV3": ComponentStatus.DEGRADED_PERFORMANCE,
}


@dataclass(frozen=True, slots=True)
class ProductNames:
    """A product as customers know it."""

    id: int
    ja: str
    en: str

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.ja


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What a notice may say about an incident: nothing internal fits in here."""

    kind: NoticeKind
    incident_status: str
    severity: str
    affected: tuple[ProductNames, ...]
    unaffected: tuple[ProductNames, ...]
    since: datetime | None  # started_at, else detected_at
    resolved_at: datetime | None
    web_booking_affected: bool
    partners_affected: bool
    region_codes: tuple[str, ...]
    next_update_at: datetime | None
    recovery_expected_at: datetime | None = None  # the planned hotfix time, when still ahead
    product_ids: tuple[int, ...] = ()  # every affected product (names: only the customer-facing ones)
    timezone: str = JAPAN_TIME  # English texts name it; Japanese texts use Japan time

    @property
    def resolved(self) -> bool:
        return self.incident_status == "resolved"


@dataclass(frozen=True, slots=True)
class Draft:
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    public_status: str
    impact: str
    component_statuses: dict[str, str]
    channels: list[str]
    product_ids: list[int]
    region_codes: list[str]


def next_update_time(now: datetime) -> datetime:
    """An hour from now, rounded up to the next half hour: a time people can remember."""
    later = now + NEXT_UPDATE_AFTER
    step = NEXT_UPDATE_STEP_MINUTES
    rounded = later.replace(second=0, microsecond=0)
    if later != rounded or rounded.minute % step:
        rounded += timedelta(minutes=step - rounded.minute % step)
    return rounded


def public_status_for(incident_status: str) -> PublicStatus:
    return INCIDENT_PUBLIC_STATUS.get(incident_status, PublicStatus.INVESTIGATING)


def impact_for(severity: str) -> Impact:
    return SEVERITY_IMPACT.get(severity, Impact.MAJOR)


def component_statuses_for(product_ids: Sequence[int], *, severity: str, resolved: bool) -> dict[str, str]:
    status = (
        ComponentStatus.OPERATIONAL
        if resolved
        else SEVERITY_COMPONENT.get(severity, ComponentStatus.PARTIAL_OUTAGE)
    )
    return {str(product_id): status.value for product_id in product_ids}


def default_channels(kind: NoticeKind, *, partners_affected: bool) -> list[str]:
    channels = [NoticeChannel.STATUS_PAGE, NoticeChannel.IN_APP, NoticeChannel.EMAIL]
    if kind == NoticeKind.FIRST:
        channels.append(NoticeChannel.CALLS)
    if partners_affected:
        channels.append(NoticeChannel.PARTNERS)
    return [channel.value for channel in channels]


def draft_notice(facts: DraftFacts) -> Draft:
    """The notice a person would write, in both languages, ready to edit."""
    closing = facts.kind == NoticeKind.RESOLVED or facts.resolved
    return Draft(
        title_ja=title(facts, "ja"),
        title_en=title(facts, "en"),
        body_ja=body(facts, "ja"),
        body_en=body(facts, "en"),
        public_status=(PublicStatus.RESOLVED if closing else public_status_for(facts.incident_status)).value,
        impact=impact_for(facts.severity).value,
        component_statuses=component_statuses_for(
            [product.id for product in facts.affected], severity=facts.severity, resolved=closing
        ),
        channels=default_channels(facts.kind, partners_affected=facts.partners_affected),
        product_ids=list(facts.product_ids) or [product.id for product in facts.affected],
        region_codes=list(facts.region_codes),
    )


def _speaker(language: str) -> Callable[[str], str]:
    chosen: Language = "en" if language == "en" else "ja"
    return translations(chosen).gettext


def format_time(moment: datetime, *, language: str, timezone: str = JAPAN_TIME) -> str:
    """Japanese: Japan time, as restaurants read it; English: the zone named."""
    if language == "en":
        local = to_zone(moment, timezone)
        return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"
    local = to_zone(moment, JAPAN_TIME)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def product_names(products: Sequence[ProductNames], language: str) -> str:
    _ = _speaker(language)
    if not products:
        return _("some of our services")
    return _(", ").join(product.name(language) for product in products)


def title(facts: DraftFacts, language: str) -> str:
    _ = _speaker(language)
    products = product_names(facts.affected, language)
    if facts.kind == NoticeKind.RESOLVED or facts.resolved:
        return _("Resolved: service disruption of {products}").format(products=products)[:255]
    if facts.kind == NoticeKind.UPDATE:
        return _("Update: service disruption of {products}").format(products=products)[:255]
    return _("Service disruption: {products}").format(products=products)[:255]


def body(facts: DraftFacts, language: str) -> str:
    if facts.kind == NoticeKind.RESOLVED or facts.resolved:
        return _resolved_body(facts, language)
    return _ongoing_body(facts, language)


def _when(facts: DraftFacts, moment: datetime, language: str) -> str:
    return format_time(moment, language=language, timezone=facts.timezone)


def _ongoing_body(facts: DraftFacts, language: str) -> str:
    _ = _speaker(language)
    products = product_names(facts.affected, language)
    lines: list[str] = []
    if facts.kind == NoticeKind.UPDATE and facts.since is not None:
        text = _("This is an update on the disruption of {products} that began at {since}.")
        lines.append(text.format(products=products, since=_when(facts, facts.since, language)))
    elif facts.since is not None:
        text = _("Since {since}, {products} cannot be used or is not working normally.")
        lines.append(text.format(products=products, since=_when(facts, facts.since, language)))
    else:
        text = _("{products} cannot be used or is not working normally at the moment.")
        lines.append(text.format(products=products))
    lines.append(_("We sincerely apologise for the inconvenience this is causing you."))
    lines.append("")
    lines += _fact_lines(facts, language)
    lines.append(_("- Current status: {status}").format(status=_status_text(facts, language)))
    if facts.recovery_expected_at is not None:
        expected = _when(facts, facts.recovery_expected_at, language)
        lines.append(_("- Expected recovery: around {time}").format(time=expected))
    if facts.next_update_at is not None:
        following = _when(facts, facts.next_update_at, language)
        lines.append(_("- Next update: by {time}").format(time=following))
    lines.append("")
    lines.append(
        _("We are working to restore the service as quickly as possible. Thank you for your patience.")
    )
    return "\n".join(lines)


def _resolved_body(facts: DraftFacts, language: str) -> str:
    _ = _speaker(language)
    products = product_names(facts.affected, language)
    lines: list[str] = []
    if facts.since is not None and facts.resolved_at is not None:
        text = _("The disruption of {products} that began at {since} was resolved at {resolved}.")
        lines.append(
            text.format(
                products=products,
                since=_when(facts, facts.since, language),
                resolved=_when(facts, facts.resolved_at, language),
            )
        )
    else:
        lines.append(_("The disruption of {products} has been resolved.").format(products=products))
    lines.append(_("You can now use the service as usual."))
    lines.append(_("We sincerely apologise for the inconvenience this caused."))
    lines.append("")
    lines += _fact_lines(facts, language)
    if facts.resolved_at is not None:
        lines.append(_("- Resolved: {time}").format(time=_when(facts, facts.resolved_at, language)))
    lines.append("")
    lines.append(_("We will do our utmost to prevent this from happening again."))
    return "\n".join(lines)


def _fact_lines(facts: DraftFacts, language: str) -> list[str]:
    _ = _speaker(language)
    lines = [_("- Affected services: {products}").format(products=product_names(facts.affected, language))]
    if facts.unaffected:
        unaffected = product_names(facts.unaffected, language)
        lines.append(_("- Not affected: {products}").format(products=unaffected))
    regions = [_(REGION_LABELS[Region(code)]) for code in facts.region_codes if code in set(Region)]
    if regions:
        lines.append(_("- Stores affected: {regions}").format(regions=_(", ").join(regions)))
    if facts.since is not None:
        lines.append(_("- Started: {time}").format(time=_when(facts, facts.since, language)))
    if facts.web_booking_affected and (facts.kind == NoticeKind.RESOLVED or facts.resolved):
        lines.append(_("- Diners booking online: bookings may have failed during this time"))
    elif facts.web_booking_affected:
        lines.append(_("- Diners booking online: bookings may fail at the moment"))
    else:
        lines.append(_("- Diners booking online: not affected"))
    return lines


def _status_text(facts: DraftFacts, language: str) -> str:
    _ = _speaker(language)
    status = public_status_for(facts.incident_status)
    if status == PublicStatus.IDENTIFIED:
        return _("We have identified the cause and are working on a fix.")
    if status == PublicStatus.MONITORING:
        return _("A fix has been applied and we are monitoring the results.")
    return _("We are investigating the cause.")


@dataclass(frozen=True, slots=True)
class MaintenanceFacts:
    """A scheduled maintenance's own public fields."""

    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    status: str  # rules.MaintenanceStatus
    product_ids: tuple[int, ...]
    region_codes: tuple[str, ...]


def draft_maintenance_notice(facts: MaintenanceFacts) -> Draft:
    """A maintenance notice says what the maintenance itself says; its products are under maintenance
    while it runs."""
    if facts.status == "in_progress":
        components = {str(pid): ComponentStatus.UNDER_MAINTENANCE.value for pid in facts.product_ids}
    elif facts.status == "completed":
        components = {str(pid): ComponentStatus.OPERATIONAL.value for pid in facts.product_ids}
    else:
        components = {}
    channels = [NoticeChannel.STATUS_PAGE.value, NoticeChannel.IN_APP.value, NoticeChannel.EMAIL.value]
    return Draft(
        title_ja=facts.title_ja,
        title_en=facts.title_en,
        body_ja=facts.body_ja or facts.title_ja,
        body_en=facts.body_en or facts.title_en,
        public_status=facts.status,
        impact=Impact.MINOR.value if facts.status == "in_progress" else Impact.NONE.value,
        component_statuses=components,
        channels=channels,
        product_ids=list(facts.product_ids),
        region_codes=list(facts.region_codes),
    )
