"""SIGKILL the worker in the middle of 1,000 emails: after restarts every recipient has its email.

A real `hikeshi worker` process sends through the real SMTP adapter to a local SMTP server. It is
killed twice while it sends; a new one is started each time. The only messages that may arrive twice
are the ones in flight at a kill, and each of those is flagged and logged as interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.delivery import service
from hikeshi.delivery.models import Delivery, DeliveryAttempt
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.service import job_counts
from tests.support.smtp_server import SmtpServer

RECIPIENTS = 1000
KILL_WHEN_RECEIVED = (250, 620)  # emails at the server at each kill: mid-batch (batches of 100)
DEADLINE_SECONDS = 120.0
# On PostgreSQL a dead worker's jobs wait out their lease before another worker takes them back.
LEASE_SECONDS = 5
# After a kill, PostgreSQL may still be finishing a COMMIT the worker sent just before it died.
SETTLE_SECONDS = 0.5


def _ask_for_emails(container: Container) -> list[str]:
    addresses = [f"store{number:04d}@example.jp" for number in range(RECIPIENTS)]
    messages = [
        Outgoing(target=address, subject="【障害】予約システム", text="予約システムで障害が発生しています。")
        for address in addresses
    ]
    with container.sessions() as db:
        service.send_many(session=db, channel="email", messages=messages, now=container.clock())
        db.commit()
    return addresses


def _start_worker(database_url: str, smtp_url: str, workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("HIKESHI_")}
    environment.update(
        {
            "HIKESHI_ENV": "test",
            "HIKESHI_DATABASE_URL": database_url,
            "HIKESHI_SMTP_URL": smtp_url,
            "HIKESHI_SMTP_FROM": "hikeshi@example.jp",
            "HIKESHI_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        }
    )
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "hikeshi", "worker", "--poll-interval", "0.1"],
            cwd=workdir,  # no developer's .env is read
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition: Callable[[], bool], deadline: float, what: str, log: Path) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{_tail(log)}")
        time.sleep(0.02)


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])


def _received_at_least(server: SmtpServer, count: int) -> bool:
    return len(server.messages) >= count


def _in_flight(container: Container) -> set[int]:
    with container.sessions() as db:
        return set(db.scalars(select(Delivery.id).where(Delivery.status == "sending")))


def _sent(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent")) or 0


def test_killed_worker_loses_no_email_and_flags_the_one_in_flight(
    container: Container, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    addresses = _ask_for_emails(container)
    url, log = container.settings.database_url, tmp_path / "worker.log"
    deadline = time.monotonic() + DEADLINE_SECONDS
    in_flight_at_kills: list[set[int]] = []
    received_at_kills: list[int] = []
    worker = _start_worker(url, smtp_server.url, tmp_path, log)
    try:
        for threshold in KILL_WHEN_RECEIVED:
            arrived = partial(_received_at_least, smtp_server, threshold)
            _wait_for(arrived, deadline, f"{threshold} emails at the server", log)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            time.sleep(SETTLE_SECONDS)
            received_at_kills.append(len(smtp_server.messages))
            in_flight_at_kills.append(_in_flight(container))
            worker = _start_worker(url, smtp_server.url, tmp_path, log)
        _wait_for(lambda: _sent(container) == RECIPIENTS, deadline, "every delivery to be sent", log)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    # Each kill landed while there was more to send.
    assert all(count < RECIPIENTS for count in received_at_kills), received_at_kills
    # A kill leaves at most the one message in flight, whatever it interrupted.
    assert all(len(in_flight) <= 1 for in_flight in in_flight_at_kills), in_flight_at_kills
    interrupted = set().union(*in_flight_at_kills)

    received = Counter(address for item in smtp_server.messages for address in item.rcpt_tos)
    assert set(received) == set(addresses), "every recipient has its email, none is missing"
    twice = {address for address, count in received.items() if count > 1}
    assert max(received.values()) <= 2
    assert len(twice) <= len(KILL_WHEN_RECEIVED)
    assert sum(received.values()) == RECIPIENTS + len(twice)

    with container.sessions() as db:
        flagged = {d.id: d.target for d in db.scalars(select(Delivery).where(Delivery.possible_duplicate))}
        logs = {
            delivery_id: [
                (attempt.attempt, attempt.outcome)
                for attempt in db.scalars(
                    select(DeliveryAttempt)
                    .where(DeliveryAttempt.delivery_id == delivery_id)
                    .order_by(DeliveryAttempt.id)
                )
            ]
            for delivery_id in flagged
        }
        jobs = job_counts(session=db)
    assert set(flagged) == interrupted, "exactly the messages in flight at a kill are flagged"
    assert twice <= set(flagged.values()), "every duplicate is a flagged one"
    assert all(entries == [(1, "interrupted"), (2, "sent")] for entries in logs.values()), logs
    # Nothing left but the next occurrence of each recurring job (the worker keeps one scheduled).
    recurring = len(container.jobs.recurring())
    assert (jobs["pending"], jobs["running"], jobs["dead"]) == (recurring, 0, 0)
