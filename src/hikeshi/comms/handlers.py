"""The worker's entry points for notices: incidents' status changes and the late-recovery timer."""

from __future__ import annotations

from typing import Any

from hikeshi.comms import late
from hikeshi.comms.late import LATE_CHECK_JOB, LateRule
from hikeshi.incidents.service import STATUS_CHANGED_JOB
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def register(registry: JobRegistry) -> None:
    registry.listen(STATUS_CHANGED_JOB, status_changed)
    registry.register(JobSpec(kind=LATE_CHECK_JOB, handler=late_check))


def status_changed(ctx: JobContext, payload: dict[str, Any]) -> None:
    rule = LateRule.from_settings(ctx.services.settings)
    with ctx.sessions() as db:
        late.on_status_changed(
            session=db,
            incident_id=int(payload["incident_id"]),
            previous=str(payload.get("from", "")),
            current=str(payload.get("to", "")),
            now=ctx.clock(),
            rule=rule,
        )
        db.commit()


def late_check(ctx: JobContext, payload: dict[str, Any]) -> None:
    rule = LateRule.from_settings(ctx.services.settings)
    with ctx.sessions() as db:
        late.run_late_check(session=db, incident_id=int(payload["incident_id"]), now=ctx.clock(), rule=rule)
        db.commit()
