"""The worker's entry point for postmortems: an incident resolved opens its postmortem (once)."""

from __future__ import annotations

from typing import Any

from hikeshi.core.settings import Settings
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.rules import Status
from hikeshi.incidents.service import STATUS_CHANGED_JOB
from hikeshi.jobs.registry import JobContext, JobRegistry
from hikeshi.postmortems import service


def register(registry: JobRegistry, settings: Settings) -> None:
    registry.listen(STATUS_CHANGED_JOB, status_changed)


def status_changed(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Idempotent: the job may run again (another listener failed), and an incident may be resolved twice."""
    if payload.get("to") != Status.RESOLVED.value:
        return
    with ctx.sessions() as db:
        incident_id = int(payload["incident_id"])
        incident = incidents.get_incident_by_id(session=db, incident_id=incident_id)
        if incident.status != Status.RESOLVED.value:
            return  # reopened before this job ran: the next resolution opens it
        service.open_postmortem(
            session=db, incident_id=incident_id, now=ctx.clock(), timezone=ctx.services.settings.timezone
        )
        db.commit()
