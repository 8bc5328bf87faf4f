"""Alerts per second into `POST /v2/enqueue`, side by side with Prometheus Alertmanager, then a storm.

One alert per request, each with its own dedup key, sustained by wrk for a fixed time after a short
warm-up; the server on one core, wrk on the other. hikeshi runs as `hikeshi serve --no-worker` on
SQLite and on PostgreSQL; Alertmanager takes the same alerts in its own format on `POST /api/v2/alerts`.
Every alert hikeshi answered with 2xx must be in its database once the server has stopped: the dedup
keys of the 2xx answers are compared with the stored rows. The storm sends 50,000 distinct alerts and
must not see a single answer other than 2xx.
"""

from __future__ import annotations

import json
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


def _accepted_keys(keys_file: Path) -> list[str]:
    """The dedup keys of the 2xx answers wrk's threads wrote (`KEYS_FILE.N`, one answer a line)."""
    keys = []
    for written in sorted(keys_file.parent.glob(f"{keys_file.name}.*")):
        for line in written.read_text(encoding="utf-8").splitlines():
            if line:
                keys.append(str(json.loads(line).get("dedup_key", "")))
    return keys


def _check_durable(stored: set[str], keys_file: Path, result: WrkResult, what: str) -> None:
    """Every key answered 2xx is stored; extra rows can only be requests wrk left unread when it stopped."""
    accepted = _accepted_keys(keys_file)
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

How an alert is taken in: `/v2/enqueue` is answered on the HTTP protocol itself
(`hikeshi.web.kit.http`, `DirectAnswers`): uvicorn's parser reads the request, and the event is checked
and answered from bytes, without the ASGI request, task, scope and middleware uvicorn builds for every
other request (the same answers, headers and metrics; anything unusual goes to the app as before).
A well-formed event becomes one unit of the group commit (`hikeshi.db.group_commit`), which stores the
units waiting at that moment in one transaction, set-based (`hikeshi.alerts.batch`): one look-up of
the batch's dedup keys (on PostgreSQL one probe of the open-alert index per key, so the look-up does
not grow with the open alerts), one insert of its new alerts and one of their history entries
(multi-row INSERTs on SQLite, psycopg's pipelined executemany on PostgreSQL), one prepared UPDATE
per alert group, one commit; only then are the 202s sent. On SQLite the batch is committed on the
event loop itself, at the end of the loop's round that read its requests, when the write lock is free
(otherwise the writer thread waits for the lock, and the loop goes on); on PostgreSQL a writer thread
does every batch, since its round trips would leave the loop idle. SQLite runs in WAL mode with
`synchronous=NORMAL`: a committed alert survives the process being killed (tested by SIGKILL in
`tests/integration/faults`), though not a power cut of the machine between two checkpoints.

What limits hikeshi is CPU on its one core ("server CPU per alert": the server process's CPU time
over the alerts it accepted). About a third of it is the kernel's TCP and uvloop, which Alertmanager
pays too; the rest is CPython checking the event, building the alert's rows and answering. On SQLite
the 2026-11-29 changes took it from 152 µs to about 70 µs per alert (`python -m benchmarks.ingest_cpu`
prints it by thread): JSON columns written by orjson; the group's lock and update as two prepared
statements; the chat refresh asked for with one statement; the batch committed on the event loop,
which spared the two threads handing the interpreter's lock to each other at every SQLite step
(about 20 µs per alert); the HTTP answer made on the protocol (about 10 µs). On PostgreSQL the writer
thread stays, and psycopg's per-row parameters and about nine round trips per batch keep it near
170 µs per alert, with PostgreSQL competing with wrk for the other core. The load generator writes
each 2xx answer to a file as it comes, so that durability can be checked afterwards: keeping them in
a Lua table instead had slowed wrk by a fifth once it held a hundred thousand, and with it hikeshi's
figure. Alertmanager's own figure moves most between runs (23,000 to 28,000 alerts/s on the same
machine in one afternoon), so the SQLite ratio lands on either side of 0.5×; the ratios within one
run are what count.
"""


def _postgres_note() -> str:
    return (
        "PostgreSQL is the throwaway server of `scripts/postgres.sh` (fsync off) and is not pinned: it\n"
        "shares the two cores with hikeshi and wrk."
    )
