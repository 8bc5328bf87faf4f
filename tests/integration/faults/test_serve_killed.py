"""SIGKILL `hikeshi serve` while clients send alerts: every alert that got a 2xx is stored, none twice.

Eight client threads send PagerDuty events (each with its own dedup key) to a real `hikeshi serve`
as fast as it answers. When some hundreds are accepted the server is killed with SIGKILL, mid-batch;
the clients keep sending (their requests fail meanwhile) and a new server is started on the same
port. After more alerts are accepted by the new server, every dedup key that was answered 202 —
before or after the kill — must be in the database, exactly once, with a count of one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from hikeshi.bootstrap import Container
from tests.support.alerts import make_integration
from tests.support.hikeshi_process import hikeshi_processes

CLIENTS = 8
KILL_AFTER_ACCEPTED = 200
STOP_AFTER_ACCEPTED = 400  # in all, at least 100 after the restart too
SECONDS = 60.0


@dataclass
class Load:
    """What the clients sent and which of it the server acknowledged."""

    url: str
    key: str
    accepted: list[str] = field(default_factory=list)
    failed: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, number: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            sequence = 0
            while not self.stop.is_set():
                sequence += 1
                dedup_key = f"client{number}/{sequence}"
                event = {
                    "routing_key": self.key,
                    "event_action": "trigger",
                    "dedup_key": dedup_key,
                    "payload": {
                        "summary": f"Disk full {dedup_key}",
                        "source": "web-1",
                        "severity": "warning",
                    },
                }
                try:
                    answer = http.post("/v2/enqueue", json=event)
                except httpx.HTTPError:
                    answer = None
                with self.lock:
                    if answer is not None and 200 <= answer.status_code < 300:
                        self.accepted.append(dedup_key)
                    else:
                        self.failed += 1
                if answer is None:
                    self.stop.wait(0.01)  # the server is down: do not spin while it restarts

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)


def test_alerts_acknowledged_before_a_sigkill_are_all_stored_once(
    container: Container, tmp_path: Path
) -> None:
    _, key = make_integration(container, name="Events", kind="pagerduty")
    database_url = container.settings.database_url
    with hikeshi_processes(database_url, tmp_path / "logs") as hikeshi:
        server = hikeshi.serve()
        load = Load(url=server.url, key=key)
        clients = [threading.Thread(target=load.client, args=(n,)) for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        try:
            hikeshi.wait_for(
                lambda: load.count() >= KILL_AFTER_ACCEPTED, seconds=SECONDS, what="first alerts"
            )
            server.kill()
            accepted_before_kill = load.count()
            hikeshi.serve(port=server.port)
            hikeshi.wait_for(
                lambda: load.count() >= max(STOP_AFTER_ACCEPTED, accepted_before_kill + 100),
                seconds=SECONDS,
                what="alerts after the restart",
            )
        finally:
            load.stop.set()
            for thread in clients:
                thread.join(timeout=15)

    with container.engine.connect() as connection:
        stored = connection.execute(text("SELECT dedup_key, count AS seen FROM alerts")).all()
    stored_keys = [row.dedup_key for row in stored]
    missing = set(load.accepted) - set(stored_keys)
    assert not missing, f"{len(missing)} alerts answered 202 are not stored: {sorted(missing)[:10]}"
    assert len(stored_keys) == len(set(stored_keys)), "an alert is stored twice"
    assert {row.seen for row in stored} == {1}  # each accepted once, none counted twice
    assert len(load.accepted) == len(set(load.accepted))
    assert load.failed > 0, "the kill should have cut off some requests"
