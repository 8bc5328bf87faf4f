"""Job handler of the catalog: import a store CSV uploaded on the page, recording its progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hikeshi.catalog import importing, store_imports
from hikeshi.core.clock import Clock
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec

# The worker fixes a job's lease when it claims it and does not renew it while the handler runs, so
# the import gets a lease far longer than the biggest upload takes (40 MB: about a minute).
IMPORT_LEASE = timedelta(hours=1)


def register(registry: JobRegistry, *, lease: timedelta) -> None:
    registry.register(
        JobSpec(
            kind=store_imports.IMPORT_STORES_JOB,
            handler=import_stores_job,
            max_attempts=3,
            lease=max(lease, IMPORT_LEASE),
        )
    )


def import_stores_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    run_store_import(
        sessions=ctx.sessions,
        clock=ctx.clock,
        import_id=int(payload["import_id"]),
        last_attempt=ctx.is_last_attempt,
    )


def run_store_import(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    import_id: int,
    batch_size: int = importing.BATCH_SIZE,
    after_batch: Callable[[int, int], None] | None = None,
    last_attempt: bool = True,
) -> None:
    """Check every row (no writes), then write the stores batch by batch, each batch committed together
    with the progress the page shows: on SQLite one long write transaction would block every other
    writer (and the page would see nothing until the end).

    A file with any problem still imports nothing: the check comes before the first write. A run cut
    short (the worker died) leaves some batches written; the job runs again once its lease expires,
    and re-running is safe because stores are upserted by external id.
    """
    with sessions() as session:
        data = store_imports.start_store_import(session=session, import_id=import_id, now=clock())
        if data is None:
            return
        session.commit()

        def progress(done: int, total: int) -> None:
            store_imports.record_progress(
                session=session, import_id=import_id, done=done, total=total, now=clock()
            )
            session.commit()  # the batch's rows and the progress, one transaction
            if after_batch is not None:
                after_batch(done, total)

        try:
            result = importing.import_stores(
                session=session, data=data, now=clock(), progress=progress, batch_size=batch_size
            )
        except HikeshiError as error:
            session.rollback()
            store_imports.fail_store_import(session=session, import_id=import_id, error=error, now=clock())
            session.commit()
            return
        except Exception:
            session.rollback()
            if last_attempt:
                failure = InvalidInput(
                    N_(
                        "The import stopped on an unexpected error. Upload the file again: stores "
                        "are matched by external id, so none is added twice."
                    )
                )
                store_imports.fail_store_import(
                    session=session, import_id=import_id, error=failure, now=clock()
                )
                session.commit()
            raise
        store_imports.finish_store_import(session=session, import_id=import_id, result=result, now=clock())
        session.commit()
