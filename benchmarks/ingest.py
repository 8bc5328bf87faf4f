"""Alerts per second into `POST /v2/enqueue`, side by side with Prometheus Alertmanager, then a storm.

One alert per request, each with its own dedup key, sustained by wrk for a fixed time after a short
warm-up; the server on one core, wrk on the other. hikeshi runs as `hikeshi serve --no-worker` on
SQLite and on PostgreSQL; Alertmanager takes the same alerts in its own format on `POST /api/v2/alerts`.
Every alert hikeshi answered with 2xx must be in its database once the server has stopped: the dedup
keys of the 2xx answers are compared with the stored rows. The storm sends 50,000 distinct alerts and
must not see a single answer other than 2xx.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from benchmarks.load import (
    WrkResult,
    alertmanager_binary,
    alertmanager_server,
    hikeshi_server,
    pinning_available,
    run_wrk,
    wrk_binary,
)
from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.alerts import integrations
from hikeshi.alerts.models import Alert
from hikeshi.bootstrap import Container

NAME = "ingest"
SECONDS = 15
WARM_UP_SECONDS = 3
CONNECTIONS = 32
STORM_ALERTS = 50_000
STORM_SECONDS_AT_MOST = 180
TARGET_RATIO = 0.5


@dataclass(frozen=True)
class Run:
    server: str
    database: str
    result: WrkResult
    cpu_seconds: float | None  # the server process's CPU time during the run
    stored: int | None = None  # hikeshi only: alerts of this run in the database afterwards

    def row(self) -> list[str]:
        figures = self.result
        not_2xx = figures.refused + figures.failed + figures.socket_errors + figures.timeouts
        durable = "in memory" if self.stored is None else f"{self.stored:,} stored / {figures.accepted:,} 2xx"
        cpu = (
            "?"
            if self.cpu_seconds is None or not figures.accepted
            else f"{self.cpu_seconds / figures.accepted * 1e6:.0f} µs"
        )
        return [
            self.server,
            self.database,
            f"{figures.accepted_per_second:,.0f}",
            f"{figures.p50_ms:.1f} ms",
            f"{figures.p99_ms:.1f} ms",
            f"{not_2xx:,}",
            cpu,
            durable,
        ]


@dataclass(frozen=True)
class Storm:
    database: str
    result: WrkResult
    stored: int

    def row(self) -> list[str]:
        figures = self.result
        return [
            self.database,
            f"{figures.accepted:,}",
            f"{figures.refused:,}",
            f"{figures.failed:,}",
            f"{figures.socket_errors + figures.timeouts:,}",
            f"{figures.duration_seconds:.1f} s",
            f"{figures.accepted_per_second:,.0f}",
            f"{figures.p99_ms:.1f} ms",
            f"{self.stored:,}",
        ]


def _integration(container: Container) -> tuple[int, str]:
    with container.sessions() as db:
        integration, key = integrations.create_integration(
            session=db, name="bench", kind="pagerduty", chat_channel="C0ALERTS", now=container.clock()
        )
        db.commit()
        return integration.id, key


def _stored_keys(container: Container, integration_id: int, prefix: str) -> set[str]:
    with container.sessions() as db:
        query = select(Alert.dedup_key).where(
            Alert.integration_id == integration_id, Alert.dedup_key.startswith(prefix)
        )
        return set(db.scalars(query))


def _check_durable(stored: set[str], keys_file: Path, result: WrkResult, what: str) -> None:
    """Every key answered 2xx is stored; extra rows can only be requests wrk left unread when it stopped."""
    accepted = [key for key in keys_file.read_text(encoding="utf-8").splitlines() if key]
    missing = set(accepted) - stored
    unread = len(stored) - len(set(accepted))
    if len(accepted) != result.accepted or missing or not 0 <= unread <= CONNECTIONS:
        raise SystemExit(
            f"ingest {what}: {result.accepted} answered 2xx, {len(accepted)} keys read, "
            f"{len(stored)} stored, {len(missing)} accepted but missing (e.g. {sorted(missing)[:3]})"
        )


def _hikeshi(backend: str, scratch: Path) -> tuple[Run, Storm]:
    with database(backend, scratch, "hikeshi_bench_ingest") as container:
        integration_id, key = _integration(container)
        version = database_version(container)
        measured_keys, storm_keys = scratch / f"{backend}-measured.keys", scratch / f"{backend}-storm.keys"
        with hikeshi_server(container.settings.database_url, scratch) as server:
            url = server.url

            def load(run: str, seconds: float, keys: Path | None = None, stop_after: int = 0) -> WrkResult:
                return run_wrk(
                    f"{url}/v2/enqueue",
                    body_format="pagerduty",
                    routing_key=key,
                    run=run,
                    seconds=seconds,
                    connections=CONNECTIONS,
                    keys_file=keys,
                    stop_after=stop_after,
                )

            load("warm", WARM_UP_SECONDS)
            cpu_before = server.cpu_seconds()
            measured = load("measured", SECONDS, measured_keys)
            cpu = _used(cpu_before, server.cpu_seconds())
            storm = load("storm", STORM_SECONDS_AT_MOST, storm_keys, stop_after=STORM_ALERTS)
        # The server has stopped: whatever it answered is committed, or never will be.
        stored = _stored_keys(container, integration_id, "measured-")
        _check_durable(stored, measured_keys, measured, f"{backend} sustained")
        stored_storm = _stored_keys(container, integration_id, "storm-")
        _check_durable(stored_storm, storm_keys, storm, f"{backend} storm")
    return Run("hikeshi", version, measured, cpu, len(stored)), Storm(version, storm, len(stored_storm))


def _used(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _alertmanager(binary: str, scratch: Path) -> Run:
    with alertmanager_server(binary, scratch) as server:

        def load(run: str, seconds: float) -> WrkResult:
            return run_wrk(
                f"{server.url}/api/v2/alerts",
                body_format="alertmanager",
                run=run,
                seconds=seconds,
                connections=CONNECTIONS,
            )

        load("warm", WARM_UP_SECONDS)
        cpu_before = server.cpu_seconds()
        measured = load("measured", SECONDS)
        cpu = _used(cpu_before, server.cpu_seconds())
    return Run("Alertmanager", "(memory)", measured, cpu)


def run() -> None:
    if wrk_binary() is None:
        print("ingest: skipped, wrk is not installed (`make install-test` installs it)", file=sys.stderr)
        return
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    runs: list[Run] = []
    storms: list[Storm] = []
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-ingest-") as scratch_name:
        scratch = Path(scratch_name)
        for backend in backends:
            measured, storm = _hikeshi(backend, scratch)
            runs.append(measured)
            storms.append(storm)
        binary = alertmanager_binary()
        if binary is not None:
            runs.append(_alertmanager(binary, scratch))
        else:
            print("ingest: Alertmanager is not installed; no comparison", file=sys.stderr)
    sustained, storm_table, ratios = _tables(runs, storms)
    print(f"\ningest: one alert per request, {SECONDS} s each\n{sustained}\n{ratios}\n\n{storm_table}\n")
    write_section(NAME, _section(sustained, storm_table, ratios))
    failures = [storm for storm in storms if storm.result.accepted < STORM_ALERTS]
    if failures:
        raise SystemExit(f"ingest: the storm saw answers other than 2xx: {failures}")


def _tables(runs: list[Run], storms: list[Storm]) -> tuple[str, str, str]:
    headers = ["server", "database", "alerts/s", "p50", "p99", "not 2xx", "server CPU per alert", "durable"]
    sustained = table(headers, [run.row() for run in runs])
    storm_headers = [
        "database", "2xx", "4xx", "5xx", "socket errors", "took", "alerts/s", "p99", "stored"
    ]  # fmt: skip
    storm_table = table(storm_headers, [storm.row() for storm in storms])
    reference = next((run for run in runs if run.server == "Alertmanager"), None)
    lines = []
    for run in runs:
        if run.server == "hikeshi" and reference is not None:
            ratio = run.result.accepted_per_second / reference.result.accepted_per_second
            verdict = "meets" if ratio >= TARGET_RATIO else "misses"
            target = f"{verdict} the {TARGET_RATIO}× target"
            lines.append(f"- hikeshi on {run.database} / Alertmanager: **{ratio:.2f}×** ({target})")
    return sustained, storm_table, "\n".join(lines)


def _section(sustained: str, storm_table: str, ratios: str) -> str:
    cores = "the server on core 0, wrk on core 1 (`taskset`)" if pinning_available() else "unpinned"
    return f"""## Ingest: alerts per second, side by side with Alertmanager

