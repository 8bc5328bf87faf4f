"""Jobs per second end to end: enqueue 10,000 trivial jobs in one transaction, then a Worker drains them.

The handler does nothing, so the figures are the outbox's own cost: one INSERT per job, then per job
a claim share, the handler's (empty) turn and one UPDATE + COMMIT recording the outcome.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.bootstrap import Container
from hikeshi.jobs import service
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.jobs.worker import Worker

NAME = "jobs"
JOBS = 10_000
KIND = "bench.noop"
ROUNDS = 3  # each on a fresh database; the median round is reported (the machine is shared)


@dataclass(frozen=True)
class Figures:
    backend: str
    version: str
    enqueue_seconds: float
    drain_seconds: float
    enqueue_many_seconds: float

    def row(self) -> list[str]:
        total = self.enqueue_seconds + self.drain_seconds
        return [
            self.version,
            f"{JOBS / self.enqueue_seconds:,.0f}",
            f"{JOBS / self.drain_seconds:,.0f}",
            f"{JOBS / total:,.0f}",
            f"{total:.1f} s",
            f"{JOBS / self.enqueue_many_seconds:,.0f}",
        ]


def _median(rounds: list[Figures]) -> Figures:
    ordered = sorted(rounds, key=lambda figures: figures.enqueue_seconds + figures.drain_seconds)
    return ordered[len(ordered) // 2]


def _noop(context: JobContext, payload: dict[str, Any]) -> None:
    return None


def _measure(container: Container, backend: str) -> Figures:
    registry = JobRegistry()
    registry.register(JobSpec(kind=KIND, handler=_noop))
    started = time.perf_counter()
    with container.sessions() as db:
        for number in range(JOBS):
            service.enqueue(session=db, kind=KIND, payload={"n": number}, now=container.clock())
        db.commit()
    enqueued = time.perf_counter()
    with Worker(container=container, registry=registry) as worker:
        ran = worker.run_once()
    drained = time.perf_counter()
    with container.sessions() as db:
        counts = service.job_counts(session=db)
    if ran != JOBS or counts["succeeded"] != JOBS:
        raise SystemExit(f"jobs benchmark on {backend}: ran {ran}, counts {counts}")
    return Figures(
        backend,
        database_version(container),
        enqueue_seconds=enqueued - started,
        drain_seconds=drained - enqueued,
        enqueue_many_seconds=_enqueue_many_seconds(container),
    )


def _enqueue_many_seconds(container: Container) -> float:
    """The fan-out path: the same number of jobs in one `enqueue_many` statement."""
    jobs = [service.NewJob(kind=KIND, payload={"n": number}) for number in range(JOBS)]
    started = time.perf_counter()
    with container.sessions() as db:
        added = service.enqueue_many(session=db, jobs=jobs, now=container.clock())
        db.commit()
    if len(added) != JOBS:
        raise SystemExit(f"jobs benchmark: enqueue_many added {len(added)}")
    return time.perf_counter() - started


def run() -> None:
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-") as scratch:
        for backend in backends:
            rounds = []
            for round_number in range(ROUNDS):
                with database(backend, Path(scratch), f"hikeshi_bench_jobs_{round_number}") as container:
                    rounds.append(_measure(container, backend))
            results.append(_median(rounds))
    headers = [
        "database",
        "enqueue (jobs/s)",
        "drain (jobs/s)",
        "end to end (jobs/s)",
        "10,000 jobs took",
        "enqueue_many (jobs/s)",
    ]
    figures = table(headers, [result.row() for result in results])
    print(f"\njobs: {JOBS:,} trivial jobs, enqueue then one Worker drains (batch 50)\n{figures}\n")
    if "postgresql" not in backends:
        print("jobs: PostgreSQL skipped (no server; set HIKESHI_BENCH_POSTGRES_URL)", file=sys.stderr)
    write_section(NAME, _section(figures))


def _section(figures: str) -> str:
    return f"""## Jobs: the outbox end to end

{JOBS:,} trivial jobs (a handler that does nothing) are enqueued one `enqueue` call each in one
transaction, then one `Worker` with its defaults (batches of 50) drains them: per job a share of the
claiming UPDATE, the handler's turn, and one UPDATE that records the outcome. The last column is the
fan-out path: another {JOBS:,} jobs added by one `enqueue_many` call (multi-row INSERTs). The median of
{ROUNDS} rounds, each on a fresh database. PostgreSQL is the throwaway server of `scripts/postgres.sh`
(fsync off), so its figures show the CPU and round-trip cost, not a disk's; SQLite runs in WAL mode
with `synchronous=NORMAL`, hikeshi's default.

- Command: `make bench` (or `.venv/bin/python -m benchmarks jobs`)
- Machine: {machine()} (the development container)
- Date: {today()}

{figures}
"""
