"""The daily job that reminds owners of their action items, at 10:00 in HIKESHI_TIMEZONE.

The workers keep the next occurrence enqueued (`JobRegistry.every`); a run that failed is retried by
the job system, and one that ran late (a worker was down) still reminds of the day it runs on.
"""

from __future__ import annotations

import logging
from typing import Any

from hikeshi.core.settings import Settings
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.postmortems.reminders import (
    REMIND_AT,
    REMINDER_JOB,
    ReminderPolicy,
    send_action_item_reminders,
)
from hikeshi.postmortems.rules import local_day, next_daily_time

log = logging.getLogger("hikeshi.postmortems")


def register(registry: JobRegistry, settings: Settings) -> None:
    zone = settings.timezone
    registry.every(
        JobSpec(kind=REMINDER_JOB, handler=remind_owners, max_attempts=5),
        lambda after: next_daily_time(after, zone=zone, at=REMIND_AT),
    )


def remind_owners(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload  # the day is the day it runs: a late run reminds of what is due then
    settings: Settings = ctx.services.settings
    policy = ReminderPolicy(
        remind_days=settings.action_item_remind_days,
        overdue_every_days=settings.action_item_overdue_every_days,
    )
    with ctx.sessions() as session:
        now = ctx.clock()
        reminded = send_action_item_reminders(
            session=session,
            today=local_day(now, settings.timezone),
            now=now,
            policy=policy,
            link=settings.public_url,
        )
        session.commit()
    if reminded:
        log.info("reminded %d people of their action items", reminded)
