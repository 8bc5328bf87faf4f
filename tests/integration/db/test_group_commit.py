"""Group commit on a real database: shared commits, one failure stays one failure, nothing early."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hikeshi.alerts import integrations
from hikeshi.alerts.models import Integration
from hikeshi.bootstrap import Container
from hikeshi.core.errors import InvalidInput
from hikeshi.db.group_commit import BatchFailed, GroupCommit


@pytest.fixture
def group_commit(container: Container) -> Iterator[GroupCommit]:
    committer = GroupCommit(container.sessions)
    yield committer
    committer.close()


@pytest.fixture
def commits(container: Container) -> list[int]:
    """One entry per COMMIT the engine sends."""
    seen: list[int] = []
    event.listen(container.engine, "commit", lambda _connection: seen.append(1))
    return seen


def _add(name: str, container: Container) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        integrations.create_integration(session=session, name=name, kind="generic", now=container.clock())
        return name

    return work


def _names(container: Container) -> list[str]:
    with container.sessions() as db:
        return sorted(db.scalars(select(Integration.name)))


async def _behind_a_gate(group_commit: GroupCommit, works: list[Callable[[Session], Any]]) -> list[Any]:
    """Hold the writer in a first batch until `works` are all queued, so they make the next batch."""
    taken, gate = threading.Event(), threading.Event()

    def hold(_session: Session) -> None:
        taken.set()
        gate.wait(10)

    holding = asyncio.ensure_future(group_commit.run(hold))
    assert await asyncio.to_thread(taken.wait, 10)  # the writer runs the gate's batch, alone
    queued = [asyncio.ensure_future(group_commit.run(work)) for work in works]
    await asyncio.sleep(0)  # each task has queued its work
    gate.set()
    await asyncio.wait([holding])
    return await asyncio.gather(*queued, return_exceptions=True)


def test_concurrent_work_shares_one_commit(
    group_commit: GroupCommit, container: Container, commits: list[int]
) -> None:
    names = [f"source-{number:02d}" for number in range(20)]
    results = asyncio.run(_behind_a_gate(group_commit, [_add(name, container) for name in names]))
    assert results == names
    assert _names(container) == names
    assert len(commits) == 2  # the gate's batch, then all twenty together


def test_one_failing_unit_is_rolled_back_alone(group_commit: GroupCommit, container: Container) -> None:
    def failing(session: Session) -> str:
        _add("half-done", container)(session)
        session.flush()
        raise InvalidInput("{field}: nonsense", field="summary")

    results = asyncio.run(
        _behind_a_gate(group_commit, [_add("before", container), failing, _add("after", container)])
    )
    assert results[0] == "before"
    assert isinstance(results[1], InvalidInput)
    assert results[2] == "after"
    assert _names(container) == ["after", "before"]


def test_nothing_is_answered_before_it_is_committed(group_commit: GroupCommit, container: Container) -> None:
    async def each_visible_once_answered() -> list[list[str]]:
        async def add_then_look(name: str) -> list[str]:
            await group_commit.run(_add(name, container))
            return _names(container)  # another connection: sees only what is committed

        return await asyncio.gather(*(add_then_look(f"source-{number}") for number in range(10)))

    for number, seen in enumerate(asyncio.run(each_visible_once_answered())):
        assert f"source-{number}" in seen


class RefusingSession(Session):
    """A database that takes every statement and refuses the COMMIT (a full disk, a lost server)."""

    def commit(self) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))


def test_a_commit_that_fails_fails_every_caller_of_the_batch(container: Container) -> None:
    refusing = GroupCommit(sessionmaker(bind=container.engine, class_=RefusingSession))
    try:
        results = asyncio.run(_behind_a_gate(refusing, [_add(name, container) for name in ("a", "b")]))
    finally:
        refusing.close()
    assert all(isinstance(result, BatchFailed) for result in results)
    assert _names(container) == []


def test_after_close_work_is_refused(group_commit: GroupCommit, container: Container) -> None:
    assert asyncio.run(group_commit.run(_add("first", container))) == "first"
    group_commit.close()
    with pytest.raises(BatchFailed):
        asyncio.run(group_commit.run(_add("late", container)))
    assert _names(container) == ["first"]


@pytest.fixture
def inline(container: Container) -> Iterator[GroupCommit]:
    """SQLite's way: batches committed on the event loop when the write lock is free."""
    if container.engine.dialect.name != "sqlite":
        pytest.skip("inline batches are SQLite's; PostgreSQL's round trips stay on the writer thread")
    committer = GroupCommit(container.sessions, inline=True)
    yield committer
    committer.close()


def test_inline_units_of_one_round_share_one_commit_on_the_loop(
    inline: GroupCommit, container: Container, commits: list[int]
) -> None:
    names = [f"inline-{number:02d}" for number in range(20)]
    threads: set[str] = set()

    def add(name: str) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            threads.add(threading.current_thread().name)
            return _add(name, container)(session)

        return work

    async def together() -> list[Any]:
        return await asyncio.gather(*(inline.run(add(name)) for name in names))

    assert asyncio.run(together()) == names
    assert _names(container) == names
    assert len(commits) == 1
    assert threads == {threading.main_thread().name}  # no writer thread was needed


def test_inline_one_failing_unit_is_rolled_back_alone(inline: GroupCommit, container: Container) -> None:
    def failing(session: Session) -> str:
        _add("half-done", container)(session)
        session.flush()
        raise InvalidInput("refused")

    async def together() -> list[Any]:
        units = [_add("before", container), failing, _add("after", container)]
        return await asyncio.gather(*(inline.run(unit) for unit in units), return_exceptions=True)

    results = asyncio.run(together())
    assert results[0] == "before"
    assert isinstance(results[1], InvalidInput)
    assert results[2] == "after"
    assert _names(container) == ["after", "before"]


def test_inline_waits_for_a_held_write_lock_on_the_writer_thread_not_the_loop(
    inline: GroupCommit, container: Container
) -> None:
    """Another connection holds SQLite's write lock: the batch goes to the writer thread, and the loop
    goes on serving (a ticker keeps ticking) until the lock is released and the batch commits."""

    async def scenario() -> tuple[str, int, list[str]]:
        holder = container.sessions()
        holder.connection()  # BEGIN IMMEDIATE: the write lock is this session's
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.ensure_future(ticker())
        stored = asyncio.ensure_future(inline.run(_add("behind-the-lock", container)))
        await asyncio.sleep(0.3)
        assert not stored.done()  # waiting for the lock, off the loop
        holder.rollback()
        holder.close()
        name = await asyncio.wait_for(stored, 10)
        ticking.cancel()
        return name, ticks, _names(container)

    name, ticks, names = asyncio.run(scenario())
    assert name == "behind-the-lock"
    assert ticks >= 10  # the loop was never blocked while the lock was held
    assert names == ["behind-the-lock"]
