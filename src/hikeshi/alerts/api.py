"""JSON API of alerts under /api/v1: alert groups and alerts, acknowledge and resolve, integrations."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from hikeshi.accounts.deps import AdminApi, DbSession, Now, ResponderApi, StaffApi
from hikeshi.alerts import groups, integrations
from hikeshi.alerts.schemas import (
    AlertDetailOut,
    AlertEventOut,
    AlertGroupDetailOut,
    AlertGroupOut,
    AlertOut,
    IntegrationCreate,
    IntegrationCreated,
    IntegrationOut,
)
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1", tags=["alerts"])
API_HISTORY_LIMIT = 500  # the latest entries of a group's history; a storm's runs to thousands


@router.get("/alert-groups", response_model=list[AlertGroupOut])
def list_groups(
    db: DbSession,
    _: StaffApi,
    status: str | None = None,
    severity: str | None = None,
    limit: int = 100,
) -> list[AlertGroupOut]:
    found = groups.list_groups(session=db, status=status, severity=severity, limit=limit)
    return [AlertGroupOut.model_validate(group) for group in found]


@router.get("/alert-groups/{group_id}", response_model=AlertGroupDetailOut)
def read_group(group_id: int, db: DbSession, _: StaffApi) -> AlertGroupDetailOut:
    return _group_detail(db, group_id)


def _group_detail(db: DbSession, group_id: int) -> AlertGroupDetailOut:
    group = AlertGroupOut.model_validate(groups.get_group(session=db, group_id=group_id))
    alerts = [AlertOut.model_validate(a) for a in groups.group_alerts(session=db, group_id=group_id)]
    history = groups.group_events(session=db, group_id=group_id, limit=API_HISTORY_LIMIT)
    events = [AlertEventOut.model_validate(e) for e in history]
    return AlertGroupDetailOut(**group.model_dump(), alerts=alerts, events=events)


@router.post("/alert-groups/{group_id}/acknowledge", response_model=AlertGroupDetailOut)
def acknowledge_group(group_id: int, db: DbSession, now: Now, user: ResponderApi) -> AlertGroupDetailOut:
    groups.acknowledge_group(session=db, group_id=group_id, user_id=user.id, now=now)
    db.commit()
    return _group_detail(db, group_id)


@router.post("/alert-groups/{group_id}/resolve", response_model=AlertGroupDetailOut)
def resolve_group(group_id: int, db: DbSession, now: Now, user: ResponderApi) -> AlertGroupDetailOut:
    groups.resolve_group(session=db, group_id=group_id, user_id=user.id, now=now)
    db.commit()
    return _group_detail(db, group_id)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(db: DbSession, _: StaffApi, status: str | None = None, limit: int = 100) -> list[AlertOut]:
    return [AlertOut.model_validate(a) for a in groups.list_alerts(session=db, status=status, limit=limit)]


@router.get("/alerts/{alert_id}", response_model=AlertDetailOut)
def read_alert(alert_id: int, db: DbSession, _: StaffApi) -> AlertDetailOut:
    return AlertDetailOut.model_validate(groups.get_alert(session=db, alert_id=alert_id))


@router.get("/integrations", response_model=list[IntegrationOut])
def list_integrations(db: DbSession, _: ResponderApi) -> list[IntegrationOut]:
    return [IntegrationOut.model_validate(i) for i in integrations.list_integrations(session=db)]


@router.post("/integrations", response_model=IntegrationCreated, status_code=status.HTTP_201_CREATED)
def create_integration(
    body: IntegrationCreate, request: Request, db: DbSession, now: Now, _: AdminApi
) -> IntegrationCreated:
    integration, key = integrations.create_integration(
        session=db,
        name=body.name,
        kind=body.kind,
        product_slug=body.product,
        config=body.config,
        grouping=body.grouping,
        chat_channel=body.chat_channel,
        page_user_id=body.page_user_id,
        escalation_policy_id=body.escalation_policy_id,
        resolve_after_minutes=body.resolve_after_minutes,
        now=now,
    )
    db.commit()
    return _created(request, integration, key)


@router.post("/integrations/{integration_id}/rotate-key", response_model=IntegrationCreated)
def rotate_key(
    integration_id: int, request: Request, db: DbSession, now: Now, _: AdminApi
) -> IntegrationCreated:
    integration, key = integrations.rotate_key(session=db, integration_id=integration_id, now=now)
    db.commit()
    return _created(request, integration, key)


def _created(request: Request, integration: object, key: str) -> IntegrationCreated:
    out = IntegrationOut.model_validate(integration)
    url = integrations.endpoint_url(container(request).settings.public_url(""), out.kind, key)
    return IntegrationCreated(**out.model_dump(), key=key, url=url)
