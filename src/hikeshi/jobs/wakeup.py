"""Waking this process's worker when a transaction that enqueued jobs commits.

An idle worker looks for due jobs every `poll_interval` (half a second); a job enqueued in the same process
(`hikeshi serve` runs the web app and its worker together) would wait for the next look, which was most of
the time between an alert's arrival and its chat message. `enqueue` marks its session; when that session
commits, the worker waiting here wakes at once. Workers in other processes still find the job on their next
look.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

MARK = "hikeshi_jobs_enqueued"
_due = threading.Event()


def mark(session: Session) -> None:
    """Called by `enqueue`: this session's commit wakes the worker."""
    session.info[MARK] = True


def notify() -> None:
    _due.set()


def wait(timeout: float) -> None:
    """Until a commit enqueued jobs, `notify` is called, or `timeout` seconds pass."""
    _due.wait(timeout)
    _due.clear()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(MARK, False):
        _due.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(MARK, None)
