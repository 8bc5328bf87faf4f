"""Use cases of notices: draft (pre-filled from the incident's facts), edit, discard, list, history.

Publishing is `publishing.publish_notice`. Every action writes a `NoticeRevision` with the notice as it
then stood, who and when, so a notice keeps its whole history. They never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from hikeshi.catalog import service as catalog
from hikeshi.comms.drafting import (
    JAPAN_TIME,
    Draft,
    DraftFacts,
    MaintenanceFacts,
    ProductNames,
    draft_maintenance_notice,
    draft_notice,
    next_update_time,
)
from hikeshi.comms.models import Maintenance, Notice, NoticeRevision
from hikeshi.comms.rules import (
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    NoticeKind,
    NoticeStatus,
    PublicStatus,
    parse_channels,
)
from hikeshi.comms.schemas import BODY_LIMIT, TITLE_LIMIT, NoticeUpdate
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.models import Incident
from hikeshi.incidents.views import effective_impact

MAX_LIST = 500
EDITABLE = ("title_ja", "title_en", "body_ja", "body_en")


def parse_kind(value: str) -> NoticeKind:
    try:
        return NoticeKind(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "kind: '{value}' is not one of {choices}",
            field="kind",
            value=value,
            choices=", ".join(NoticeKind),
        ) from None


def incident_facts(
    *, session: Session, incident: Incident, kind: NoticeKind, now: datetime, timezone: str = JAPAN_TIME
) -> DraftFacts:
    """The public-safe facts of an incident: product names, times, the recovery status."""
    products = catalog.list_products(session=session)
    affected = tuple(
        ProductNames(p.id, p.name_ja, p.name_en)
        for p in products
        if p.id in incident.product_ids and p.customer_facing
    )
    unaffected = tuple(
        ProductNames(p.id, p.name_ja, p.name_en)
        for p in products
        if p.id not in incident.product_ids and p.customer_facing
    )
    planned = incident.hotfix_planned_at
    return DraftFacts(
        kind=kind,
        incident_status=incident.status,
        severity=incident.severity,
        affected=affected,
        unaffected=unaffected,
        since=incident.started_at or incident.detected_at,
        resolved_at=incident.resolved_at,
        web_booking_affected=effective_impact(incident).web_booking,
        partners_affected=bool(incident.impact_partner_ids),
        region_codes=tuple(incident.region_codes),
        next_update_at=next_update_time(now),
        recovery_expected_at=planned if planned is not None and planned > now else None,
        product_ids=tuple(incident.product_ids),
        timezone=timezone,
    )


def _maintenance_draft(session: Session, maintenance_id: int) -> Draft:
    maintenance = session.get(Maintenance, maintenance_id)
    if maintenance is None:
        raise NotFound("maintenance {value} does not exist", value=maintenance_id)
    return draft_maintenance_notice(
        MaintenanceFacts(
            title_ja=maintenance.title_ja,
            title_en=maintenance.title_en,
            body_ja=maintenance.body_ja,
            body_en=maintenance.body_en,
            status=maintenance.status,
            product_ids=tuple(maintenance.product_ids),
            region_codes=tuple(maintenance.region_codes),
        )
    )


def create_notice(
    *,
    session: Session,
    incident_id: int | None,
    maintenance_id: int | None,
    kind: str,
    by: int | None,
    now: datetime,
    channels: list[str] | None = None,
    title_ja: str | None = None,
    title_en: str | None = None,
    body_ja: str | None = None,
    body_en: str | None = None,
    public_status: str | None = None,
    impact: str | None = None,
    component_statuses: dict[str, str] | None = None,
    drafted_by_rule: bool = False,
    timezone: str = JAPAN_TIME,
) -> Notice:
    """A draft; the fields not given are pre-filled from the incident's (or maintenance's) facts."""
    parsed = parse_kind(kind)
    if parsed == NoticeKind.MAINTENANCE:
        if maintenance_id is None:
            raise InvalidInput(
                "maintenance_id: a maintenance notice names its maintenance", field="maintenance_id"
            )
        draft = _maintenance_draft(session, maintenance_id)
        incident_id = None
    else:
        if incident_id is None:
            raise InvalidInput(
                "incident: a notice of kind {kind} names its incident", field="incident", kind=parsed
            )
        incident = incidents.get_incident_by_id(session=session, incident_id=incident_id)
        if incident.declared_at is None or incident.status == "dismissed":
            raise Conflict(
                "incident #{value} was not declared; there is nothing to tell customers",
                value=incident.number,
            )
        facts = incident_facts(session=session, incident=incident, kind=parsed, now=now, timezone=timezone)
        draft = draft_notice(facts)
        maintenance_id = None
    notice = Notice(
        incident_id=incident_id,
        maintenance_id=maintenance_id,
        kind=parsed.value,
        status=NoticeStatus.DRAFT.value,
        channels=draft.channels,
        title_ja=draft.title_ja,
        title_en=draft.title_en,
        body_ja=draft.body_ja,
        body_en=draft.body_en,
        public_status=draft.public_status,
        impact=draft.impact,
        component_statuses=draft.component_statuses,
        product_ids=draft.product_ids,
        region_codes=draft.region_codes,
        drafted_by_rule=drafted_by_rule,
        revision=0,
        created_by_id=by,
        created_at=now,
        updated_at=now,
    )
    given = NoticeUpdate(
        channels=channels,
        title_ja=title_ja,
        title_en=title_en,
        body_ja=body_ja,
        body_en=body_en,
        public_status=public_status,
        impact=impact,
        component_statuses=component_statuses,
    )
    _apply(session, notice, given, only_set=False)
    session.add(notice)
    session.flush()
    record_revision(session, notice, "drafted", by=by, now=now)
    return notice


def get_notice(*, session: Session, notice_id: int, lock: bool = False) -> Notice:
    notice = session.get(Notice, notice_id, with_for_update=lock)
    if notice is None:
        raise NotFound("notice {value} does not exist", value=notice_id)
    return notice


def update_notice(
    *, session: Session, notice_id: int, changes: NoticeUpdate, by: int | None, now: datetime
) -> Notice:
    """Edit a draft: what was sent changes, the rest stays."""
    notice = get_notice(session=session, notice_id=notice_id, lock=True)
    check_editable(notice)
    before = snapshot(notice)
    _apply(session, notice, changes, only_set=True)
    if snapshot(notice) != before:
        notice.updated_at = now
        record_revision(session, notice, "edited", by=by, now=now)
    session.flush()
    return notice


def discard_notice(*, session: Session, notice_id: int, reason: str, by: int | None, now: datetime) -> Notice:
    notice = get_notice(session=session, notice_id=notice_id, lock=True)
    check_editable(notice)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason: say why this notice is discarded", field="reason")
    notice.status = NoticeStatus.DISCARDED.value
    notice.discarded_at = now
    notice.updated_at = now
    record_revision(session, notice, "discarded", by=by, now=now, extra={"reason": reason[:2000]})
    session.flush()
    return notice


def check_editable(notice: Notice) -> None:
    if notice.status == NoticeStatus.PUBLISHED:
        raise Conflict(
            "notice {value} is already published and cannot change; draft an update instead",
            value=notice.id,
        )
    if notice.status == NoticeStatus.DISCARDED:
        raise Conflict("notice {value} was discarded and cannot change", value=notice.id)


def _apply(session: Session, notice: Notice, changes: NoticeUpdate, *, only_set: bool) -> None:
    sent = (
        changes.model_fields_set
        if only_set
        else {name for name in NoticeUpdate.model_fields if getattr(changes, name) is not None}
    )
    for name in EDITABLE:
        if name in sent:
            value = getattr(changes, name)
            setattr(notice, name, _text(name, value or ""))
    if "channels" in sent:
        notice.channels = [c.value for c in parse_channels(changes.channels or [])]
    if "public_status" in sent and changes.public_status is not None:
        notice.public_status = _public_status(notice, changes.public_status)
    if "impact" in sent and changes.impact is not None:
        notice.impact = _choice("impact", changes.impact, Impact)
    if "component_statuses" in sent and changes.component_statuses is not None:
        notice.component_statuses = _components(session, changes.component_statuses)
    for name in ("title_ja", "body_ja"):
        if not getattr(notice, name).strip():
            raise InvalidInput("{field}: the Japanese text is required", field=name)


def _text(field: str, value: str) -> str:
    limit = TITLE_LIMIT if field.startswith("title") else BODY_LIMIT
    text = value.strip() if field.startswith("title") else value.strip("\n").rstrip()
    if len(text) > limit:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=limit)
    return text


def _choice(field: str, value: str, allowed: Any) -> str:
    try:
        return str(allowed(value.strip().lower()).value)
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not one of {choices}",
            field=field,
            value=value,
            choices=", ".join(allowed),
        ) from None


def _public_status(notice: Notice, value: str) -> str:
    if notice.kind == NoticeKind.MAINTENANCE:
        return _choice("public_status", value, MaintenanceStatus)
    return _choice("public_status", value, PublicStatus)


def _components(session: Session, wanted: dict[str, str]) -> dict[str, str]:
    known = {str(product.id) for product in catalog.list_products(session=session)}
    found: dict[str, str] = {}
    for key, value in wanted.items():
        if key.strip() not in known:
            raise InvalidInput(
                "component_statuses: product {value} does not exist", field="component_statuses", value=key
            )
        found[key.strip()] = _choice("component_statuses", value, ComponentStatus)
    return found


def snapshot(notice: Notice) -> dict[str, Any]:
    """The notice's public fields and status, as the history keeps them."""
    return {
        "status": notice.status,
        "channels": list(notice.channels),
        "title_ja": notice.title_ja,
        "title_en": notice.title_en,
        "body_ja": notice.body_ja,
        "body_en": notice.body_en,
        "public_status": notice.public_status,
        "impact": notice.impact,
        "component_statuses": dict(notice.component_statuses),
    }


