"""The job `comms.status_export`: after every public change, refresh the static copy of the status page
in HIKESHI_STATUS_EXPORT_DIR (when set; otherwise the copy is written only by `hikeshi status export`).

`changes.mark_changed` enqueues it with a replace key and a short delay, so a burst of changes is
written out once. Writing is idempotent (the whole copy, from the database as it is now), so a retry
or a second run after a crash is harmless.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hikeshi.comms.changes import STATUS_EXPORT_JOB
from hikeshi.comms.status_export import export_status_site
from hikeshi.comms.status_schemas import Site
from hikeshi.core.errors import ExternalServiceError, InvalidInput
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec

log = logging.getLogger("hikeshi.comms")


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=STATUS_EXPORT_JOB, handler=status_export_job, max_attempts=5))


def status_export_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload  # the copy is always of the whole page as it is now
    settings = ctx.services.settings
    if not settings.status_export_dir:
        return
    with ctx.sessions() as session:
        try:
            result = export_status_site(
                session=session,
                now=ctx.clock(),
                directory=Path(settings.status_export_dir),
                site=Site.from_settings(settings),
            )
        except (InvalidInput, OSError) as error:
            # A full disk may clear up; a file where the directory should be will not, but a person
            # fixing it and retrying the job from /admin/jobs is the way back either way.
            raise ExternalServiceError(
                "status export to {directory} failed: {reason}",
                directory=settings.status_export_dir,
                reason=str(error),
            ) from error
    log.info("status page copied to %s (%d files)", result.directory, len(result.files))
