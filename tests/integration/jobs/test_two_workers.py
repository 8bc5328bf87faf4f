"""Two worker processes on one PostgreSQL database: each of 10,000 jobs runs exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from hikeshi.bootstrap import Container
from hikeshi.jobs import service
from tests.support.job_driver import CREATE_TABLE, RECORD_KIND

ROOT = Path(__file__).resolve().parents[3]
JOBS = 10_000
BATCH = 500


def _start_worker(database_url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.job_driver", database_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _enqueue(container: Container) -> None:
    # In batches, while both workers already claim: enqueueing and claiming race as in production.
    for start in range(0, JOBS, BATCH):
        with container.sessions() as db:
            for number in range(start, start + BATCH):
                service.enqueue(session=db, kind=RECORD_KIND, payload={"n": number}, now=container.clock())
            db.commit()


def _wait_until_done(container: Container, deadline: float) -> dict[str, int]:
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        with container.sessions() as db:
            counts = service.job_counts(session=db)
        if counts["succeeded"] + counts["dead"] == JOBS:
            break
        time.sleep(0.2)
    return counts


@pytest.mark.postgres_only
def test_two_worker_processes_run_each_of_10000_jobs_exactly_once(container: Container) -> None:
    with container.engine.begin() as connection:
        connection.execute(text(CREATE_TABLE))
    workers = [_start_worker(container.settings.database_url) for _ in range(2)]
    try:
        _enqueue(container)
        counts = _wait_until_done(container, deadline=time.monotonic() + 90)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        exit_codes = [process.wait(timeout=30) for process in workers]
        for process in workers:
            assert process.stdout is not None
            process.stdout.close()

    assert counts == {"pending": 0, "running": 0, "succeeded": JOBS, "dead": 0}
    assert exit_codes == [0, 0]
    with container.engine.connect() as connection:
        runs, distinct = connection.execute(
            text("SELECT count(*), count(DISTINCT job_id) FROM job_runs")
        ).one()
        per_process = dict(connection.execute(text("SELECT pid, count(*) FROM job_runs GROUP BY pid")).all())
    assert (runs, distinct) == (JOBS, JOBS)
    assert sorted(per_process) == sorted(process.pid for process in workers)  # both took part
