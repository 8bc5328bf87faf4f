"""Store CSVs uploaded on the page: kept in `store_imports` and imported by a job, progress recorded.

The page's upload only stores the file and enqueues the job; the job checks every row, then writes
the stores batch by batch (see `handlers.run_store_import`). These functions never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from hikeshi.catalog.import_rules import ImportRejected
from hikeshi.catalog.importing import ImportResult
from hikeshi.catalog.models import StoreImport
from hikeshi.core.errors import HikeshiError, NotFound
from hikeshi.jobs.service import enqueue

IMPORT_STORES_JOB = "catalog.import_stores"
MAX_STORED_PROBLEMS = 200  # what the page lists; `problem_count` counts them all
FINISHED = frozenset({"done", "failed"})


def create_store_import(
    *, session: Session, filename: str, data: bytes, user_id: int | None, now: datetime
) -> StoreImport:
    """Keep the uploaded file and enqueue the job that imports it."""
    record = StoreImport(
        filename=filename[:255],
        status="queued",
        rows_done=0,
        created=0,
        updated=0,
        product_links=0,
        accounts=0,
        problems=[],
        problem_count=0,
        data=data,
        created_by_user_id=user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    enqueue(session=session, kind=IMPORT_STORES_JOB, payload={"import_id": record.id}, now=now)
    return record


def get_store_import(*, session: Session, import_id: int) -> StoreImport:
    record = session.get(StoreImport, import_id)
    if record is None:
        raise NotFound("store import {value} does not exist", value=import_id)
    return record


def start_store_import(*, session: Session, import_id: int, now: datetime) -> bytes | None:
    """Mark the import as being checked and return its file; None when it finished already."""
    record = session.get(StoreImport, import_id)
    if record is None or record.status in FINISHED or record.data is None:
        return None
    record.status = "checking"
    record.rows_done = 0
    record.updated_at = now
    return record.data


def record_progress(*, session: Session, import_id: int, done: int, total: int, now: datetime) -> None:
    """Every row passed the check; `done` of `total` are written (in the caller's transaction)."""
    session.execute(
        update(StoreImport)
        .where(StoreImport.id == import_id)
        .values(status="importing", rows_total=total, rows_done=done, updated_at=now)
    )


def finish_store_import(*, session: Session, import_id: int, result: ImportResult, now: datetime) -> None:
    session.execute(
        update(StoreImport)
        .where(StoreImport.id == import_id)
        .values(
            status="done",
            rows_total=result.rows,
            rows_done=result.rows,
            created=result.created,
            updated=result.updated,
            product_links=result.product_links,
            accounts=result.accounts,
            data=None,
            updated_at=now,
            finished_at=now,
        )
    )


def fail_store_import(*, session: Session, import_id: int, error: HikeshiError, now: datetime) -> None:
    """Nothing was imported: keep the problems (by line and column) or the error, drop the file."""
    problems: list[dict[str, object]] = []
    count = 0
    if isinstance(error, ImportRejected):
        problems = [
            {
                "line": problem.line,
                "column": problem.column,
                "message": problem.message,
                "params": {key: _plain(value) for key, value in problem.params.items()},
            }
            for problem in error.problems[:MAX_STORED_PROBLEMS]
        ]
        count = error.total
    session.execute(
        update(StoreImport)
        .where(StoreImport.id == import_id)
        .values(
            status="failed",
            problems=problems,
            problem_count=count,
            error={
                "message": error.message,
                "field": error.field,
                "params": {key: _plain(value) for key, value in error.params.items()},
            },
            data=None,
            updated_at=now,
            finished_at=now,
        )
    )


def _plain(value: object) -> object:
    """Parameters go into JSON: numbers and text as they are, anything else as its text."""
    return value if isinstance(value, (int, float, str)) or value is None else str(value)
