"""Helpers for tests of the outbox: enqueue and commit, read a job back, a handler that records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from hikeshi.bootstrap import Container
from hikeshi.jobs import service
from hikeshi.jobs.models import Job
from hikeshi.jobs.registry import JobContext


def enqueue_committed(
    container: Container, kind: str, payload: dict[str, Any] | None = None, **options: Any
) -> int:
    with container.sessions() as db:
        job = service.enqueue(session=db, kind=kind, payload=payload or {}, now=container.clock(), **options)
        assert job is not None
        db.commit()
        return job.id


def read_job(container: Container, job_id: int) -> Job:
    with container.sessions() as db:
        return service.get_job(session=db, job_id=job_id)


@dataclass
class Recorder:
    """A handler that remembers each call; `fail_with` makes it raise instead."""

    calls: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    fail_with: Exception | None = None

    def __call__(self, context: JobContext, payload: dict[str, Any]) -> None:
        self.calls.append((context.job_id, context.attempt, payload))
        if self.fail_with is not None:
            raise self.fail_with


class UpperBound(random.Random):
    """Full jitter at its ceiling, so backoff delays are exact in tests."""

    def uniform(self, a: float, b: float) -> float:
        return b
