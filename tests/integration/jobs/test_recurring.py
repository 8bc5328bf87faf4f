"""Recurring jobs: the workers keep one occurrence enqueued, each occurrence runs once."""

from __future__ import annotations

from datetime import datetime, timedelta

from hikeshi.bootstrap import Container
from hikeshi.jobs.registry import JobRegistry, JobSpec
from hikeshi.jobs.worker import Worker
from tests.support.clock import FrozenClock
from tests.support.jobs import Recorder


def _next_hour(after: datetime) -> datetime:
    return after.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def test_each_occurrence_is_enqueued_once_and_runs_once_at_its_time(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    recorder = Recorder()
    registry.every(JobSpec(kind="report.hourly", handler=recorder), _next_hour)
    clock.now = clock.now.replace(minute=30)

    assert worker.schedule_recurring() == 1
    # The next round of housekeeping, here or on another worker, adds nothing for the same occurrence.
    assert worker.schedule_recurring() == 0
    assert worker.run_once() == 0  # not due before the hour

    clock.advance(minutes=30)
    assert worker.run_once() == 1
    due = clock.now.isoformat()
    assert [payload for _, _, payload in recorder.calls] == [{"due_at": due}]

    # The next occurrence is the next hour, once.
    assert worker.schedule_recurring() == 1
    assert worker.schedule_recurring() == 0
    clock.advance(hours=1)
    assert worker.run_once() == 1
    assert len(recorder.calls) == 2
