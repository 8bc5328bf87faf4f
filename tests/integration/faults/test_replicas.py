"""Two `hikeshi serve --no-worker` replicas and two `hikeshi worker`s on one PostgreSQL: nothing twice.

The monitoring side sends every critical alert to both replicas at once (as a highly available
Alertmanager pair does). Each alert is a new group that pages the on-call engineer, who has an SMS
number and an email address. The local Twilio and SMTP servers must then receive exactly one SMS and
one email per alert: two web processes storing the same alert concurrently open one group and one
page, and two workers never both send the same notification.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from tests.support.hikeshi_process import hikeshi_processes
from tests.support.paging import add_person
from tests.support.smtp_server import SmtpServer
from tests.support.twilio_server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioServer

ALERTS = 10
SECONDS = 60.0


def _integration_paging(container: Container, user_id: int) -> str:
    from hikeshi.alerts import integrations

    with container.sessions() as db:
        _, key = integrations.create_integration(
            session=db, name="Events", kind="pagerduty", page_user_id=user_id, now=container.clock()
        )
        db.commit()
    return key


def _send_to_both(urls: list[str], key: str, number: int, answers: list[int]) -> None:
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": f"db-{number}",
        "payload": {"summary": f"DB {number} down", "source": f"db-{number}", "severity": "critical"},
    }
    barrier = threading.Barrier(len(urls))

    def send(url: str) -> None:
        barrier.wait()
        answers.append(httpx.post(f"{url}/v2/enqueue", json=event, timeout=10).status_code)

    threads = [threading.Thread(target=send, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.postgres_only
def test_two_replicas_and_two_workers_send_each_page_once(
    container: Container, tmp_path: Path, smtp_server: SmtpServer, twilio_server: TwilioServer
) -> None:
    engineer = add_person(container, "oncall@example.jp", phone="+819012345678")
    with container.sessions() as db:
        accounts.add_contact_method(
            session=db, user_id=engineer.id, kind="email", address=engineer.email, now=container.clock()
        )
        db.commit()
    key = _integration_paging(container, engineer.id)
    environment = {
        "HIKESHI_SMTP_URL": smtp_server.url,
        "HIKESHI_SMTP_FROM": "hikeshi@example.jp",
        "HIKESHI_TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "HIKESHI_TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "HIKESHI_TWILIO_FROM": "+81312345678",
        "HIKESHI_TWILIO_API_URL": twilio_server.api_url,
        "HIKESHI_PAGING_RATE_LIMIT": "1000",  # ten pages in a minute are not a flood here
    }
    with hikeshi_processes(container.settings.database_url, tmp_path / "logs", **environment) as hikeshi:
        replicas = [hikeshi.serve(worker=False), hikeshi.serve(worker=False)]
        hikeshi.worker()
        hikeshi.worker()
        answers: list[int] = []
        for number in range(ALERTS):
            _send_to_both([replica.url for replica in replicas], key, number, answers)
        assert answers == [202] * (2 * ALERTS)
        hikeshi.wait_for(
            lambda: len(smtp_server.messages) >= ALERTS and len(twilio_server.accepted("Messages")) >= ALERTS,
            seconds=SECONDS,
            what=f"{ALERTS} emails and {ALERTS} SMS",
        )
        hikeshi.wait_for(lambda: _due_jobs_left(container) == 0, seconds=SECONDS, what="the queue to drain")

    sms = Counter(request.fields["Body"] for request in twilio_server.accepted("Messages"))
    emails = Counter(str(message.message["Subject"]) for message in smtp_server.messages)
    assert len(sms) == ALERTS, sms
    assert set(sms.values()) == {1}, sms
    assert len(emails) == ALERTS, emails
    assert set(emails.values()) == {1}, emails
    for number in range(ALERTS):
        assert sum(f"DB {number} down" in body for body in sms) == 1
        assert sum(f"DB {number} down" in subject for subject in emails) == 1
    assert {request.fields["To"] for request in twilio_server.accepted("Messages")} == {engineer.phone}
    assert {tuple(message.rcpt_tos) for message in smtp_server.messages} == {(engineer.email,)}
    with container.engine.connect() as connection:
        groups = connection.execute(text("SELECT count(*) FROM alert_groups")).scalar_one()
        pages = connection.execute(text("SELECT count(*) FROM pages")).scalar_one()
        alerts = connection.execute(text("SELECT count(*), sum(count) FROM alerts")).one()
    assert (groups, pages) == (ALERTS, ALERTS)
    assert tuple(alerts) == (ALERTS, 2 * ALERTS)  # each alert stored once, seen twice


def _due_jobs_left(container: Container) -> int:
    with container.engine.connect() as connection:
        query = "SELECT count(*) FROM jobs WHERE status IN ('pending', 'running') AND due_at <= :now"
        return int(connection.execute(text(query), {"now": container.clock()}).scalar_one())