def record_revision(
    session: Session,
    notice: Notice,
    action: str,
    *,
    by: int | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> NoticeRevision:
    notice.revision = (notice.revision or 0) + 1
    revision = NoticeRevision(
        notice_id=notice.id,
        revision=notice.revision,
        action=action,
        snapshot={**snapshot(notice), **(extra or {})},
        actor_user_id=by,
        at=now,
    )
    session.add(revision)
    session.flush()
    return revision


def notice_history(*, session: Session, notice_id: int) -> list[NoticeRevision]:
    """Oldest first."""
    query = (
        select(NoticeRevision).where(NoticeRevision.notice_id == notice_id).order_by(NoticeRevision.revision)
    )
    return list(session.scalars(query))


def list_notices(
    *,
    session: Session,
    incident_id: int | None = None,
    maintenance_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[Notice]:
    """Drafts awaiting approval first (oldest first), then the rest, newest first."""
    query = select(Notice)
    if incident_id is not None:
        query = query.where(Notice.incident_id == incident_id)
    if maintenance_id is not None:
        query = query.where(Notice.maintenance_id == maintenance_id)
    if status:
        query = query.where(Notice.status == _choice("status", status, NoticeStatus))
    if kind:
        query = query.where(Notice.kind == parse_kind(kind).value)
    is_draft = case((Notice.status == NoticeStatus.DRAFT.value, 0), else_=1)
    query = query.order_by(is_draft, Notice.created_at.desc(), Notice.id.desc())
    found = list(session.scalars(query.limit(max(1, min(limit, MAX_LIST)))))
    drafts = sorted((n for n in found if n.status == NoticeStatus.DRAFT), key=lambda n: (n.created_at, n.id))
    return drafts + [n for n in found if n.status != NoticeStatus.DRAFT]


def incident_notices(*, session: Session, incident_id: int) -> list[Notice]:
    """An incident's notices in the order they were written."""
    query = select(Notice).where(Notice.incident_id == incident_id).order_by(Notice.created_at, Notice.id)
    return list(session.scalars(query))


def find_open_notice(*, session: Session, incident_id: int, kinds: Sequence[NoticeKind]) -> Notice | None:
    """A draft or published notice of one of these kinds, the latest."""
    query = (
        select(Notice)
        .where(
            Notice.incident_id == incident_id,
            Notice.kind.in_([kind.value for kind in kinds]),
            Notice.status != NoticeStatus.DISCARDED.value,
        )
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    )
    return session.scalars(query).first()


def incident_number(*, session: Session, incident_id: int | None) -> int | None:
    if incident_id is None:
        return None
    return incidents.get_incident_by_id(session=session, incident_id=incident_id).number
