"""The Monday-morning post of the weekly report: when HIKESHI_WEEKLY_REPORT_CHANNEL is set, a recurring
job at HIKESHI_WEEKLY_REPORT_TIME on Mondays (HIKESHI_TIMEZONE) posts the previous week's summary and a
link to its page to that chat channel, through the delivery engine, once per week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hikeshi.core.settings import Settings
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.postmortems import weekly
from hikeshi.postmortems.rules import next_weekly_time, week_of

WEEKLY_REPORT_JOB = "postmortems.weekly_report"
MONDAY = 0


def register(registry: JobRegistry, settings: Settings) -> None:
    channel = settings.weekly_report_channel
    if not channel:
        return
    zone = settings.timezone

    def next_due(after: datetime) -> datetime:
        return next_weekly_time(after, zone=zone, weekday=MONDAY, at=settings.weekly_report_time)

    def post_weekly_report(ctx: JobContext, payload: dict[str, Any]) -> None:
        due_at = datetime.fromisoformat(payload["due_at"]) if "due_at" in payload else ctx.clock()
        week = week_of(due_at, zone).shifted(-1)
        now = ctx.clock()
        with ctx.sessions() as session:
            report = weekly.weekly_report(
                session=session, week=week, timezone=zone, language=settings.language, now=now
            )
            link = settings.public_url(f"/reports/weekly?week={week}")
            delivery.send(
                session=session,
                channel="chat",
                message=Outgoing(
                    target=channel,
                    text=weekly.chat_summary(report, link=link),
                    idempotency_key=f"weekly-report:{week}",
                ),
                now=now,
                source=f"weekly-report:{week}",
            )
            session.commit()

    registry.every(JobSpec(kind=WEEKLY_REPORT_JOB, handler=post_weekly_report), next_due)
