"""Slack's slash command: `/hikeshi page <product or team> <message>`, `/hikeshi oncall`, and more.

Slack signs the request with the app's signing secret; that signature is the only credential, so the
route is public and checks it on the raw body first. Slack wants an answer within 3 s: the answer is
an ephemeral reply at once, and the paging itself runs in an outbox job that replies on response_url.

Domains above on-call (incidents: `/hikeshi incident <title>`) cannot be imported here; the app
registers their sub-commands in `app.state.slash_commands` (see `SlashCommand`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import Public
from hikeshi.accounts.service import get_user
from hikeshi.core.i18n import translations
from hikeshi.core.settings import Settings
from hikeshi.jobs.service import enqueue
from hikeshi.oncall import escalation
from hikeshi.oncall.paging_rules import SLACK_PAGE_JOB, parse_slash_command
from hikeshi.web.kit.context import container
from hikeshi.web.kit.slack_signing import slack_signed

router = APIRouter(prefix="/slack", tags=["slack"])

MAX_BODY_BYTES = 16 * 1024


class SlashCommand(Protocol):
    """A sub-command another domain answers: the ephemeral reply's text; the route commits."""

    def __call__(
        self, *, session: Session, fields: Mapping[str, str], now: datetime, settings: Settings
    ) -> str: ...


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _ephemeral(text: str) -> JSONResponse:
    return JSONResponse({"response_type": "ephemeral", "text": text})


@router.post("/commands", dependencies=[Public])
async def commands(request: Request) -> Response:
    hikeshi = container(request)
    secret = hikeshi.settings.slack_signing_secret
    if not secret:
        message = (
            "Slack commands are off: set HIKESHI_SLACK_SIGNING_SECRET to the Slack app's signing secret."
        )
        return _error(404, "slack_not_configured", message)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", "The body is over 16 KB.")
    body = await request.body()
    signed = slack_signed(secret=secret, body=body, headers=request.headers, clock=hikeshi.clock)
    if len(body) > MAX_BODY_BYTES or not signed:
        return _error(401, "bad_signature", "The Slack signature is missing, wrong or too old.")
    try:
        fields = {key: values[0] for key, values in parse_qs(body.decode("utf-8")).items()}
    except UnicodeDecodeError:
        return _error(400, "invalid_input", "The body is not UTF-8 form data.")
    return await run_in_threadpool(_answer, request, fields)


def _answer(request: Request, fields: dict[str, str]) -> Response:
    hikeshi = container(request)
    settings = hikeshi.settings
    _ = translations("en" if settings.language == "en" else "ja").gettext
    command = parse_slash_command(fields.get("text", ""))
    registered: Mapping[str, SlashCommand] = getattr(request.app.state, "slash_commands", {})
    verb = (fields.get("text", "").split(maxsplit=1) or [""])[0].lower()
    with hikeshi.sessions() as db:
        if verb in registered:
            reply = registered[verb](session=db, fields=fields, now=hikeshi.clock(), settings=settings)
            db.commit()
            return _ephemeral(reply)
        if command.action == "oncall":
            return _ephemeral(_who_is_on_call(db, hikeshi.clock(), _))
        if command.action != "page":
            return _ephemeral(_help(registered, _))
        if escalation.policy_for_service(session=db, name=command.target) is None:
            names = ", ".join(escalation.pageable_services(session=db)) or "—"
            text = _("No escalation policy answers for '{value}'. You can page: {choices}")
            return _ephemeral(text.format(value=command.target, choices=names))
        if not command.message.strip():
            return _ephemeral(
                _("Say what is wrong: `/hikeshi page {service} <message>`").format(service=command.target)
            )
        now = hikeshi.clock()
        enqueue(
            session=db,
            kind=SLACK_PAGE_JOB,
            payload={
                "service": command.target,
                "message": command.message.strip()[:1000],
                "urgency": "high",
                "slack_user_id": fields.get("user_id", ""),
                "slack_user_name": fields.get("user_name", ""),
                "response_url": fields.get("response_url", ""),
            },
            now=now,
        )
        db.commit()
    return _ephemeral(_("Paging the on-call engineer for {service}…").format(service=command.target))


def _help(registered: Mapping[str, SlashCommand], gettext: Callable[[str], str]) -> str:
    usage = ["`/hikeshi page <product or team> <message>`", "`/hikeshi oncall`"]
    usage += [f"`/hikeshi {verb} …`" for verb in sorted(registered)]
    return gettext("Use one of: {commands}").format(commands=", ".join(usage))


def _who_is_on_call(db: Session, now: datetime, gettext: Callable[[str], str]) -> str:
    """Each policy's first step, resolved now: the people a page would reach first."""
    lines = []
    for policy in escalation.list_policies(session=db):
        if not policy.steps:
            continue
        people = escalation.people_for_targets(session=db, targets=policy.steps[0].targets, at=now)
        names = [get_user(session=db, user_id=user_id).name for user_id in people]
        lines.append(f"{policy.name}: {', '.join(names) or '—'}")
    if not lines:
        return gettext("No escalation policy exists yet.")
    return gettext("On call now:") + "\n" + "\n".join(lines)
