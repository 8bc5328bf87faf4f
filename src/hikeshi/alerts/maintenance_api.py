"""JSON API of maintenance windows under /api/v1/maintenance-windows.

Times are ISO 8601; one without an offset is a wall time in HIKESHI_TIMEZONE (Asia/Tokyo by default).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, ResponderApi, StaffApi
from hikeshi.alerts import maintenance
from hikeshi.alerts.maintenance_schemas import MaintenanceWindowCreate, MaintenanceWindowOut
from hikeshi.core.timezones import in_zone
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1/maintenance-windows", tags=["maintenance"])


@router.get("", response_model=list[MaintenanceWindowOut])
def list_windows(
    db: DbSession, now: Now, _: StaffApi, status: str | None = None, limit: int = 200
) -> list[MaintenanceWindowOut]:
    """`status`: upcoming, active, past or all (the default)."""
    windows = maintenance.list_windows(session=db, now=now, status=status, limit=limit)
    return [maintenance.window_out(window, now=now) for window in windows]


@router.post("", response_model=MaintenanceWindowOut, status_code=status.HTTP_201_CREATED)
def create_window(
    body: MaintenanceWindowCreate, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> MaintenanceWindowOut:
    zone = container(request).settings.timezone
    window = maintenance.create_window(
        session=db,
        starts_at=in_zone(body.starts_at, zone=zone, field="starts_at"),
        ends_at=in_zone(body.ends_at, zone=zone, field="ends_at"),
        reason=body.reason,
        integration_ids=body.integration_ids,
        product_slugs=body.products,
        created_by_id=user.id,
        now=now,
    )
    db.commit()
    return maintenance.window_out(window, now=now)


@router.get("/{window_id}", response_model=MaintenanceWindowOut)
def read_window(window_id: int, db: DbSession, now: Now, _: StaffApi) -> MaintenanceWindowOut:
    return maintenance.window_out(maintenance.get_window(session=db, window_id=window_id), now=now)


@router.post("/{window_id}/end", response_model=MaintenanceWindowOut)
def end_window(window_id: int, db: DbSession, now: Now, _: ResponderApi) -> MaintenanceWindowOut:
    """An active window ends now; an upcoming one is cancelled (status `cancelled`, and it is gone)."""
    window = maintenance.get_window(session=db, window_id=window_id)
    outcome = maintenance.end_window(session=db, window_id=window_id, now=now)
    db.commit()
    return maintenance.window_out(window, now=now, status="cancelled" if outcome == "cancelled" else None)


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_window(window_id: int, db: DbSession, _: ResponderApi) -> Response:
    maintenance.delete_window(session=db, window_id=window_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
