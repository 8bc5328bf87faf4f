"""Use cases of scheduled maintenance: schedule, change, verify, complete, cancel, and the clock's steps.

Each step customers should hear about drafts a notice through `notices.create_notice` (the advance
announcement when scheduled, "in progress" when it starts, "completed" when it ends), which a person
allowed to speak for the company approves and publishes like any other notice. The clock starts a
maintenance at `scheduled_for` and completes it at `scheduled_until` (unless someone is verifying):
`rules.maintenance_status_at` says so on every read, and a timer job (`CLOCK_JOB`) writes the status
and drafts the step's notice. Once something of it was published, every change of what the status
page shows counts as a public change (`changes.mark_changed`). The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.catalog.rules import parse_regions
from hikeshi.catalog.service import list_products, products_by_slug
from hikeshi.comms import changes, notices
from hikeshi.comms.maintenance_rules import (
    STEP_CHANNELS,
    Step,
    check_allowed,
    check_times,
    clean_text,
    step_text,
)
from hikeshi.comms.maintenance_schemas import MaintenanceNoticeOut, MaintenanceOut
from hikeshi.comms.models import Maintenance, Notice
from hikeshi.comms.rules import MaintenanceStatus, NoticeKind, NoticeStatus, maintenance_status_at
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.jobs.service import enqueue

CLOCK_JOB = "comms.maintenance_clock"
MAX_LIST = 500


@dataclass(frozen=True, slots=True)
class MaintenanceFields:
    """What a person writes; None leaves a field as it is when changing a maintenance."""

    title_ja: str | None = None
    title_en: str | None = None
    body_ja: str | None = None
    body_en: str | None = None
    products: Sequence[str] | None = None  # slugs
    regions: Sequence[str] | None = None  # empty: every region
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None


def schedule_maintenance(
    *, session: Session, fields: MaintenanceFields, by: int | None, now: datetime
) -> Maintenance:
    """A scheduled maintenance and the draft of its advance announcement."""
    if fields.scheduled_for is None or fields.scheduled_until is None:
        field = "scheduled_for" if fields.scheduled_for is None else "scheduled_until"
        raise InvalidInput("{field}: required", field=field)
    check_times(scheduled_for=fields.scheduled_for, scheduled_until=fields.scheduled_until, now=now, new=True)
    maintenance = Maintenance(
        title_ja=clean_text(fields.title_ja or "", field="title_ja", required=True),
        title_en=clean_text(fields.title_en or "", field="title_en", required=False),
        body_ja=clean_text(fields.body_ja or "", field="body_ja", required=False),
        body_en=clean_text(fields.body_en or "", field="body_en", required=False),
        product_ids=_product_ids(session, fields.products or ()),
        region_codes=[region.value for region in parse_regions(list(fields.regions or ()))],
        scheduled_for=fields.scheduled_for,
        scheduled_until=fields.scheduled_until,
        status=MaintenanceStatus.SCHEDULED.value,
        created_by_id=by,
        created_at=now,
        updated_at=now,
    )
    session.add(maintenance)
    session.flush()
    _set_clock(session, maintenance, now)
    draft_step_notice(session=session, maintenance=maintenance, step=Step.ANNOUNCED, by=by, now=now)
    return maintenance


def _product_ids(session: Session, slugs: Sequence[str]) -> list[int]:
    if not [slug for slug in slugs if slug.strip()]:
        raise InvalidInput("products: name at least one product the maintenance affects", field="products")
    try:
        return sorted(product.id for product in products_by_slug(session=session, slugs=slugs))
    except NotFound as error:
        raise InvalidInput(
            "products: product '{value}' does not exist", field="products", **error.params
        ) from None


def _set_clock(session: Session, maintenance: Maintenance, now: datetime) -> None:
    """Timers at the start and the end; one moved later adds another, the handler checks the clock."""
    for moment in (maintenance.scheduled_for, maintenance.scheduled_until):
        enqueue(
            session=session,
            kind=CLOCK_JOB,
            payload={"maintenance_id": maintenance.id},
            now=now,
            due_at=max(moment, now),
            idempotency_key=f"{CLOCK_JOB}:{maintenance.id}:{int(moment.timestamp())}",
        )


def get_maintenance(*, session: Session, maintenance_id: int, lock: bool = False) -> Maintenance:
    maintenance = session.get(Maintenance, maintenance_id, with_for_update=lock)
    if maintenance is None:
        raise NotFound("maintenance {value} does not exist", value=maintenance_id)
    return maintenance


def current_status(maintenance: Maintenance, *, now: datetime) -> MaintenanceStatus:
    return maintenance_status_at(maintenance, now=now)


def list_maintenances(
    *, session: Session, now: datetime, status: str | None = None, limit: int = 100
) -> list[Maintenance]:
    """Not over yet soonest first, then the rest most recent first; `status` keeps one status."""
    wanted = _parse_status(status)
    found = list(
        session.scalars(
            select(Maintenance)
            .order_by(Maintenance.scheduled_for.desc(), Maintenance.id.desc())
            .limit(MAX_LIST)
        )
    )
    if wanted is not None:
        found = [item for item in found if current_status(item, now=now) == wanted]
    ongoing = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
    ahead = sorted(
        (item for item in found if current_status(item, now=now) in ongoing),
        key=lambda item: (item.scheduled_for, item.id),
    )
    return (ahead + [item for item in found if item not in ahead])[: max(1, min(limit, MAX_LIST))]


def _parse_status(status: str | None) -> MaintenanceStatus | None:
    if not status or status == "all":
        return None
    try:
        return MaintenanceStatus(status.strip().lower())
    except ValueError:
        raise InvalidInput(
            "status: '{value}' is not one of {choices}",
            field="status",
            value=status,
            choices=", ".join(["all", *MaintenanceStatus]),
        ) from None


def maintenance_notices(*, session: Session, maintenance_id: int) -> list[Notice]:
    """Its notices in the order they were written."""
    query = (
        select(Notice).where(Notice.maintenance_id == maintenance_id).order_by(Notice.created_at, Notice.id)
    )
    return list(session.scalars(query))


def maintenance_out(
    *, session: Session, maintenance: Maintenance, now: datetime, with_notices: bool = True
) -> MaintenanceOut:
    slugs = {product.id: product.slug for product in list_products(session=session)}
    found = maintenance_notices(session=session, maintenance_id=maintenance.id) if with_notices else []
    return MaintenanceOut(
        id=maintenance.id,
        status=current_status(maintenance, now=now).value,
        title_ja=maintenance.title_ja,
        title_en=maintenance.title_en,
        body_ja=maintenance.body_ja,
        body_en=maintenance.body_en,
        products=[slugs[product_id] for product_id in maintenance.product_ids if product_id in slugs],
        regions=list(maintenance.region_codes),
        scheduled_for=maintenance.scheduled_for,
        scheduled_until=maintenance.scheduled_until,
        completed_at=maintenance.completed_at,
        cancelled_at=maintenance.cancelled_at,
        created_at=maintenance.created_at,
        updated_at=maintenance.updated_at,
        notices=[
            MaintenanceNoticeOut(
                id=notice.id,
                status=notice.status,
                title_ja=notice.title_ja,
                channels=list(notice.channels),
                published_at=notice.published_at,
            )
            for notice in found
        ],
    )


def is_public(session: Session, maintenance_id: int) -> bool:
    published = select(Notice.id).where(
        Notice.maintenance_id == maintenance_id, Notice.status == NoticeStatus.PUBLISHED
    )
    return session.scalar(published.limit(1)) is not None


def draft_step_notice(
    *, session: Session, maintenance: Maintenance, step: Step, by: int | None, now: datetime
) -> Notice:
    text = step_text(
        step,
        title_ja=maintenance.title_ja,
        title_en=maintenance.title_en,
        body_ja=maintenance.body_ja,
        body_en=maintenance.body_en,
        scheduled_for=maintenance.scheduled_for,
        scheduled_until=maintenance.scheduled_until,
    )
    return notices.create_notice(
        session=session,
        incident_id=None,
        maintenance_id=maintenance.id,
        kind=NoticeKind.MAINTENANCE.value,
        by=by,
        now=now,
        channels=list(STEP_CHANNELS[step]),
        title_ja=text.title_ja,
        title_en=text.title_en or None,
        body_ja=text.body_ja,
        body_en=text.body_en or None,
    )


def update_maintenance(
    *, session: Session, maintenance_id: int, fields: MaintenanceFields, by: int | None, now: datetime
) -> Maintenance:
    """Change what was written or when; once announced, a new time drafts a notice saying so."""
    maintenance = get_maintenance(session=session, maintenance_id=maintenance_id, lock=True)
    status = current_status(maintenance, now=now)
    check_allowed("edit", status=status, maintenance_id=maintenance.id)
    for name in ("title_ja", "title_en", "body_ja", "body_en"):
        value = getattr(fields, name)
        if value is not None:
            setattr(maintenance, name, clean_text(value, field=name, required=name == "title_ja"))
    if fields.products is not None:
        maintenance.product_ids = _product_ids(session, fields.products)
    if fields.regions is not None:
        maintenance.region_codes = [region.value for region in parse_regions(list(fields.regions))]
    start = fields.scheduled_for or maintenance.scheduled_for
    end = fields.scheduled_until or maintenance.scheduled_until
    moved = (start, end) != (maintenance.scheduled_for, maintenance.scheduled_until)
    if moved:
        if status is MaintenanceStatus.IN_PROGRESS and start != maintenance.scheduled_for:
            raise InvalidInput(
                "scheduled_for: the maintenance has started; only its end can move", field="scheduled_for"
            )
        check_times(
            scheduled_for=start, scheduled_until=end, now=now, new=status is MaintenanceStatus.SCHEDULED
        )
        maintenance.scheduled_for, maintenance.scheduled_until = start, end
        _set_clock(session, maintenance, now)
    maintenance.updated_at = now
    session.flush()
    if is_public(session, maintenance.id):
        changes.mark_changed(session=session, now=now)
        if moved:
            step = Step.ANNOUNCED if status is MaintenanceStatus.SCHEDULED else Step.STARTED
            draft_step_notice(session=session, maintenance=maintenance, step=step, by=by, now=now)
    return maintenance


def verify_maintenance(
    *, session: Session, maintenance_id: int, by: int | None, now: datetime
) -> Maintenance:
    """The work is done and being checked: it stays on until someone marks it completed."""
    maintenance = get_maintenance(session=session, maintenance_id=maintenance_id, lock=True)
    check_allowed("verify", status=current_status(maintenance, now=now), maintenance_id=maintenance.id)
    return _move(session, maintenance, MaintenanceStatus.VERIFYING, by=by, now=now)


def complete_maintenance(
    *, session: Session, maintenance_id: int, by: int | None, now: datetime
) -> Maintenance:
    maintenance = get_maintenance(session=session, maintenance_id=maintenance_id, lock=True)
    check_allowed("complete", status=current_status(maintenance, now=now), maintenance_id=maintenance.id)
    return _move(session, maintenance, MaintenanceStatus.COMPLETED, by=by, now=now)


def cancel_maintenance(
    *, session: Session, maintenance_id: int, by: int | None, now: datetime
) -> Maintenance:
    """Called off before it started: it leaves every public page, and its drafts are discarded."""
    maintenance = get_maintenance(session=session, maintenance_id=maintenance_id, lock=True)
    check_allowed("cancel", status=current_status(maintenance, now=now), maintenance_id=maintenance.id)
    for notice in maintenance_notices(session=session, maintenance_id=maintenance.id):
        if notice.status == NoticeStatus.DRAFT:
            notices.discard_notice(
                session=session, notice_id=notice.id, reason="maintenance cancelled", by=by, now=now
            )
    return _move(session, maintenance, MaintenanceStatus.CANCELLED, by=by, now=now)


def follow_clock(*, session: Session, maintenance_id: int, now: datetime) -> Maintenance | None:
    """The timer: write the status the clock gives and draft the notice of the step reached, once."""
    maintenance = session.get(Maintenance, maintenance_id, with_for_update=True)
    if maintenance is None:
        return None
    status = current_status(maintenance, now=now)
    if status.value == maintenance.status:
        return maintenance
    return _move(session, maintenance, status, by=None, now=now, by_clock=True)


def _move(
    session: Session,
    maintenance: Maintenance,
    status: MaintenanceStatus,
    *,
    by: int | None,
    now: datetime,
    by_clock: bool = False,
) -> Maintenance:
    maintenance.status = status.value
    maintenance.updated_at = now
    if status is MaintenanceStatus.COMPLETED:
        # Completed by the clock: at its scheduled end, which may be before the timer ran.
        maintenance.completed_at = min(now, maintenance.scheduled_until) if by_clock else now
    elif status is MaintenanceStatus.CANCELLED:
        maintenance.cancelled_at = now
    session.flush()
    step = {MaintenanceStatus.IN_PROGRESS: Step.STARTED, MaintenanceStatus.COMPLETED: Step.COMPLETED}.get(
        status
    )
    public = is_public(session, maintenance.id)
    if step is not None and (public or step is Step.STARTED):
        draft_step_notice(session=session, maintenance=maintenance, step=step, by=by, now=now)
    if public:
        changes.mark_changed(session=session, now=now)
    return maintenance
