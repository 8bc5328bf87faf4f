"""On SQLite, a transaction that reads and then writes never fails because another one wrote meanwhile."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hikeshi.accounts.models import LoginAttempt
from hikeshi.bootstrap import Container


def _attempt(email: str, container: Container) -> LoginAttempt:
    return LoginAttempt(email=email, ip_address="127.0.0.1", succeeded=False, attempted_at=container.clock())


def test_read_then_write_waits_for_the_other_writer_instead_of_failing(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL has row locks")
    first = container.sessions()
    first.scalar(select(func.count(LoginAttempt.id)))  # a read opens the first transaction
    finished = threading.Event()

    def other_writer() -> None:
        with container.sessions() as second:
            second.add(_attempt("other@example.jp", container))
            second.commit()
        finished.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    # With a deferred BEGIN the other writer would commit now and this write would fail at once
    # ("database is locked"); with BEGIN IMMEDIATE the other writer waits for this transaction.
    assert not finished.wait(0.3)
    first.add(_attempt("first@example.jp", container))
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert finished.is_set()
    with container.sessions() as check:
        assert check.scalar(select(func.count(LoginAttempt.id))) == 2
