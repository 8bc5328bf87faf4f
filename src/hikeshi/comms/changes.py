"""One counter for everything public: the in-app feed and the status page answer "unchanged" from it.

Every change customers can see (a notice published, a maintenance started or edited) calls
`mark_changed` in its own transaction; the static copy of the status page is refreshed by a job that
the same transaction enqueues, so a rolled-back change refreshes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hikeshi.comms.models import CommsVersion
from hikeshi.jobs.service import enqueue

STATUS_EXPORT_JOB = "comms.status_export"
# Changes closer together than this are written out once.
EXPORT_SETTLE = timedelta(seconds=2)


def mark_changed(*, session: Session, now: datetime) -> int:
    """Count one public change; returns the new version."""
    changed = session.execute(
        update(CommsVersion)
        .where(CommsVersion.id == 1)
        .values(version=CommsVersion.version + 1, changed_at=now)
        .returning(CommsVersion.version)
    ).scalar_one_or_none()
    if changed is None:
        session.add(CommsVersion(id=1, version=1, changed_at=now))
        session.flush()
        changed = 1
    enqueue(
        session=session,
        kind=STATUS_EXPORT_JOB,
        payload={},
        now=now,
        due_at=now + EXPORT_SETTLE,
        replace_key="status-export",
    )
    return changed


def current_version(*, session: Session) -> tuple[int, datetime | None]:
    """The version and when it last changed; (0, None) before anything was ever published."""
    row = session.execute(
        select(CommsVersion.version, CommsVersion.changed_at).where(CommsVersion.id == 1)
    ).first()
    if row is None:
        return 0, None
    return int(row[0]), row[1]
