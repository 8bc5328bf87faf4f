"""The maintenance timer: at a maintenance's start and end, write its status and draft the step's notice."""

from __future__ import annotations

from typing import Any

from hikeshi.comms import maintenance
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=maintenance.CLOCK_JOB, handler=follow_clock))


def follow_clock(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.sessions() as session:
        maintenance.follow_clock(
            session=session, maintenance_id=int(payload["maintenance_id"]), now=ctx.clock()
        )
        session.commit()
