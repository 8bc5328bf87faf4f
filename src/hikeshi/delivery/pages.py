"""HTML pages of delivery: everyone's inbox, the delivery log and the captured mailbox for admins."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AdminPage, AnyUserPage, DbSession, Now
from hikeshi.core.errors import InvalidInput
from hikeshi.delivery import service
from hikeshi.delivery.rules import CHANNEL_LABELS, STATUS_LABELS, Channel, Status

router = APIRouter(tags=["delivery pages"], include_in_schema=False)

# How each kind of contact method is reached through the delivery engine.
CONTACT_CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS, "voice": Channel.VOICE, "slack": Channel.CHAT}


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _labels() -> dict[str, object]:
    return {"channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS, "channels": list(Channel)}


@router.get("/inbox")
def inbox(request: Request, db: DbSession, now: Now, user: AnyUserPage) -> Response:
    messages = service.list_inbox(session=db, user_id=user.id)
    unread = {message.id for message in messages if message.read_at is None}
    mine = service.list_deliveries(session=db, user_id=user.id, limit=20)
    service.mark_inbox_read(session=db, user_id=user.id, now=now)
    db.commit()
    context = {"messages": messages, "unread": unread, "deliveries": mine, **_labels()}
    return _render(request, "delivery/inbox.html", context)


@router.post("/profile/contacts/{method_id}/test")
def send_test_to_contact(
    request: Request, method_id: int, db: DbSession, now: Now, user: AnyUserPage
) -> Response:
    method = accounts.get_contact_method(session=db, user_id=user.id, contact_method_id=method_id)
    delivery = service.send_test(
        session=db,
        channel=CONTACT_CHANNELS[method.kind],
        target=method.address,
        now=now,
        language=user.language,
        user_id=user.id,
    )
    db.commit()
    return RedirectResponse(f"/inbox?tested={delivery.id}", status_code=303)


@router.get("/admin/deliveries")
def deliveries(
    request: Request,
    db: DbSession,
    _: AdminPage,
    channel: str | None = None,
    status: str | None = None,
) -> Response:
    if status and status not in {s.value for s in Status}:
        raise InvalidInput("status: '{value}' is not a delivery status", field="status", value=status)
    rows = service.list_deliveries(session=db, channel=channel or None, status=status or None, limit=200)
    context = {"deliveries": rows, "channel": channel or "", "status": status or "", "statuses": list(Status)}
    return _render(request, "delivery/deliveries.html", {**context, **_labels()})


@router.get("/admin/deliveries/{delivery_id}")
def delivery_detail(request: Request, delivery_id: int, db: DbSession, _: AdminPage) -> Response:
    delivery = service.get_delivery(session=db, delivery_id=delivery_id)
    return _render(request, "delivery/delivery.html", {"delivery": delivery, **_labels()})


@router.get("/admin/mailbox")
def mailbox(request: Request, db: DbSession, _: AdminPage) -> Response:
    return _render(request, "delivery/mailbox.html", {"emails": service.list_mailbox(session=db)})


@router.get("/admin/mailbox/{email_id}")
def mailbox_email(request: Request, email_id: int, db: DbSession, _: AdminPage) -> Response:
    email = service.get_captured_email(session=db, email_id=email_id)
    return _render(request, "delivery/mailbox_email.html", {"email": email})