One alert per request, sustained for {SECONDS} s after a {WARM_UP_SECONDS} s warm-up, by wrk with one
thread and {CONNECTIONS} connections; each request carries its own dedup key (Alertmanager: its own
`instance` label), so every one is a new alert, and all share one name, so each server puts them in
one group. hikeshi runs as `hikeshi serve --no-worker` (uvicorn, one process) and answers
`POST /v2/enqueue` with 202 only once the alert is committed; Alertmanager (`POST /api/v2/alerts`,
one alert per request) keeps alerts in memory and writes none to disk. After each hikeshi run the
server is stopped and the dedup key of every 2xx answer is looked up in its database: all are there
("stored" may exceed "2xx" by the requests wrk had in flight when it stopped: committed, never read).
{_postgres_note()}

- Command: `make bench` (or `.venv/bin/python -m benchmarks ingest`)
- Machine: {machine()}; {cores}
- Date: {today()}

{sustained}

{ratios}

Storm: {STORM_ALERTS:,} distinct alerts as fast as they come, with the same {CONNECTIONS} connections,
after the sustained run (into a database that already holds its alerts, all in one alert group):

{storm_table}

How an alert is taken in: `/v2/enqueue` is answered in front of the web app (`hikeshi.alerts.ingest_asgi`:
no sessions, CSRF or dependency resolution, the same answers, headers and metrics), the event is
parsed and checked on the event loop, and the writer thread's group commit (`hikeshi.db.group_commit`)
stores every event waiting at that moment in one transaction, set-based (`hikeshi.alerts.batch`):
one look-up of the batch's dedup keys (on PostgreSQL one probe of the open-alert index per key, so
the look-up does not grow with the open alerts), one insert of its new alerts and one of their
history entries (multi-row INSERTs on SQLite, psycopg's pipelined executemany on PostgreSQL), one
update per alert group, one commit; only then are the 202s sent, each in one write to the socket
(`hikeshi.web.kit.http`).

What limits hikeshi is CPU on its one core ("server CPU per alert": the server process's CPU time
over the alerts it accepted), not durability. `.venv/bin/python -m benchmarks.ingest_cpu` splits it
by thread: about a third is the event loop (uvicorn's protocol, the kernel's TCP, reading and
checking the event, handing it to the writer), two thirds the writer thread. Measured alone, in
batches of 32, the writer needs about 75 µs per alert on SQLite and 110 µs on PostgreSQL (psycopg's
per-row parameters); the rest is the two threads sharing one core and one GIL, which changes hands
at every SQLite step and PostgreSQL round trip. With 32 connections a batch holds at most 32 alerts,
so the statements every batch needs whatever its size (find the integration, lock the group, ask
for the chat message's refresh, commit) weigh as much as the rows.
Alertmanager is Go, keeps alerts in memory, writes nothing before it answers and spends a few tens of
microseconds of CPU per alert, three to five times less than hikeshi: the 0.5× target is not reached
by one CPython process that stores each alert before answering; what is left to win is in the HTTP
layer (uvicorn and the event's checks) and in the statements each batch needs, not in one setting.
Alertmanager's own figure moves most between runs. On PostgreSQL each batch also waits for the
server's round trips while PostgreSQL competes for the other core with wrk. Two server processes
(`uvicorn --workers 2`, same core) were measured too and were slower: both writers lock the same
alert group, and the processes share one core. The machine is shared, so figures move by a fifth
between runs; the ratios within one run are what count.
"""


def _postgres_note() -> str:
    return (
        "PostgreSQL is the throwaway server of `scripts/postgres.sh` (fsync off) and is not pinned: it\n"
        "shares the two cores with hikeshi and wrk."
    )
