"""JSON API of scheduled maintenance under /api/v1/maintenances (customer-facing; alert silencing is
/api/v1/maintenance-windows).

Scheduling drafts the advance notice; the start and the end draft theirs; each is approved and
published through /api/v1/notices like any notice. Times are ISO 8601; one without an offset is a
wall time in HIKESHI_TIMEZONE.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from hikeshi.accounts.deps import DbSession, Now, ResponderApi, StaffApi
from hikeshi.comms import maintenance
from hikeshi.comms.maintenance import MaintenanceFields
from hikeshi.comms.maintenance_schemas import MaintenanceCreate, MaintenanceOut, MaintenanceUpdate
from hikeshi.core.timezones import in_zone
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1/maintenances", tags=["maintenances"])


@router.get("", response_model=list[MaintenanceOut])
def list_maintenances(
    db: DbSession, now: Now, _: StaffApi, status: str | None = None, limit: int = 100
) -> list[MaintenanceOut]:
    """Those not over yet, soonest first, then the rest; `status`: scheduled, in_progress, … or all."""
    found = maintenance.list_maintenances(session=db, now=now, status=status, limit=limit)
    return [maintenance.maintenance_out(session=db, maintenance=item, now=now) for item in found]


@router.post("", response_model=MaintenanceOut, status_code=status.HTTP_201_CREATED)
def schedule_maintenance(
    body: MaintenanceCreate, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> MaintenanceOut:
    """Schedule a maintenance; its advance notice is drafted for approval."""
    zone = container(request).settings.timezone
    fields = MaintenanceFields(
        title_ja=body.title_ja,
        title_en=body.title_en,
        body_ja=body.body_ja,
        body_en=body.body_en,
        products=body.products,
        regions=body.regions,
        scheduled_for=in_zone(body.scheduled_for, zone=zone, field="scheduled_for"),
        scheduled_until=in_zone(body.scheduled_until, zone=zone, field="scheduled_until"),
    )
    created = maintenance.schedule_maintenance(session=db, fields=fields, by=user.id, now=now)
    db.commit()
    return maintenance.maintenance_out(session=db, maintenance=created, now=now)


@router.get("/{maintenance_id}", response_model=MaintenanceOut)
def read_maintenance(maintenance_id: int, db: DbSession, now: Now, _: StaffApi) -> MaintenanceOut:
    found = maintenance.get_maintenance(session=db, maintenance_id=maintenance_id)
    return maintenance.maintenance_out(session=db, maintenance=found, now=now)


@router.patch("/{maintenance_id}", response_model=MaintenanceOut)
def update_maintenance(
    maintenance_id: int,
    body: MaintenanceUpdate,
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderApi,
) -> MaintenanceOut:
    zone = container(request).settings.timezone
    fields = MaintenanceFields(
        title_ja=body.title_ja,
        title_en=body.title_en,
        body_ja=body.body_ja,
        body_en=body.body_en,
        products=body.products,
        regions=body.regions,
        scheduled_for=in_zone(body.scheduled_for, zone=zone, field="scheduled_for")
        if body.scheduled_for
        else None,
        scheduled_until=in_zone(body.scheduled_until, zone=zone, field="scheduled_until")
        if body.scheduled_until
        else None,
    )
    changed = maintenance.update_maintenance(
        session=db, maintenance_id=maintenance_id, fields=fields, by=user.id, now=now
    )
    db.commit()
    return maintenance.maintenance_out(session=db, maintenance=changed, now=now)


@router.post("/{maintenance_id}/verify", response_model=MaintenanceOut)
def verify_maintenance(maintenance_id: int, db: DbSession, now: Now, user: ResponderApi) -> MaintenanceOut:
    """The work is done and being checked; it ends when marked completed."""
    changed = maintenance.verify_maintenance(session=db, maintenance_id=maintenance_id, by=user.id, now=now)
    db.commit()
    return maintenance.maintenance_out(session=db, maintenance=changed, now=now)


@router.post("/{maintenance_id}/complete", response_model=MaintenanceOut)
def complete_maintenance(maintenance_id: int, db: DbSession, now: Now, user: ResponderApi) -> MaintenanceOut:
    """Completed now; the "completed" notice is drafted for approval."""
    changed = maintenance.complete_maintenance(session=db, maintenance_id=maintenance_id, by=user.id, now=now)
    db.commit()
    return maintenance.maintenance_out(session=db, maintenance=changed, now=now)


@router.post("/{maintenance_id}/cancel", response_model=MaintenanceOut)
def cancel_maintenance(maintenance_id: int, db: DbSession, now: Now, user: ResponderApi) -> MaintenanceOut:
    """Called off before it started: it leaves the status page and the feed; its drafts are discarded."""
    changed = maintenance.cancel_maintenance(session=db, maintenance_id=maintenance_id, by=user.id, now=now)
    db.commit()
    return maintenance.maintenance_out(session=db, maintenance=changed, now=now)
