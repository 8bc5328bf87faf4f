"""The public status page's view model: what the page, its JSON, its Atom feed and the static copy show.

Built only from public fields: a published notice's title, body, public status, impact and component
statuses; a maintenance's title, body and times; the customer-facing products' names. Never an incident's
own title, notes, impact counts, stores or people.

Public ids (decision): an incident is `n<id of its first notice published to the status page>`, an update
is its notice's id, a maintenance `m<id>`, a component its product's slug. They are stable (published
notices never change) and say nothing an outsider could not count from the page itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.catalog.service import list_products
from hikeshi.comms import status_rules as rules
from hikeshi.comms.changes import current_version
from hikeshi.comms.models import Notice
from hikeshi.comms.rules import ComponentStatus, Impact, NoticeChannel, NoticeStatus, PublicStatus
from hikeshi.comms.status_maintenance import (
    PublicMaintenances,
    maintenance_phases,
    public_maintenances,
    published_page_notices,
)
from hikeshi.comms.status_schemas import (
    ComponentRef,
    DayBar,
    PageInfo,
    PageStatus,
    PublicComponent,
    PublicIncident,
    Site,
    StatusSummary,
)
from hikeshi.core.errors import NotFound
from hikeshi.core.i18n import N_, Language, translations

DEFAULT_TITLE = N_("Service status")
LISTED_INCIDENTS = 50  # /api/v2/incidents.json: the most recent, as Statuspage lists them
INCIDENT_PREFIX = "n"


@dataclass(frozen=True, slots=True)
class _Product:
    id: int
    ref: ComponentRef
    description: str
    position: int
    created_at: datetime


def public_summary(
    *, session: Session, now: datetime, language: str, site: Site | None = None
) -> StatusSummary:
    """Everything the public status page shows, in `language` (ja, or en for anything else)."""
    site = site or Site()
    lang: Language = "ja" if language == "ja" else "en"
    products = _products(session, lang)
    by_incident = _incident_notices(session, now=now)
    incidents = sorted(
        (_incident(notices, products, lang) for notices in by_incident.values()),
        key=lambda incident: incident.updated_at,
        reverse=True,
    )
    refs = {product_id: product.ref for product_id, product in products.items()}
    maintenances = public_maintenances(session=session, now=now, language=lang, components=refs)
    components = _components(products, by_incident, maintenances, now=now, site=site, language=lang)
    active = tuple(incident for incident in incidents if not incident.resolved)
    indicator, description = rules.page_indicator(
        component_statuses=[component.status for component in components],
        incident_impacts=[incident.impact for incident in active],
        maintenance_in_progress=maintenances.running,
    )
    gettext = translations(lang).gettext
    version, changed_at = current_version(session=session)
    # Whole days, so the page changes only with a notice, a maintenance phase or the date (its ETag).
    recent = rules.day_start(rules.local_today(now, site.time_zone) - rules.RECENT_RESOLVED, site.time_zone)
    return StatusSummary(
        language=lang,
        page=PageInfo(
            id="hikeshi",
            name=site.title or gettext(DEFAULT_TITLE),
            url=f"{site.base_url}/status" if site.base_url else "/status",
            time_zone=site.time_zone,
            updated_at=changed_at or now,
        ),
        status=PageStatus(indicator=indicator.value, description=gettext(description)),
        components=components,
        active_incidents=active,
        resolved_incidents=tuple(
            i for i in incidents if i.resolved_at is not None and i.resolved_at >= recent
        ),
        incidents=tuple(incidents[:LISTED_INCIDENTS]),
        maintenances=maintenances.listed,
        version=version,
        generated_at=now,
    )


def public_incident(*, session: Session, language: str, public_id: str) -> PublicIncident:
    """One incident of the status page with every update; NotFound for anything not public."""
    lang: Language = "ja" if language == "ja" else "en"
    digits = public_id.removeprefix(INCIDENT_PREFIX) if public_id.startswith(INCIDENT_PREFIX) else ""
    first = session.get(Notice, int(digits)) if digits.isdigit() and len(digits) < 16 else None
    if first is None or first.incident_id is None or not rules.on_status_page(first):
        raise NotFound("status page incident {value} does not exist", value=public_id)
    notices = _public_notices(session, [first.incident_id]).get(first.incident_id, [])
    if not notices or notices[0].id != first.id:
        raise NotFound("status page incident {value} does not exist", value=public_id)
    return _incident(notices, _products(session, lang), lang)


def page_fingerprint(*, session: Session, now: datetime, language: str, site: Site | None = None) -> str:
    """The status page's ETag without building it: the public version, the day, maintenance phases."""
    site = site or Site()
    version, _ = current_version(session=session)
    return rules.fingerprint(
        version=version,
        today=rules.local_today(now, site.time_zone),
        maintenance_phases=maintenance_phases(session=session, now=now),
        language=language,
    )


