"""The job `postmortems.publish`: copy a published postmortem to the knowledge base.

Payload: {"postmortem_id", "version"} (and "force" from "sync again"). A failure is recorded on the
postmortem and raised again, so the job engine retries it (after esa's `Retry-After` when throttled).
"""

from __future__ import annotations

import logging
from typing import Any

from hikeshi.core.errors import ExternalServiceError
from hikeshi.core.settings import Settings
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.postmortems.publishing import (
    SyncResult,
    plan_sync,
    record_sync,
    record_sync_error,
    sync_postmortem,
    write_to_knowledge_base,
)
from hikeshi.postmortems.rules import PUBLISH_JOB

log = logging.getLogger("hikeshi.postmortems")


def register(registry: JobRegistry, settings: Settings) -> None:
    del settings  # read when the job runs, from the container
    registry.register(JobSpec(kind=PUBLISH_JOB, handler=publish_job, max_attempts=10))


def publish_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    postmortem_id = int(payload["postmortem_id"])
    version = int(payload["version"])
    force = bool(payload.get("force", False))
    settings: Settings = ctx.services.settings
    knowledge_base = ctx.services.knowledge_base
    try:
        if settings.is_sqlite:
            result = _sync_outside_transactions(ctx, postmortem_id, version, force=force)
        else:
            with ctx.sessions() as session:
                result = sync_postmortem(
                    session=session,
                    postmortem_id=postmortem_id,
                    version=version,
                    knowledge_base=knowledge_base,
                    settings=settings,
                    now=ctx.clock(),
                    force=force,
                )
                session.commit()
    except ExternalServiceError as error:
        with ctx.sessions() as session:
            record_sync_error(session=session, postmortem_id=postmortem_id, error=error)
            session.commit()
        raise
    if result.synced:
        log.info("postmortem %d version %d copied to %s", postmortem_id, version, result.location)


def _sync_outside_transactions(
    ctx: JobContext, postmortem_id: int, version: int, *, force: bool
) -> SyncResult:
    """SQLite: the knowledge base is not written while the database's write lock is held."""
    knowledge_base = ctx.services.knowledge_base
    with ctx.sessions() as session:
        plan = plan_sync(
            session=session,
            postmortem_id=postmortem_id,
            version=version,
            knowledge_base_kind=knowledge_base.kind,
            settings=ctx.services.settings,
            force=force,
        )
    if plan is None:
        return SyncResult(synced=False)
    stored = write_to_knowledge_base(plan, knowledge_base)
    with ctx.sessions() as session:
        result = record_sync(
            session=session,
            plan=plan,
            stored=stored,
            knowledge_base_kind=knowledge_base.kind,
            now=ctx.clock(),
        )
        session.commit()
    return result
