"""JSON API of delivery under /api/v1: the delivery log, test messages, the caller's inbox."""

from __future__ import annotations

from fastapi import APIRouter, status

from hikeshi.accounts.deps import AdminApi, AnyUserApi, DbSession, Now
from hikeshi.delivery import service
from hikeshi.delivery.schemas import DeliveryDetailOut, DeliveryOut, InboxMessageOut, TestMessageIn

router = APIRouter(prefix="/api/v1", tags=["delivery"])


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    db: DbSession,
    _: AdminApi,
    channel: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[DeliveryOut]:
    rows = service.list_deliveries(session=db, channel=channel, status=status, limit=limit)
    return [DeliveryOut.model_validate(row) for row in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetailOut)
def read_delivery(delivery_id: int, db: DbSession, _: AdminApi) -> DeliveryDetailOut:
    return DeliveryDetailOut.model_validate(service.get_delivery(session=db, delivery_id=delivery_id))


@router.post("/notify/test", response_model=DeliveryOut, status_code=status.HTTP_202_ACCEPTED)
def send_test(body: TestMessageIn, db: DbSession, now: Now, user: AdminApi) -> DeliveryOut:
    """Send a test message through the delivery engine; follow it at /api/v1/deliveries/{id}."""
    delivery = service.send_test(
        session=db, channel=body.channel, target=body.target, now=now, language=user.language
    )
    db.commit()
    return DeliveryOut.model_validate(delivery)


@router.get("/inbox", response_model=list[InboxMessageOut])
def read_inbox(db: DbSession, user: AnyUserApi) -> list[InboxMessageOut]:
    return [InboxMessageOut.model_validate(m) for m in service.list_inbox(session=db, user_id=user.id)]
