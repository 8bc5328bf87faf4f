"""PostgreSQL restarted under a running `hikeshi serve`: it recovers by itself, without a restart.

The test owns a PostgreSQL cluster (the suite's shared server must never be restarted). A critical
alert pages the on-call engineer by email before the database goes down; while it is down the
server answers 503 (never 500, never a hang) and its worker's rounds fail; once it is back, the
same process answers again, stores a new alert, and its worker runs the jobs that alert queued:
the second email arrives.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from hikeshi.accounts import service as accounts
from hikeshi.alerts import integrations
from hikeshi.bootstrap import bootstrap
from hikeshi.core.settings import load_settings
from hikeshi.db.migrate import upgrade_database
from tests.support.hikeshi_process import hikeshi_processes
from tests.support.private_postgres import private_postgres
from tests.support.smtp_server import SmtpServer

SECONDS = 30.0


def _prepare(database_url: str) -> tuple[str, str]:
    """The schema, an engineer reachable by email, and an integration that pages them: its key."""
    container = bootstrap(
        load_settings(_env_file=None, env="test", database_url=database_url, secret_key="x" * 40)
    )
    try:
        upgrade_database(container.engine)
        with container.sessions() as db:
            now = container.clock()
            user = accounts.create_user(
                session=db,
                email="oncall@example.jp",
                name="Oncall",
                role="engineer",
                password="correct horse battery",
                now=now,
            )
            accounts.add_contact_method(
                session=db, user_id=user.id, kind="email", address=user.email, now=now
            )
            _, key = integrations.create_integration(
                session=db, name="Events", kind="pagerduty", page_user_id=user.id, now=now
            )
            db.commit()
        return key, user.email
    finally:
        container.close()


def _event(key: str, name: str) -> dict[str, object]:
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": name,
        "payload": {"summary": f"{name} is down", "source": name, "severity": "critical"},
    }


def test_serve_recovers_by_itself_when_postgresql_restarts(tmp_path: Path, smtp_server: SmtpServer) -> None:
    with private_postgres() as cluster:
        key, email = _prepare(cluster.url)
        environment = {"HIKESHI_SMTP_URL": smtp_server.url, "HIKESHI_SMTP_FROM": "hikeshi@example.jp"}
        with hikeshi_processes(cluster.url, tmp_path / "logs", **environment) as hikeshi:
            server = hikeshi.serve()
            with httpx.Client(base_url=server.url, timeout=20) as http:
                assert http.post("/v2/enqueue", json=_event(key, "db-1")).status_code == 202
                hikeshi.wait_for(
                    lambda: len(smtp_server.messages) == 1, seconds=SECONDS, what="the first page"
                )

                cluster.stop()
                assert http.get("/readyz").status_code == 503
                down = http.post("/v2/enqueue", json=_event(key, "db-2"))
                assert down.status_code == 503, down.text
                assert down.headers["retry-after"]
                hikeshi.wait_for(
                    lambda: "a round of jobs failed" in server.log.read_text(errors="replace"),
                    seconds=SECONDS,
                    what="the worker to meet the outage",
                )

                cluster.start()
                hikeshi.wait_for(
                    lambda: http.get("/readyz").status_code == 200, seconds=SECONDS, what="/readyz again"
                )
                assert http.post("/v2/enqueue", json=_event(key, "db-3")).status_code == 202
                hikeshi.wait_for(
                    lambda: len(smtp_server.messages) == 2, seconds=SECONDS, what="the second page"
                )
                assert http.get("/login").status_code == 200
            assert server.process.poll() is None, "the server died instead of recovering"

    subjects = [str(message.message["Subject"]) for message in smtp_server.messages]
    assert ["db-1" in subjects[0], "db-3" in subjects[1]] == [True, True], subjects
    assert {tuple(message.rcpt_tos) for message in smtp_server.messages} == {(email,)}
