"""Scheduled maintenance as the public status page shows it: public once one of its notices is on the
page; listed while scheduled, in progress or verifying; its days count as maintenance in the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hikeshi.comms import status_rules as rules
from hikeshi.comms.models import Maintenance, Notice
from hikeshi.comms.rules import ComponentStatus, MaintenanceStatus, NoticeStatus, maintenance_status_at
from hikeshi.comms.status_schemas import ComponentRef, PublicMaintenance
from hikeshi.core.i18n import Language

MAINTENANCE_PREFIX = "m"
RUNNING = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


@dataclass(frozen=True, slots=True)
class PublicMaintenances:
    listed: tuple[PublicMaintenance, ...]  # not over yet, soonest first
    spans: tuple[rules.StatusSpan, ...]  # for the history bars
    running_products: frozenset[int]  # under maintenance now
    running: bool


def public_maintenances(
    *, session: Session, now: datetime, language: Language, components: Mapping[int, ComponentRef]
) -> PublicMaintenances:
    """`components`: product id → component, in the page's order."""
    candidates = _candidates(session, now=now)
    notices = published_page_notices(session, Notice.maintenance_id, [row.id for row in candidates])
    rows = [row for row in candidates if row.id in notices]
    running = [row for row in rows if maintenance_status_at(row, now=now) in RUNNING]
    return PublicMaintenances(
        listed=tuple(
            _view(row, notices[row.id], components, now=now, language=language)
            for row in rows
            if maintenance_status_at(row, now=now) is not MaintenanceStatus.COMPLETED
        ),
        spans=tuple(_spans(rows, now=now, language=language)),
        running_products=frozenset(int(pid) for row in running for pid in row.product_ids or []),
        running=bool(running),
    )


def maintenance_phases(*, session: Session, now: datetime) -> list[str]:
    """Each maintenance's phase by the clock: part of the page's ETag, since starting changes the page."""
    return [f"{row.id}:{maintenance_status_at(row, now=now).value}" for row in _candidates(session, now=now)]


def _candidates(session: Session, *, now: datetime) -> list[Maintenance]:
    """Every maintenance the page may show: not cancelled, and not over before the history window."""
    cutoff = now - timedelta(days=rules.HISTORY_DAYS + 1)
    return list(
        session.scalars(
            select(Maintenance)
            .where(Maintenance.status != MaintenanceStatus.CANCELLED, Maintenance.scheduled_until >= cutoff)
            .order_by(Maintenance.scheduled_for, Maintenance.id)
        )
    )


def published_page_notices(
    session: Session, owner: InstrumentedAttribute[int | None], owner_ids: Sequence[int]
) -> dict[int, list[Notice]]:
    """The published status-page notices of each incident or maintenance (`owner`: the notice's column
    naming it), oldest first."""
    grouped: dict[int, list[Notice]] = defaultdict(list)
    if not owner_ids:
        return grouped
    notices = session.scalars(
        select(Notice)
        .where(Notice.status == NoticeStatus.PUBLISHED, owner.in_(list(owner_ids)))
        .order_by(Notice.published_at, Notice.id)
    )
    for notice in notices:
        key = getattr(notice, owner.key)
        if rules.on_status_page(notice) and key is not None:
            grouped[key].append(notice)
    return grouped


def _spans(rows: Sequence[Maintenance], *, now: datetime, language: Language) -> list[rules.StatusSpan]:
    spans = []
    for row in rows:
        if maintenance_status_at(row, now=now) is MaintenanceStatus.SCHEDULED:
            continue
        end = row.completed_at or row.scheduled_until
        title = rules.public_title(row, language)
        for product_id in row.product_ids or []:
            status = ComponentStatus.UNDER_MAINTENANCE
            spans.append(rules.StatusSpan(int(product_id), status, row.scheduled_for, end, title))
    return spans


def _view(
    row: Maintenance,
    notices: Sequence[Notice],
    components: Mapping[int, ComponentRef],
    *,
    now: datetime,
    language: Language,
) -> PublicMaintenance:
    named = {int(pid) for pid in row.product_ids or []}
    published = [notice.published_at for notice in notices if notice.published_at is not None]
    return PublicMaintenance(
        id=f"{MAINTENANCE_PREFIX}{row.id}",
        name=rules.public_title(row, language),
        body=rules.public_body(row, language),
        status=maintenance_status_at(row, now=now),
        impact="maintenance",
        scheduled_for=row.scheduled_for,
        scheduled_until=row.scheduled_until,
        created_at=row.created_at,
        updated_at=max([row.updated_at, *published]),
        components=tuple(ref for pid, ref in components.items() if pid in named),
        updates=tuple(rules.public_update(notice, language) for notice in reversed(notices)),
    )
