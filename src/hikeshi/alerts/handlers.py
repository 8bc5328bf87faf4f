"""Job handlers of alerts: keep a group's chat message current."""

from __future__ import annotations

from typing import Any

from hikeshi.alerts.messages import group_message
from hikeshi.alerts.models import AlertGroup, Integration
from hikeshi.alerts.notify import REFRESH_CHAT_JOB, group_link
from hikeshi.delivery import service as delivery
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=REFRESH_CHAT_JOB, handler=refresh_chat))


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
