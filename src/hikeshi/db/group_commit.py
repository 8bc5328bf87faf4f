"""Group commit: the writes of many concurrent requests in one transaction and one commit.

    result = await container.group_commit.run(work)     # work(session) -> result, on the writer thread

One writer thread takes whatever units of work are waiting (they pile up while the previous commit
runs, so the busier the server, the larger the batch), runs them in one transaction, commits once,
and only then hands each caller its result: nothing is answered before it is durable, and durability
costs one commit per batch instead of one per request. A unit of work that raises is rolled back
alone and its caller gets the exception; the others commit: the batch is run again from the start
with each unit in a SAVEPOINT (units are re-runnable: they only touch the session). If the commit
itself fails, every caller of that batch gets `BatchFailed` and nothing of theirs was stored.
Units that can be done together (see `_commit_together`) get the whole run of them at once, for
set-based writes; when that raises, the one-by-one retry runs each unit alone.

One writer also means ingest requests never wait on each other's locks: on SQLite there is only one
writer at a time anyway (the batch takes the write lock up front with BEGIN IMMEDIATE, so a reader
never has to turn writer half-way), and on PostgreSQL the rows every alert touches (its integration,
its alert group) would otherwise form a queue of transactions waiting on one another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hikeshi.db.engine import BEGIN_IMMEDIATE, BEGIN_IMMEDIATE_NOWAIT

T = TypeVar("T")
log = logging.getLogger("hikeshi.db.group_commit")

MAX_BATCH = 256  # bounds how long the first caller of a batch waits behind the others
INLINE_ROUNDS = 8  # bounds how many rounds of the event loop an inline batch waits for more units


class BatchFailed(Exception):
    """The batch's commit failed: the caller's work was not stored, and trying again may succeed."""


@dataclass
class _Ticket(Generic[T]):
    work: Callable[[Session], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    value: Any = None
    error: BaseException | None = None

    def settle_in_loop(self) -> None:
        if self.future.done():  # the caller went away (client disconnected); the work stands
            return
        if self.error is not None:
            self.future.set_exception(self.error)
        else:
            self.future.set_result(self.value)


_STOP = object()


@dataclass
class GroupCommit:
    """One writer thread per process, started on first use and stopped by `close()`."""

    sessions: sessionmaker[Session]
    max_batch: int = MAX_BATCH
    inline: bool = False
    _queue: queue.SimpleQueue[Any] = field(default_factory=queue.SimpleQueue, init=False)
    # Inline: each event loop's units waiting for the end of its round.
    _waiting: dict[asyncio.AbstractEventLoop, list[_Ticket[Any]]] = field(default_factory=dict, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in the next batch; returns its result once the batch has committed."""
        return await self.submit(work)

    def submit(self, work: Callable[[Session], T]) -> asyncio.Future[T]:
        """`run` for a caller on the event loop that takes a callback rather than awaiting."""
        loop = asyncio.get_running_loop()
        ticket: _Ticket[T] = _Ticket(work=work, loop=loop, future=loop.create_future())
        if self.inline:
            if self._closed:
                raise BatchFailed("the server is shutting down")
            waiting = self._waiting.setdefault(loop, [])
            if not waiting:
                loop.call_soon(self._commit_inline, loop, 0, 0)
            waiting.append(ticket)
        else:
            self._to_writer([ticket])
        return ticket.future

    def _to_writer(self, tickets: list[_Ticket[Any]]) -> None:
        with self._lock:  # so that no work is queued behind the stop sign
            if self._closed:
                failure = BatchFailed("the server is shutting down")
                for ticket in tickets:
                    ticket.error = failure
                    ticket.settle_in_loop()
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="group-commit", daemon=True)
                self._thread.start()
            for ticket in tickets:
                self._queue.put(ticket)

    def _commit_inline(self, loop: asyncio.AbstractEventLoop, seen: int, rounds: int) -> None:
        """On the event loop: the units waiting, in batches, each on the loop if the write lock is free.

        While units keep arriving (more than `seen` in the last round of the loop), the commit waits
        for the next round, up to `INLINE_ROUNDS` rounds or a full batch.
        """
        arrived = len(self._waiting.get(loop, ()))
        if seen < arrived < self.max_batch and rounds < INLINE_ROUNDS:
            loop.call_soon(self._commit_inline, loop, arrived, rounds + 1)
            return
        waiting = self._waiting.pop(loop, [])
        for start in range(0, len(waiting), self.max_batch):
            batch = waiting[start : start + self.max_batch]
            if not self._commit(batch, begin=BEGIN_IMMEDIATE_NOWAIT, settle=_settle_all):
                self._to_writer(batch)  # another connection writes: the writer thread waits for it

    def close(self) -> None:
        """Finish the work already submitted, then stop the writer thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout=30)

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_Ticket[Any]] = [first]
            while len(batch) < self.max_batch:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is _STOP:
                    stopping = True
                    break
                batch.append(waiting)
            self._commit(batch)

    def _commit(
        self,
        batch: list[_Ticket[Any]],
        *,
        begin: dict[str, bool] = BEGIN_IMMEDIATE,
        settle: Callable[[list[_Ticket[Any]]], None] | None = None,
    ) -> bool:
        """Run and commit the batch, then settle its callers (`settle` on this thread, else on each
        caller's loop). False, with nothing run or settled, if `begin` could not take the write lock."""
        try:
            if not self._commit_together(batch, begin=begin):
                self._commit_one_by_one(batch, begin=begin)
        except _LockBusy:
            return False
        except Exception as error:  # the database refused the batch: nothing of it was stored
            log.warning("group commit of %d units failed: %s", len(batch), error)
            failure = BatchFailed(f"the database did not commit: {type(error).__name__}")
            for ticket in batch:
                ticket.error, ticket.value = failure, None
        by_loop: dict[asyncio.AbstractEventLoop, list[_Ticket[Any]]] = {}
        for ticket in batch:
            if isinstance(ticket.error, OperationalError):  # the database's trouble, not the unit's
                ticket.error = BatchFailed(f"the database failed: {type(ticket.error).__name__}")
            by_loop.setdefault(ticket.loop, []).append(ticket)
        if settle is not None:
            settle(batch)
            return True
        # The outcomes go to each caller's event loop (callers may run on different loops), one wake-up
        # per loop and batch rather than per caller.
        for loop, tickets in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle_all, tickets)
        return True

    def _commit_together(
        self, batch: list[_Ticket[Any]], *, begin: dict[str, bool] = BEGIN_IMMEDIATE
    ) -> bool:
        """The common case, every unit succeeding: no SAVEPOINTs, one flush. False if a unit raised.

        Units of one kind that can be done together (a `together` attribute: `together(session, units)`
        returns their results in order) are handed over as a run, so their kind can do set-based work.
        """
        with self.sessions() as session:
            _begin(session, begin)
            try:
                for run in _runs(batch):
                    together = getattr(run[0].work, "together", None)
                    if together is None or len(run) == 1:
                        for ticket in run:
                            ticket.value = ticket.work(session)
                        continue
                    values = together(session, [ticket.work for ticket in run])
                    for ticket, value in zip(run, values, strict=True):
                        ticket.value = value
                session.flush()
            except Exception as error:
                session.rollback()
                if len(batch) > 1:
                    return False
                batch[0].error, batch[0].value = error, None  # alone: its failure is the answer
                return True
            session.commit()
        return True

    def _commit_one_by_one(
        self, batch: list[_Ticket[Any]], *, begin: dict[str, bool] = BEGIN_IMMEDIATE
    ) -> None:
        """A unit raised: again from the start, each in a SAVEPOINT, so that only its own work is undone."""
        with self.sessions() as session:
            _begin(session, begin)
            for ticket in batch:
                _attempt(session, ticket)
            session.commit()


def _begin(session: Session, begin: dict[str, bool]) -> None:
    try:
        session.connection(execution_options=begin)
    except OperationalError as error:
        if begin is BEGIN_IMMEDIATE_NOWAIT and "locked" in str(error.orig):
            raise _LockBusy from None
        raise


class _LockBusy(Exception):
    """Another connection holds SQLite's write lock: the batch was not run."""


def _settle_all(tickets: list[_Ticket[Any]]) -> None:
    for ticket in tickets:
        ticket.settle_in_loop()


def _runs(batch: list[_Ticket[Any]]) -> list[list[_Ticket[Any]]]:
    """The batch cut into runs of consecutive units that share a `together` (units without one: alone)."""
    runs: list[list[_Ticket[Any]]] = []
    previous: Any = None
    for ticket in batch:
        together = getattr(ticket.work, "together", None)
        if runs and together is not None and together == previous:
            runs[-1].append(ticket)
        else:
            runs.append([ticket])
        previous = together
    return runs


def _attempt(session: Session, ticket: _Ticket[Any]) -> None:
    ticket.value, ticket.error = None, None
    try:
        with session.begin_nested():
            ticket.value = ticket.work(session)
    except Exception as error:
        ticket.error = error
