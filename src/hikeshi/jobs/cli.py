"""`hikeshi jobs list|retry` and `hikeshi worker`."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.core.console import fail, print_json, reported_errors
from hikeshi.core.errors import InvalidInput
from hikeshi.db.migrate import current_revision, head_revision
from hikeshi.jobs import service
from hikeshi.jobs.schemas import JobOut
from hikeshi.jobs.worker import Worker, stopping_on_signals

jobs_app = typer.Typer(help="The outbox: jobs waiting, failed or dead; retry them.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ERROR_COLUMN_WIDTH = 60


def _container(ctx: typer.Context) -> Any:
    return ctx.obj.container()


@jobs_app.command("list")
def list_jobs(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending, running, succeeded or dead.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_LIST_LIMIT, help="At most this many.")] = 100,
    json_output: JsonOption = False,
) -> None:
    """List jobs, with the count of each status."""
    container = _container(ctx)
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        jobs = [
            JobOut.model_validate(job)
            for job in service.list_jobs(session=db, status=status, kind=kind, limit=limit)
        ]
        counts = service.job_counts(session=db)
    if json_output:
        print_json(jobs)
        return
    speaker = ctx.obj.speaker
    table = Table(
        "id",
        ctx.obj.gettext("Kind"),
        ctx.obj.gettext("Status"),
        ctx.obj.gettext("Attempts"),
        ctx.obj.gettext("Due"),
        ctx.obj.gettext("Last error"),
    )
    for job in jobs:
        attempts = f"{job.attempts}/{job.max_attempts}" if job.max_attempts else str(job.attempts)
        error = (job.last_error or "—").splitlines()[0][:ERROR_COLUMN_WIDTH]
        table.add_row(str(job.id), job.kind, job.status, attempts, speaker.format_datetime(job.due_at), error)
    console = Console()
    console.print(table)
    console.print("  ".join(f"{name}: {count}" for name, count in counts.items()), highlight=False)


@jobs_app.command("retry")
def retry_jobs(
    ctx: typer.Context,
    job_id: Annotated[int | None, typer.Argument(help="The job to run again now.")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Retry every dead job.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Make a dead or failed job due now, with its attempts counted afresh."""
    container = _container(ctx)
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        if (job_id is None) == (not all_dead):
            raise InvalidInput("job_id: give a job id or --all-dead, not both", field="job_id")
        if job_id is not None:
            jobs = [service.retry_job(session=db, job_id=job_id, now=container.clock())]
        else:
            jobs = service.retry_dead_jobs(session=db, now=container.clock())
        db.commit()
        retried = [JobOut.model_validate(job) for job in jobs]
    if json_output:
        print_json(retried[0] if job_id is not None else retried)
        return
    message = ctx.obj.speaker.ngettext(
        "{count} job is due again.", "{count} jobs are due again.", len(retried)
    )
    Console().print(message.format(count=len(retried)), highlight=False)


def run_worker(
    ctx: typer.Context,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Jobs claimed at a time.")] = 50,
    poll_interval: Annotated[float, typer.Option(min=0.05, max=60, help="Seconds between looks.")] = 0.5,
) -> None:
    """Run only the worker (with `hikeshi serve --no-worker`); SIGTERM or Ctrl-C stops it gracefully."""
    context = ctx.obj
    container = context.container()
    if current_revision(container.engine) != head_revision():
        fail(context.gettext("The database schema is not up to date: run `hikeshi init` first."))
    logging.basicConfig(level=context.settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    with reported_errors(context.gettext):
        worker = Worker(
            container=container, registry=container.jobs, batch_size=batch_size, poll_interval=poll_interval
        )
    with worker, stopping_on_signals() as stop:
        started = context.gettext("Worker {id} running; Ctrl-C stops it after the job in hand.")
        Console(stderr=True).print(started.format(id=worker.worker_id), highlight=False)
        worker.run(stop)
