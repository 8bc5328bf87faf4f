"""Job handlers of alerts: keep a group's chat message current; follow its page's acknowledgement."""

from __future__ import annotations

from typing import Any

from hikeshi.alerts import groups
from hikeshi.alerts.messages import group_message
from hikeshi.alerts.models import AlertGroup, Integration
from hikeshi.alerts.notify import PAGE_SOURCE, REFRESH_CHAT_JOB, group_link
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.delivery import service as delivery
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.oncall.paging_rules import PAGE_ACKNOWLEDGED_JOB, PAGE_RESOLVED_JOB


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=REFRESH_CHAT_JOB, handler=refresh_chat))
    registry.register(JobSpec(kind=PAGE_ACKNOWLEDGED_JOB, handler=page_acknowledged))
    registry.register(JobSpec(kind=PAGE_RESOLVED_JOB, handler=page_resolved))


def page_acknowledged(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Someone acknowledged the group's page (signed link, Slack, CLI, API): the group is theirs too."""
    if payload.get("source_kind") != PAGE_SOURCE or payload.get("user_id") is None:
        return
    with ctx.sessions() as session:
        try:
            groups.acknowledge_group(
                session=session,
                group_id=int(payload["source_id"]),
                user_id=int(payload["user_id"]),
                now=ctx.clock(),
            )
        except (Conflict, NotFound):  # resolved or gone meanwhile: nothing left to acknowledge
            return
        session.commit()


def page_resolved(ctx: JobContext, payload: dict[str, Any]) -> None:
    if payload.get("source_kind") != PAGE_SOURCE:
        return
    user_id = payload.get("user_id")
    with ctx.sessions() as session:
        try:
            groups.resolve_group(
                session=session,
                group_id=int(payload["source_id"]),
                user_id=int(user_id) if user_id is not None else None,
                now=ctx.clock(),
            )
        except NotFound:
            return
        session.commit()


def refresh_chat(ctx: JobContext, payload: dict[str, Any]) -> None:
    settings = ctx.services.settings
    with ctx.sessions() as session:
        group = session.get(AlertGroup, int(payload["group_id"]))
        if group is None or group.chat_delivery_id is None:
            return
        integration = session.get(Integration, group.integration_id)
        text, blocks = group_message(
            group_id=group.id,
            title=group.title,
            severity=group.severity,
            status=group.status,
            alert_count=group.alert_count,
            open_alert_count=group.open_alert_count,
            integration_name=integration.name if integration is not None else "",
            link=group_link(settings.public_url(""), group.id),
            language=settings.language,
        )
        delivery.update_chat_message(
            session=session, delivery_id=group.chat_delivery_id, text=text, blocks=blocks, now=ctx.clock()
        )
        session.commit()
