"""Slack's interactivity endpoint: the Acknowledge and Resolve buttons on alert-group messages.

Slack signs every request with the app's signing secret; that signature is the only credential, so the
route is public and checks it on the raw body before reading anything. Slack wants an answer within
3 s: the change is committed and answered at once, the chat message update is already queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import Public
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, ContactKind, Role
from hikeshi.accounts.service import find_user_by_contact
from hikeshi.alerts import service
from hikeshi.alerts.messages import ACK_ACTION, RESOLVE_ACTION
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.core.i18n import translations
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/slack", tags=["slack"])

MAX_BODY_BYTES = 64 * 1024  # a block_actions payload is a few KB, the whole message included
ACTIONS = (ACK_ACTION, RESOLVE_ACTION)


@dataclass(frozen=True, slots=True)
class ButtonPress:
    action_id: str
    group_id: int
    slack_user_id: str


class _ContainerClock(Clock):
    """The replay window is measured against hikeshi's clock, so a frozen test clock works too."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _signed(secret: str, body: bytes, request: Request, clock: Callable[[], datetime]) -> bool:
    verifier = SignatureVerifier(secret, clock=_ContainerClock(clock))
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    if not timestamp.strip().isdigit():
        return False
    return verifier.is_valid(
        body=body, timestamp=timestamp, signature=request.headers.get("x-slack-signature")
    )


def parse_button_press(body: bytes) -> ButtonPress | None:
    """The alert-group button in a `block_actions` payload; None for anything else Slack sends."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
        payload = json.loads(fields.get("payload", [""])[0])
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    user = payload.get("user")
    slack_user_id = user.get("id") if isinstance(user, dict) else None
    for action in payload.get("actions") or []:
        if not isinstance(action, dict) or action.get("action_id") not in ACTIONS:
            continue
        value = str(action.get("value", ""))
        if value.isdigit() and isinstance(slack_user_id, str) and slack_user_id:
            return ButtonPress(
                action_id=str(action["action_id"]), group_id=int(value), slack_user_id=slack_user_id
            )
    return None


@router.post("/interactions", dependencies=[Public])
async def interactions(request: Request) -> Response:
    hikeshi = container(request)
    secret = hikeshi.settings.slack_signing_secret
    if not secret:
        message = "Slack buttons are off: set HIKESHI_SLACK_SIGNING_SECRET to the Slack app's signing secret."
        return _error(404, "slack_not_configured", message)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", "The body is over 64 KB.")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES or not _signed(secret, body, request, hikeshi.clock):
        return _error(401, "bad_signature", "The Slack signature is missing, wrong or too old.")
    press = parse_button_press(body)
    if press is None:
        return Response(status_code=200)  # other interactions are not ours to handle; Slack wants a 200
    return await run_in_threadpool(_press, request, press)


def _press(request: Request, press: ButtonPress) -> Response:
    hikeshi = container(request)
    settings = hikeshi.settings
    speaker = translations("en" if settings.language == "en" else "ja")
    with hikeshi.sessions() as db:
        user = find_user_by_contact(session=db, kind=ContactKind.SLACK.value, address=press.slack_user_id)
        if user is None:
            hint = speaker.gettext(
                "hikeshi does not know your Slack account ({slack_id}). Add it as a Slack contact method "
                "in your hikeshi profile, then press the button again: {link}"
            )
            return _ephemeral(hint.format(slack_id=press.slack_user_id, link=settings.public_url("/profile")))
        if Role(user.role) not in RESPONDERS:
            return _ephemeral(
                speaker.gettext("Your role ({role}) does not allow this.").format(role=user.role)
            )
        try:
            _apply(db, press, user, hikeshi.clock())
        except (Conflict, NotFound) as error:
            db.rollback()
            return _ephemeral(error.render(speaker.gettext))
        db.commit()
    return Response(status_code=200)


def _apply(db: Session, press: ButtonPress, user: User, now: datetime) -> None:
    act = service.acknowledge_group if press.action_id == ACK_ACTION else service.resolve_group
    act(session=db, group_id=press.group_id, user_id=user.id, now=now)


def _ephemeral(text: str) -> JSONResponse:
    """Only the person who pressed sees it; the channel's message stays as it is."""
    return JSONResponse({"response_type": "ephemeral", "replace_original": False, "text": text})
