"""JSON API of the jobs domain under /api/v1: what the outbox holds, and retrying what failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hikeshi.accounts.deps import AdminApi, DbSession, Now
from hikeshi.jobs import service
from hikeshi.jobs.schemas import JobOut

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("", response_model=list[JobOut])
def list_jobs(
    db: DbSession,
    _: AdminApi,
    status: Annotated[str | None, Query(description="pending, running, succeeded or dead")] = None,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST_LIMIT)] = 100,
) -> list[JobOut]:
    jobs = service.list_jobs(session=db, status=status, kind=kind, limit=limit)
    return [JobOut.model_validate(job) for job in jobs]


@router.get("/counts", response_model=dict[str, int])
def job_counts(db: DbSession, _: AdminApi) -> dict[str, int]:
    return service.job_counts(session=db)


@router.get("/{job_id}", response_model=JobOut)
def read_job(job_id: int, db: DbSession, _: AdminApi) -> JobOut:
    return JobOut.model_validate(service.get_job(session=db, job_id=job_id))


@router.post("/{job_id}/retry", response_model=JobOut)
def retry_job(job_id: int, db: DbSession, now: Now, _: AdminApi) -> JobOut:
    job = service.retry_job(session=db, job_id=job_id, now=now)
    db.commit()
    return JobOut.model_validate(job)
