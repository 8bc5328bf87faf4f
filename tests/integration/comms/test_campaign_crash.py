"""SIGKILL the worker while it lists a campaign's recipients, and again while it sends their emails.

A real `hikeshi worker` process sends a notice to 1,000 affected accounts through the real SMTP
adapter to a local SMTP server; it is killed once in the build phase and once mid-sending, and a new
one is started each time. Afterwards every affected address (minus the opted-out ones) has its email,
each under one Message-ID; no one is skipped or listed twice. SMTP cannot make a message that a
server accepted and whose acceptance the dying worker never recorded un-arrive: such a message is
sent again, flagged `possible_duplicate`, and at most one per kill. The receiver sees the same
Message-ID twice and can fold the copies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.comms import campaigns, opt_outs
from hikeshi.comms.models import CampaignRecipient, EmailCampaign
from hikeshi.delivery.models import Delivery
from tests.support.catalog import add_products
from tests.support.comms import add_stores, published_notice
from tests.support.smtp_server import SmtpServer

AFFECTED = 1000
OPTED_OUT = 10
CHUNK = 50  # 20 chunks: the build phase lasts long enough to be killed in
KILL_DURING_BUILD_AT = 300  # recipients listed
KILL_DURING_SENDING_AT = 500  # emails at the server
DEADLINE_SECONDS = 180.0
LEASE_SECONDS = 5  # on PostgreSQL a dead worker's jobs wait out their lease
SETTLE_SECONDS = 0.5
SENDER = "notices@example.jp"


def _prepare(container: Container) -> tuple[list[str], list[str], int]:
    now = container.clock()
    with container.sessions() as db:
        add_products(db, container)
        affected = add_stores(db, count=AFFECTED, products=("web-booking",), now=now, prefix="hit")
        add_stores(db, count=50, products=("fax",), now=now, prefix="miss")
        opted = affected[:: AFFECTED // OPTED_OUT]
        for address in opted:
            opt_outs.add_opt_out(session=db, email=address, source="link", now=now)
        notice = published_notice(db, now=now)
        campaigns.start_campaign(session=db, notice=notice, now=now, chunk_size=CHUNK)
        db.commit()
        return affected, opted, notice.id


def _start_worker(database_url: str, smtp_url: str, workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("HIKESHI_")}
    environment.update(
        {
            "HIKESHI_ENV": "test",
            "HIKESHI_DATABASE_URL": database_url,
            "HIKESHI_SECRET_KEY": "x" * 40,
            "HIKESHI_SMTP_URL": smtp_url,
            "HIKESHI_SMTP_FROM": SENDER,
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
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{tail}")
        time.sleep(0.02)


def _listed(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count(CampaignRecipient.id))) or 0


def _status(container: Container) -> str:
    with container.sessions() as db:
        return str(db.scalar(select(EmailCampaign.status)))


def _kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(SETTLE_SECONDS)


def test_killed_worker_skips_no_one_and_lists_no_one_twice(
    container: Container, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    affected, opted, notice_id = _prepare(container)
    url, log = container.settings.database_url, tmp_path / "worker.log"
    deadline = time.monotonic() + DEADLINE_SECONDS
    worker = _start_worker(url, smtp_server.url, tmp_path, log)
    try:
        _wait_for(
            lambda: _listed(container) >= KILL_DURING_BUILD_AT, deadline, "the build to be under way", log
        )
        _kill(worker)
        listed_at_kill, status_at_kill = _listed(container), _status(container)
        worker = _start_worker(url, smtp_server.url, tmp_path, log)
        arrived = lambda: len(smtp_server.messages) >= KILL_DURING_SENDING_AT  # noqa: E731
        _wait_for(arrived, deadline, f"{KILL_DURING_SENDING_AT} emails at the server", log)
        _kill(worker)
        received_at_kill = len(smtp_server.messages)
        worker = _start_worker(url, smtp_server.url, tmp_path, log)
        _wait_for(lambda: _status(container) == "done", deadline, "the campaign to be done", log)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    assert status_at_kill == "preparing"
    assert listed_at_kill < AFFECTED, "the first kill landed while recipients were still being listed"
    assert received_at_kill < AFFECTED - OPTED_OUT, "the second kill landed while emails were going out"

    with container.sessions() as db:
        recipients = Counter(db.scalars(select(CampaignRecipient.email)))
        deliveries = db.scalar(select(func.count(Delivery.id)))
        flagged = set(db.scalars(select(Delivery.target).where(Delivery.possible_duplicate)))
        progress = campaigns.campaign_progress(session=db, notice_id=notice_id)
    assert set(recipients) == set(affected), "every affected address is listed"
    assert set(recipients.values()) == {1}, "and listed once"
    assert deliveries == AFFECTED - OPTED_OUT, "one email asked for per address that did not opt out"
    assert progress is not None
    assert (progress.total, progress.sent, progress.opted_out, progress.queued, progress.failed) == (
        AFFECTED,
        AFFECTED - OPTED_OUT,
        OPTED_OUT,
        0,
        0,
    )

    received = Counter(address for item in smtp_server.messages for address in item.rcpt_tos)
    assert set(received) == set(affected) - set(opted), "everyone got it; no opted-out or unaffected address"
    message_ids = {item.message["Message-ID"] for item in smtp_server.messages}
    assert len(message_ids) == AFFECTED - OPTED_OUT, "one Message-ID per recipient, re-sends included"
    twice = {address for address, count in received.items() if count > 1}
    assert max(received.values()) <= 2
    # Sending starts while recipients are still being listed, so either kill may land with one in flight.
    assert len(twice) <= 2, "at most the one message in flight at each kill is sent twice"
    assert twice <= flagged, "every raw duplicate is a delivery flagged possible_duplicate"
    print(f"raw duplicates at the SMTP server after two kills: {len(twice)}")
