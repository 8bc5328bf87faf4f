"""Resident memory of `hikeshi serve` holding 100,000 open alerts.

`hikeshi serve` (web and worker in one process, as `make run` runs it) starts on an empty database; its
resident set size is read from /proc after start-up, then 100,000 distinct firing alerts arrive through
the Alertmanager webhook (1,000 per request, 100 alert groups), then the alert lists are read through the
API, and the resident and peak sizes are read again.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks.load import Server, hikeshi_server
from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.accounts import auth, service
from hikeshi.alerts import integrations
from hikeshi.alerts.models import Alert
from hikeshi.bootstrap import Container

NAME = "memory"
OPEN_ALERTS = 100_000
PER_REQUEST = 1_000
GROUPS = 100


@dataclass(frozen=True)
class Run:
    database: str
    idle_kib: int
    loaded_kib: int
    peak_kib: int
    open_alerts: int
    seconds: float

    def row(self) -> list[str]:
        return [
            self.database,
            _mib(self.idle_kib),
            f"{self.open_alerts:,}",
            _mib(self.loaded_kib),
            _mib(self.peak_kib),
            f"{self.seconds:,.0f} s",
        ]


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _status(server: Server) -> dict[str, int]:
    """VmRSS and VmHWM of the server process, in KiB."""
    text = Path(f"/proc/{server.running.process.pid}/status").read_text(encoding="ascii")
    sizes = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            sizes[name] = int(value.split()[0])
    return sizes


def _prepare(container: Container) -> tuple[str, str]:
    """An Alertmanager integration's key and an admin's API token."""
    now = container.clock()
    with container.sessions() as db:
        _, key = integrations.create_integration(session=db, name="Prometheus", kind="alertmanager", now=now)
        admin = service.create_user(session=db, email="bench@example.jp", name="Bench", role="admin", now=now)
        _, token = auth.create_api_token(session=db, user_id=admin.id, name="bench", now=now)
        db.commit()
    return key, token


def _webhook(first: int) -> dict[str, object]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": f"DiskFull{number % GROUPS}", "instance": f"db-{number}"},
            "annotations": {"summary": f"disk almost full on db-{number}"},
            "startsAt": "2026-11-29T00:00:00Z",
            "fingerprint": f"{number:016x}",
        }
        for number in range(first, first + PER_REQUEST)
    ]
    return {
        "version": "4",
        "groupKey": f"bench-{first}",
        "status": "firing",
        "receiver": "hikeshi",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


def _measure(backend: str, scratch: Path) -> Run:
    with database(backend, scratch, "hikeshi_bench_memory") as container:
        key, token = _prepare(container)
        label = database_version(container)
        with (
            hikeshi_server(container.settings.database_url, scratch, worker=True) as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            client.get("/readyz")
            idle = _status(server)["VmRSS"]
            start = time.monotonic()
            for first in range(0, OPEN_ALERTS, PER_REQUEST):
                answer = client.post(f"/hooks/{key}", json=_webhook(first))
                if answer.status_code >= 300:
                    raise SystemExit(f"memory: the webhook answered {answer.status_code}: {answer.text}")
            seconds = time.monotonic() - start
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/api/v1/alert-groups", "/api/v1/alerts?limit=500"):
                if client.get(path, headers=headers).status_code != 200:
                    raise SystemExit(f"memory: {path} did not answer 200")
            time.sleep(2)  # the worker's jobs for the new groups
            sizes = _status(server)
        with container.sessions() as db:
            stored = (
                db.scalar(select(func.count()).select_from(Alert).where(Alert.status == "triggered")) or 0
            )
    return Run(label, idle, sizes["VmRSS"], sizes["VmHWM"], stored, seconds)


def run() -> None:
    if not Path("/proc/self/status").exists():
        print("memory: skipped, /proc is not available", file=sys.stderr)
        return
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-memory-") as scratch_name:
        runs = [_measure(backend, Path(scratch_name)) for backend in backends]
    headers = ["database", "idle RSS", "open alerts", "RSS with them", "peak RSS", "time to send them"]
    figures = table(headers, [run.row() for run in runs])
    print(f"\nmemory: hikeshi serve with {OPEN_ALERTS:,} open alerts\n{figures}\n")
    write_section(NAME, _section(figures))
    short = [run.database for run in runs if run.open_alerts != OPEN_ALERTS]
    if short:
        raise SystemExit(f"memory: not every alert is open on {', '.join(short)}: {runs}")


def _section(figures: str) -> str:
    return f"""## Memory: `hikeshi serve` with {OPEN_ALERTS:,} open alerts

`hikeshi serve` (web and worker in one process) on an empty database; its resident set size (VmRSS) is read
after start-up, then {OPEN_ALERTS:,} distinct firing alerts arrive through the Alertmanager webhook
({PER_REQUEST:,} per request, {GROUPS} alert groups), the alert lists are read through the API, and the
resident and peak (VmHWM) sizes are read again.

- Command: `make bench` (or `.venv/bin/python -m benchmarks memory`)
- Machine: {machine()}; the machine was shared with other work while this ran
- Date: {today()}

{figures}
"""
