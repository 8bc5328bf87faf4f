"""The admin page of the outbox: counts by status, what waits, runs or died, and a Retry button."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import AdminPage, DbSession, Now
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.jobs import service
from hikeshi.jobs.rules import STATUS_LABELS, JobStatus
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/admin/jobs", tags=["admin pages"], include_in_schema=False)

SHOWN_PER_STATUS = 100
LISTED = (JobStatus.DEAD, JobStatus.PENDING, JobStatus.RUNNING)


def _page(
    request: Request,
    db: Session,
    *,
    error: str | None = None,
    retried: int | None = None,
    retried_count: int | None = None,
    status_code: int = 200,
) -> Response:
    sections = [
        (status.value, service.list_jobs(session=db, status=status.value, limit=SHOWN_PER_STATUS))
        for status in LISTED
    ]
    context = {
        "counts": service.job_counts(session=db),
        "sections": sections,
        "status_labels": STATUS_LABELS,
        "error": error,
        "retried": retried,
        "retried_count": retried_count,
    }
    response: Response = request.app.state.templates.render(
        request, "jobs/admin_jobs.html", context, status_code=status_code
    )
    return response


@router.get("")
def jobs_page(
    request: Request,
    db: DbSession,
    _: AdminPage,
    retried: int | None = None,
    retried_count: int | None = None,
) -> Response:
    return _page(request, db, retried=retried, retried_count=retried_count)


@router.post("/{job_id}/retry")
def retry_job(request: Request, job_id: int, db: DbSession, now: Now, _: AdminPage) -> Response:
    try:
        service.retry_job(session=db, job_id=job_id, now=now)
    except (Conflict, NotFound) as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _page(request, db, error=message, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/admin/jobs?retried={job_id}", status_code=303)


@router.post("/retry-dead")
def retry_dead_jobs(request: Request, db: DbSession, now: Now, _: AdminPage) -> Response:
    jobs = service.retry_dead_jobs(session=db, now=now)
    db.commit()
    return RedirectResponse(f"/admin/jobs?retried_count={len(jobs)}", status_code=303)
