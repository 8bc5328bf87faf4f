"""Job handlers of paging: a page asked for with Slack's `/hikeshi page`, answered on its response_url."""

from __future__ import annotations

from typing import Any

from hikeshi.accounts.service import find_user_by_contact
from hikeshi.core.errors import HikeshiError
from hikeshi.core.i18n import translations
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.oncall import paging
from hikeshi.oncall.paging_rules import SLACK_PAGE_JOB


def register(registry: JobRegistry) -> None:
    # One try: a second would page twice; a failure is answered on the response_url instead.
    registry.register(JobSpec(kind=SLACK_PAGE_JOB, handler=page_from_slack, max_attempts=1))


def page_from_slack(ctx: JobContext, payload: dict[str, Any]) -> None:
    settings = ctx.services.settings
    speaker = translations("en" if settings.language == "en" else "ja")
    with ctx.sessions() as session:
        now = ctx.clock()
        asker = find_user_by_contact(session=session, kind="slack", address=str(payload["slack_user_id"]))
        try:
            page = paging.page_service(
                session=session,
                service=str(payload["service"]),
                message=str(payload["message"]),
                urgency=str(payload.get("urgency", "high")),
                now=now,
                requested_by_id=asker.id if asker is not None else None,
                requested_by_name=asker.name
                if asker is not None
                else f"@{payload.get('slack_user_name', '')}",
                source_kind="slack",
            )
        except HikeshiError as error:
            session.rollback()
            text = error.render(speaker.gettext)
        else:
            reply = speaker.gettext("Page {id} started for {service}: {link}")
            text = reply.format(
                id=page.id, service=payload["service"], link=settings.public_url(f"/pages/{page.id}")
            )
        response_url = str(payload.get("response_url", ""))
        if response_url:
            reply_message = Outgoing(target=response_url, text=text, extra={"ephemeral": True})
            delivery.send(
                session=session, channel="chat_webhook", message=reply_message, now=now, source="slack"
            )
        session.commit()
