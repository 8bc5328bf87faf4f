"""One worker per SQLite file: where the lock lives and that a second holder is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hikeshi.core.errors import WorkerAlreadyRunning
from hikeshi.jobs.locking import WorkerLock, lock_path_for


def test_lock_file_sits_next_to_the_sqlite_file(tmp_path: Path) -> None:
    assert lock_path_for(f"sqlite:///{tmp_path}/hikeshi.db") == tmp_path / "hikeshi.db.worker.lock"
    assert lock_path_for("sqlite:///./hikeshi.db") == Path.cwd() / "hikeshi.db.worker.lock"


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://", "postgresql+psycopg://u@h/db"])
def test_no_lock_file_where_none_is_needed(url: str) -> None:
    assert lock_path_for(url) is None


def test_second_holder_is_refused_until_the_first_releases(tmp_path: Path) -> None:
    path = tmp_path / "hikeshi.db.worker.lock"
    first = WorkerLock(path)
    with pytest.raises(WorkerAlreadyRunning, match="already running"):
        WorkerLock(path)
    first.release()
    first.release()  # twice is harmless
    WorkerLock(path).release()
