"""One worker per SQLite database file: an exclusive lock on a file next to the database.

SQLite has no `FOR UPDATE SKIP LOCKED`, so two workers would both run a job they both read as due.
The operating system's lock (flock) is released when the process ends however it ends, so a crashed
worker never leaves a stale lock behind; the file itself stays and only records the last holder.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from hikeshi.core.errors import WorkerAlreadyRunning
from hikeshi.core.i18n import N_

LOCK_SUFFIX = ".worker.lock"


def lock_path_for(database_url: str) -> Path | None:
    """`hikeshi.db.worker.lock` beside a SQLite file; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database).resolve()
    return database.with_name(database.name + LOCK_SUFFIX)


class WorkerLock:
    """Held from construction until `release`; a second holder is refused at once, never waits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        handle: IO[str] = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(handle)
            handle.close()
            raise WorkerAlreadyRunning(
                N_(
                    "another worker (process {pid}) is already running on this SQLite database; "
                    "only one may run: stop it, or start the web app with --no-worker"
                ),
                pid=holder or "?",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _read_holder(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read(32).strip()
