"""The public status page under load: `/status` and `/api/v2/summary.json`, conditional and full.

The same company as the feed benchmark (a few hundred stores, three incidents with published notices, an
announced maintenance); `hikeshi serve --no-worker` on one core (SQLite, then PostgreSQL), wrk on the
other core asks each URL with its ETag (`If-None-Match`: every answer 304, as shared caches and
Statuspage-style pollers revalidate), then without (every answer the whole page or document).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.feed import CONNECTIONS, Load, _company, _wrk
from benchmarks.load import hikeshi_server, pinning_available, wrk_binary
from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)

NAME = "status"
SECONDS = 10
WARM_UP_SECONDS = 2
PATHS = ("/status?lang=ja", "/api/v2/summary.json")


@dataclass(frozen=True)
class Run:
    database: str
    path: str
    conditional: Load
    full: Load
    body_bytes: int

    def row(self) -> list[str]:
        return [
            self.database,
            f"`{self.path}`",
            f"{self.conditional.per_second(self.conditional.not_modified):,.0f}",
            f"{self.conditional.p99_ms:.1f} ms",
            f"{self.full.per_second(self.full.ok):,.0f}",
            f"{self.full.p99_ms:.1f} ms",
            f"{self.body_bytes:,} B",
            f"{self.conditional.other + self.full.other:,}",
        ]


def _measure(backend: str, scratch: Path) -> list[Run]:
    runs = []
    with database(backend, scratch, "hikeshi_bench_status") as container:
        _company(container)
        version = database_version(container)
        with hikeshi_server(container.settings.database_url, scratch) as server:
            for path in PATHS:
                url = f"{server.url}{path}"
                first = httpx.get(url, timeout=10)
                etag = first.headers.get("etag", "")
                if first.status_code != 200 or not etag:
                    raise SystemExit(f"status: {path} answered {first.status_code} (ETag {etag!r})")
                if httpx.get(url, headers={"If-None-Match": etag}, timeout=10).status_code != 304:
                    raise SystemExit(f"status: the ETag of {path} did not give 304")
                _wrk(url, etag=etag, seconds=WARM_UP_SECONDS)
                conditional = _wrk(url, etag=etag, seconds=SECONDS)
                time.sleep(0.5)
                full = _wrk(url, etag="-", seconds=SECONDS)
                runs.append(Run(version, path, conditional, full, len(first.content)))
    return runs


def run() -> None:
    if wrk_binary() is None:
        print("status: skipped, wrk is not installed (`make install-test` installs it)", file=sys.stderr)
        return
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-status-") as scratch_name:
        runs = [run for backend in backends for run in _measure(backend, Path(scratch_name))]
    headers = ["database", "URL", "304/s", "304 p99", "200/s", "200 p99", "body", "other answers"]
    figures = table(headers, [run.row() for run in runs])
    print(f"\nstatus: the public status page, {CONNECTIONS} connections\n{figures}\n")
    write_section(NAME, _section(figures))
    if any(run.conditional.other or run.full.other for run in runs):
        raise SystemExit(f"status: answers other than 304/200: {runs}")


def _section(figures: str) -> str:
    cores = "the server on core 0, wrk on core 1 (`taskset`)" if pinning_available() else "unpinned"
    return f"""## Public status page: requests per second

`GET /status?lang=ja` (the HTML page) and `GET /api/v2/summary.json` (Statuspage's JSON), with the feed
benchmark's company. hikeshi runs as `hikeshi serve --no-worker` (uvicorn, one process); wrk (one
thread, {CONNECTIONS} connections) sends each URL's ETag as `If-None-Match` for {SECONDS} s after a
{WARM_UP_SECONDS} s warm-up (every answer 304), then asks without it for {SECONDS} s (every answer the
whole body).

- Command: `make bench` (or `.venv/bin/python -m benchmarks status`)
- Machine: {machine()}; {cores}; the machine was shared with other work while this ran
- Date: {today()}

{figures}
"""