def _products(session: Session, language: Language) -> dict[int, _Product]:
    """The customer-facing products in the catalog's order: the page's components."""
    return {
        product.id: _Product(
            id=product.id,
            ref=ComponentRef(product.slug, product.name_ja if language == "ja" else product.name_en),
            description=product.description_ja if language == "ja" else product.description_en,
            position=product.position,
            created_at=product.created_at,
        )
        for product in list_products(session=session)
        if product.customer_facing
    }


def _incident_notices(session: Session, *, now: datetime) -> dict[int, list[Notice]]:
    """Incidents with a status-page notice in the history window, or still unresolved; oldest first."""
    cutoff = now - timedelta(days=rules.HISTORY_DAYS + 1)
    rows = session.execute(
        select(Notice.incident_id, Notice.published_at, Notice.public_status, Notice.channels)
        .where(Notice.status == NoticeStatus.PUBLISHED, Notice.incident_id.is_not(None))
        .order_by(Notice.published_at, Notice.id)
    ).all()
    latest: dict[int, tuple[datetime, str]] = {}
    for incident_id, published_at, public_status, channels in rows:
        shown = NoticeChannel.STATUS_PAGE in (channels or [])
        if incident_id is not None and published_at is not None and shown:
            latest[int(incident_id)] = (published_at, str(public_status))
    wanted = [
        incident_id
        for incident_id, (published_at, public_status) in latest.items()
        if published_at >= cutoff or public_status != PublicStatus.RESOLVED
    ]
    return _public_notices(session, wanted)


def _public_notices(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Notice]]:
    return published_page_notices(session, Notice.incident_id, incident_ids)


def _statuses(notice: Notice) -> dict[int, ComponentStatus]:
    return rules.notice_component_statuses(
        component_statuses=notice.component_statuses or {},
        product_ids=notice.product_ids or [],
        impact=notice.impact,
        public_status=notice.public_status,
    )


def _incident(notices: Sequence[Notice], products: dict[int, _Product], language: Language) -> PublicIncident:
    """An incident as its published notices tell it: the latest names it and gives its status."""
    first, latest = notices[0], notices[-1]
    created_at = first.published_at or first.updated_at
    updated_at = latest.published_at or latest.updated_at
    status = (
        latest.public_status if latest.public_status in tuple(PublicStatus) else PublicStatus.INVESTIGATING
    )
    monitoring = [n.published_at for n in notices if n.public_status == PublicStatus.MONITORING]
    impact = max((rules.parse_impact(n.impact) for n in notices), key=list(Impact).index)
    touched: set[int] = set()
    for notice in notices:
        touched.update(_statuses(notice), (int(product_id) for product_id in notice.product_ids or []))
    return PublicIncident(
        id=f"{INCIDENT_PREFIX}{first.id}",
        name=rules.public_title(latest, language),
        status=str(status),
        impact=impact.value,
        created_at=created_at,
        updated_at=updated_at,
        monitoring_at=monitoring[0] if monitoring else None,
        resolved_at=updated_at if status == PublicStatus.RESOLVED else None,
        components=tuple(product.ref for pid, product in products.items() if pid in touched),
        updates=tuple(rules.public_update(notice, language) for notice in reversed(notices)),
    )


def _components(
    products: dict[int, _Product],
    by_incident: dict[int, list[Notice]],
    maintenances: PublicMaintenances,
    *,
    now: datetime,
    site: Site,
    language: Language,
) -> tuple[PublicComponent, ...]:
    """Each product with its current status (the worst any open incident or running maintenance gives
    it) and its 90 days of history.
    """
    current: dict[int, list[ComponentStatus]] = defaultdict(list)
    touched: dict[int, list[datetime]] = defaultdict(list)
    spans = list(maintenances.spans)
    for notices in by_incident.values():
        if notices[-1].public_status != PublicStatus.RESOLVED:
            for product_id, status in _statuses(notices[-1]).items():
                current[product_id].append(status)
        for notice in notices:
            for product_id in _statuses(notice):
                touched[product_id].append(notice.published_at or notice.updated_at)
        spans += rules.incident_spans(_points(notices, language))
    for product_id in maintenances.running_products:
        current[product_id].append(ComponentStatus.UNDER_MAINTENANCE)
    bars = rules.history(product_ids=list(products), spans=spans, now=now, zone=site.time_zone)
    return tuple(
        _component(product, rules.worst_status(current[pid]), bars[pid], touched[pid])
        for pid, product in products.items()
    )


def _points(notices: Sequence[Notice], language: Language) -> list[rules.NoticePoint]:
    label = rules.public_title(notices[-1], language)
    return [
        rules.NoticePoint(
            published_at=notice.published_at,
            statuses=_statuses(notice),
            resolved=notice.public_status == PublicStatus.RESOLVED,
            label=label,
        )
        for notice in notices
        if notice.published_at is not None
    ]


def _component(
    product: _Product, status: ComponentStatus, bars: list[DayBar], touched: list[datetime]
) -> PublicComponent:
    return PublicComponent(
        id=product.ref.id,
        name=product.ref.name,
        description=product.description,
        status=status,
        position=product.position,
        created_at=product.created_at,
        updated_at=max([product.created_at, *touched]),
        history=tuple(bars),
        uptime=rules.uptime_share(bars),
    )
