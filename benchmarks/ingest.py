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
    stored: int | None = None  # hikeshi only: alerts of this run in the database afterwards

    def row(self) -> list[str]:
        figures = self.result
        not_2xx = figures.refused + figures.failed + figures.socket_errors + figures.timeouts
        durable = "in memory" if self.stored is None else f"{self.stored:,} stored / {figures.accepted:,} 2xx"
        return [
            self.server,
            self.database,
            f"{figures.accepted_per_second:,.0f}",
            f"{figures.p50_ms:.1f} ms",
            f"{figures.p99_ms:.1f} ms",
            f"{not_2xx:,}",
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
        with hikeshi_server(container.settings.database_url, scratch) as url:

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
            measured = load("measured", SECONDS, measured_keys)
            storm = load("storm", STORM_SECONDS_AT_MOST, storm_keys, stop_after=STORM_ALERTS)
        # The server has stopped: whatever it answered is committed, or never will be.
        stored = _stored_keys(container, integration_id, "measured-")
        _check_durable(stored, measured_keys, measured, f"{backend} sustained")
        stored_storm = _stored_keys(container, integration_id, "storm-")
        _check_durable(stored_storm, storm_keys, storm, f"{backend} storm")
    return Run("hikeshi", version, measured, len(stored)), Storm(version, storm, len(stored_storm))


def _alertmanager(binary: str, scratch: Path) -> Run:
    with alertmanager_server(binary, scratch) as url:

        def load(run: str, seconds: float) -> WrkResult:
            return run_wrk(
                f"{url}/api/v2/alerts",
                body_format="alertmanager",
                run=run,
                seconds=seconds,
                connections=CONNECTIONS,
            )

        load("warm", WARM_UP_SECONDS)
        measured = load("measured", SECONDS)
    return Run("Alertmanager", "(memory)", measured)


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
    headers = ["server", "database", "alerts/s", "p50", "p99", "not 2xx", "durable"]
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

What limits hikeshi here is CPU on its one core, not durability: concurrent requests share a commit
(group commit, `hikeshi.db.group_commit`), so batches grow with the load and a commit costs a share
of a millisecond per alert. Each alert costs about a millisecond of Python: around 0.2 ms of HTTP
(uvicorn, FastAPI, the middleware) and the rest in SQLAlchemy's ORM for the statements one alert
needs (find its open alert and group, insert it, count it in the group, write its history row).
Alertmanager is Go, keeps alerts in memory and spends a few tens of microseconds per request, so
the 0.5× target is out of reach for one CPython process doing an alert's work per request; closing
the gap needs set-based work per batch (one look-up and one multi-row INSERT for a whole batch) or
more server processes, not a setting. The machine is shared, so figures move by a fifth between runs.
"""


def _postgres_note() -> str:
    return (
        "PostgreSQL is the throwaway server of `scripts/postgres.sh` (fsync off) and is not pinned: it\n"
        "shares the two cores with hikeshi and wrk."
    )
