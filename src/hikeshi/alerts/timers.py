"""Timer jobs of alerts: a heartbeat's missed-ping check and a group's quiet-period resolve.

Both are scheduled with a replace key, so each heartbeat and each group has at most one pending timer;
both check again when they run, so a timer that fires late or twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from hikeshi.alerts import groups, heartbeats, quiet
from hikeshi.alerts.notify import Context
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=heartbeats.HEARTBEAT_CHECK_JOB, handler=check_heartbeat))
    registry.register(JobSpec(kind=quiet.QUIET_RESOLVE_JOB, handler=resolve_quiet_group))


def _context(ctx: JobContext) -> Context:
    settings = ctx.services.settings
    return Context(language=settings.language, base_url=settings.public_url(""))


def check_heartbeat(ctx: JobContext, payload: dict[str, Any]) -> None:
    context = _context(ctx)
    with ctx.sessions() as session:
        heartbeats.check_heartbeat(
            session=session, heartbeat_id=int(payload["heartbeat_id"]), now=ctx.clock(), context=context
        )
        session.commit()


def resolve_quiet_group(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.sessions() as session:
        now = ctx.clock()
        group = quiet.take_quiet_group(session=session, group_id=int(payload["group_id"]), now=now)
        if group is not None:
            groups.resolve_group(session=session, group_id=group.id, user_id=None, now=now)
        session.commit()
