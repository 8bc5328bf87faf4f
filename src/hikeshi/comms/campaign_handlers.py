"""Job handlers of the email campaigns: list the next chunk of recipients; mark a campaign done.

Each chunk is one transaction (its recipients and their deliveries together) and enqueues the job of
the next chunk, so a worker killed mid-campaign loses at most the chunk it was writing, which the job
lists again when it runs once more.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hikeshi.comms import campaigns
from hikeshi.comms.campaign_rules import unsubscribe_key
from hikeshi.core.settings import Settings
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def register(registry: JobRegistry, *, lease: timedelta) -> None:
    registry.register(
        JobSpec(kind=campaigns.BUILD_JOB, handler=build_campaign_job, max_attempts=20, lease=lease)
    )
    registry.register(
        JobSpec(kind=campaigns.CHECK_JOB, handler=check_campaign_job, max_attempts=20, lease=lease)
    )


def addressing(settings: Settings) -> campaigns.Addressing:
    """Links point at the public address of hikeshi; emails are signed with the status page's title."""
    return campaigns.Addressing(
        base_url=settings.public_url(""),
        sender=settings.smtp_from,
        company=settings.status_page_title,
        key=unsubscribe_key(settings.secret_key),
    )


def build_campaign_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    settings: Settings = ctx.services.settings
    with ctx.sessions() as session:
        campaigns.build_recipients(
            session=session,
            campaign_id=int(payload["campaign_id"]),
            now=ctx.clock(),
            addressing=addressing(settings),
            chunk_size=int(payload.get("chunk_size") or campaigns.CHUNK_SIZE),
        )
        session.commit()


def check_campaign_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.sessions() as session:
        campaigns.check_campaign(session=session, campaign_id=int(payload["campaign_id"]), now=ctx.clock())
        session.commit()
