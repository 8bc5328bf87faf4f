"""Timer jobs of paging: a step's delay is over, and a notification rule's delay is over.

Both check the page when they fire (an acknowledged page stays quiet), and both carry idempotency
keys, so a timer that fires late or twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.oncall import paging
from hikeshi.oncall.paging_rules import PAGE_ADVANCE_JOB, PAGE_NOTIFY_JOB, paging_context


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=PAGE_ADVANCE_JOB, handler=advance_page))
    registry.register(JobSpec(kind=PAGE_NOTIFY_JOB, handler=notify_planned))


def advance_page(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.sessions() as session:
        paging.advance_page(
            session=session,
            page_id=int(payload["page_id"]),
            step_index=int(payload["step_index"]),
            round=int(payload["round"]),
            now=ctx.clock(),
        )
        session.commit()


def notify_planned(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.sessions() as session:
        paging.notify_planned(
            session=session,
            page_id=int(payload["page_id"]),
            user_id=int(payload["user_id"]),
            contact_method_id=int(payload["contact_method_id"]),
            now=ctx.clock(),
            context=paging_context(ctx.services.settings),
        )
        session.commit()
