"""Slack's interactivity endpoint: the Acknowledge and Resolve buttons on alert-group messages, and the
Acknowledge button on the direct message a page sends (on-call's; anyone it reached may press it).

Slack signs every request with the app's signing secret; that signature is the only credential, so the
route is public and checks it on the raw body before reading anything. Slack wants an answer within
3 s: the change is committed and answered at once, the chat message update is already queued.

Slack ignores the body of the answer to a button press; a hint for the person who pressed (an unknown
Slack account, a role that may not act, a group already resolved) goes to the interaction's
`response_url` as an ephemeral message, through the outbox, in their language (else the company's).
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
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import Public
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, ContactKind, Role
from hikeshi.accounts.service import find_user_by_contact
from hikeshi.alerts import groups
from hikeshi.alerts.messages import ACK_ACTION, RESOLVE_ACTION
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.core.i18n import translations
from hikeshi.delivery.rules import Channel
from hikeshi.delivery.service import Outgoing, send
from hikeshi.oncall import paging
from hikeshi.oncall.paging_models import Page
from hikeshi.oncall.paging_rules import ACK_PAGE_ACTION
from hikeshi.web.kit.context import container
from hikeshi.web.kit.slack_signing import slack_signed

router = APIRouter(prefix="/slack", tags=["slack"])

MAX_BODY_BYTES = 64 * 1024  # a block_actions payload is a few KB, the whole message included
ACTIONS = (ACK_ACTION, RESOLVE_ACTION, ACK_PAGE_ACTION)


@dataclass(frozen=True, slots=True)
class ButtonPress:
    action_id: str
    group_id: int  # the page's id for ACK_PAGE_ACTION
    slack_user_id: str
    response_url: str | None = None  # where Slack takes an answer for the person who pressed


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _signed(secret: str, body: bytes, request: Request, clock: Callable[[], datetime]) -> bool:
    """Checked as Slack documents it, on hikeshi's clock (shared with the slash commands)."""
    return slack_signed(secret=secret, body=body, headers=request.headers, clock=clock)


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
            response_url = payload.get("response_url")
            return ButtonPress(
                action_id=str(action["action_id"]),
                group_id=int(value),
                slack_user_id=slack_user_id,
                response_url=response_url if _is_url(response_url) else None,
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
    with hikeshi.sessions() as db:
        now = hikeshi.clock()
        user = find_user_by_contact(session=db, kind=ContactKind.SLACK.value, address=press.slack_user_id)
        language = user.language if user is not None else hikeshi.settings.language
        speaker = translations("en" if language == "en" else "ja")
        if user is None:
            hint = speaker.gettext(
                "hikeshi does not know your Slack account ({slack_id}). Add it as a Slack contact method "
                "in your hikeshi profile, then press the button again: {link}"
            )
            link = hikeshi.settings.public_url("/profile")
            _tell(db, press, hint.format(slack_id=press.slack_user_id, link=link), now)
        elif Role(user.role) not in RESPONDERS and press.action_id != ACK_PAGE_ACTION:
            refusal = speaker.gettext("Your role ({role}) does not allow this.")
            _tell(db, press, refusal.format(role=user.role), now)
        else:
            try:
                page = _apply(db, press, user, now)
            except (Conflict, NotFound) as error:
                db.rollback()
                _tell(db, press, error.render(speaker.gettext), now)
            else:
                if page is not None:  # the direct message keeps its button: say that it worked
                    _tell(db, press, _page_answer(page, user, speaker.gettext), now)
        db.commit()
    return Response(status_code=200)


def _apply(db: Session, press: ButtonPress, user: User, now: datetime) -> Page | None:
    """The change the button asks for; the page, when it was a page's button."""
    if press.action_id == ACK_PAGE_ACTION:  # the page tells its alert group through the outbox
        return paging.acknowledge_page(session=db, page_id=press.group_id, user_id=user.id, now=now)
    act = groups.acknowledge_group if press.action_id == ACK_ACTION else groups.resolve_group
    act(session=db, group_id=press.group_id, user_id=user.id, now=now)
    return None


def _page_answer(page: Page, user: User, gettext: Callable[[str], str]) -> str:
    if page.acknowledged_by_id == user.id:
        text = gettext("You acknowledged page {id}: {title}. No one else will be notified.")
        return text.format(id=page.id, title=page.title)
    return gettext("Page {id} was already acknowledged: {title}").format(id=page.id, title=page.title)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _tell(db: Session, press: ButtonPress, text: str, now: datetime) -> None:
    """Only the person who pressed sees it; the channel's message stays as it is."""
    if press.response_url is None:  # Slack always sends one with block_actions; without it, no one to tell
        return
    message = Outgoing(target=press.response_url, text=text, extra={"ephemeral": True})
    send(session=db, channel=Channel.CHAT_WEBHOOK.value, message=message, now=now, source="slack:hint")
