"""The in-app notice feed under polling: conditional GETs answered 304 per second, and full answers.

A company with a few hundred stores, three incidents with published notices and an announced
maintenance; hikeshi runs as `hikeshi serve --no-worker` on one core (SQLite, then PostgreSQL), wrk on
the other core GETs one store's feed with its ETag (`If-None-Match`: every answer is 304, as for an
app polling an unchanged feed), then without (every answer is the full JSON). Target: 2,000 304s per
second on one core.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from benchmarks.load import LOAD_CORE, hikeshi_server, pinned, pinning_available, wrk_binary
from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product, create_store
from hikeshi.comms import maintenance, notices, publishing
from hikeshi.comms.maintenance import MaintenanceFields
from hikeshi.comms.schemas import NoticeUpdate
from hikeshi.incidents import service as incidents
from hikeshi.incidents.schemas import IncidentCreate

NAME = "feed"
LUA_SCRIPT = Path(__file__).resolve().parent / "feed.lua"
SECONDS = 15
FULL_SECONDS = 10
WARM_UP_SECONDS = 3
CONNECTIONS = 32
STORES = 300
TARGET_304_PER_SECOND = 2000
PRODUCTS = (
    ("ipad-app", "予約台帳アプリ (iPad)", "Reservation ledger (iPad)"),
    ("store-web", "店舗向け Web アプリ", "Store web app"),
    ("web-booking", "Web 予約", "Web booking"),
    ("sms", "SMS 送信", "SMS delivery"),
)


@dataclass(frozen=True)
class Load:
    duration_seconds: float
    not_modified: int
    ok: int
    other: int  # 4xx, 5xx, socket errors, timeouts
    p50_ms: float
    p99_ms: float

    def per_second(self, answers: int) -> float:
        return answers / self.duration_seconds if self.duration_seconds else 0.0


@dataclass(frozen=True)
class Run:
    database: str
    conditional: Load
    full: Load
    body_bytes: int
    cpu_per_304_us: float | None

    def row(self) -> list[str]:
        cpu = "?" if self.cpu_per_304_us is None else f"{self.cpu_per_304_us:.0f} µs"
        return [
            self.database,
            f"{self.conditional.per_second(self.conditional.not_modified):,.0f}",
            f"{self.conditional.p50_ms:.1f} ms",
            f"{self.conditional.p99_ms:.1f} ms",
            cpu,
            f"{self.full.per_second(self.full.ok):,.0f}",
            f"{self.full.p99_ms:.1f} ms",
            f"{self.body_bytes:,} B",
            f"{self.conditional.other + self.full.other:,}",
        ]


def _company(container: Container) -> None:
    """Products, stores, an approver, three incidents with published notices, an announced maintenance."""
    now = container.clock()
    with container.sessions() as db:
        for position, (slug, name_ja, name_en) in enumerate(PRODUCTS):
            create_product(
                session=db, slug=slug, name_ja=name_ja, name_en=name_en, position=position, now=now
            )
        for number in range(STORES):
            create_store(
                session=db,
                external_id=f"S{number:04d}",
                name=f"店舗 {number}",
                region="jp" if number % 10 else "overseas",
                timezone="Asia/Tokyo" if number % 10 else "Asia/Singapore",
                language="ja" if number % 10 else "en",
                product_slugs=["ipad-app", "web-booking"] if number % 3 else ["ipad-app", "sms"],
                account_emails=[f"s{number}@stores.example"],
                phone="",
                sales_rep_user_id=None,
                now=now,
            )
        admin = accounts.create_user(
            session=db, email="admin@bench.example", name="Admin", role="admin", now=now
        )
        for products in (["web-booking"], ["ipad-app"], ["sms"]):
            incident = incidents.declare_incident(
                session=db,
                new=IncidentCreate(title="bench", products=products, declare=True),
                by=admin.id,
                now=now,
            )
            for kind in ("first", "update"):
                notice = notices.create_notice(
                    session=db,
                    incident_id=incident.id,
                    maintenance_id=None,
                    kind=kind,
                    by=admin.id,
                    now=now,
                    channels=["status_page", "in_app"],
                )
                publishing.publish_notice(
                    session=db,
                    notice_id=notice.id,
                    by=admin.id,
                    now=now,
                    base_url="",
                    open_hours="11:00-23:00",
                )
        planned = maintenance.schedule_maintenance(
            session=db,
            fields=MaintenanceFields(
                title_ja="予約台帳アプリのサーバー移行",
                title_en="Ledger app server move",
                products=["ipad-app"],
                scheduled_for=now + timedelta(days=7),
                scheduled_until=now + timedelta(days=7, hours=2),
            ),
            by=admin.id,
            now=now,
        )
        for notice in maintenance.maintenance_notices(session=db, maintenance_id=planned.id):
            notices.update_notice(
                session=db,
                notice_id=notice.id,
                changes=NoticeUpdate(channels=["status_page", "in_app"]),
                by=admin.id,
                now=now,
            )
            publishing.publish_notice(
                session=db, notice_id=notice.id, by=admin.id, now=now, base_url="", open_hours="11:00-23:00"
            )
        db.commit()


def _wrk(url: str, *, etag: str, seconds: float) -> Load:
    binary = wrk_binary()
    assert binary is not None
    command = [
        binary,
        "--threads=1",
        f"--connections={CONNECTIONS}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={LUA_SCRIPT}",
        url,
        "--",
        etag,
    ]
    done = subprocess.run(pinned(LOAD_CORE, command), capture_output=True, text=True, check=False)  # noqa: S603
    results = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not results:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    figures = json.loads(results[-1])
    other = figures["refused"] + figures["failed"] + figures["socket_errors"] + figures["timeouts"]
    return Load(
        duration_seconds=figures["duration_us"] / 1e6,
        not_modified=figures["not_modified"],
        ok=figures["ok"],
        other=other,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


def _measure(backend: str, scratch: Path) -> Run:
    with database(backend, scratch, "hikeshi_bench_feed") as container:
        _company(container)
        version = database_version(container)
        with hikeshi_server(container.settings.database_url, scratch) as server:
            url = f"{server.url}/notices/feed.json?store=S0001&lang=ja"
            first = httpx.get(url, timeout=10)
            if first.status_code != 200 or not first.json()["notices"]:
                raise SystemExit(f"feed: the first answer was {first.status_code}: {first.text[:500]}")
            etag = first.headers["etag"]
            if httpx.get(url, headers={"If-None-Match": etag}, timeout=10).status_code != 304:
                raise SystemExit("feed: the ETag of the first answer did not give 304")
            _wrk(url, etag=etag, seconds=WARM_UP_SECONDS)
            cpu_before = server.cpu_seconds()
            conditional = _wrk(url, etag=etag, seconds=SECONDS)
            cpu_after = server.cpu_seconds()
            time.sleep(0.5)
            full = _wrk(url, etag="-", seconds=FULL_SECONDS)
    cpu = None
    if cpu_before is not None and cpu_after is not None and conditional.not_modified:
        cpu = (cpu_after - cpu_before) / conditional.not_modified * 1e6
    return Run(version, conditional, full, len(first.content), cpu)


def run() -> None:
    if wrk_binary() is None:
        print("feed: skipped, wrk is not installed (`make install-test` installs it)", file=sys.stderr)
        return
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-feed-") as scratch_name:
        runs = [_measure(backend, Path(scratch_name)) for backend in backends]
    headers = [
        "database", "304/s", "p50", "p99", "server CPU per 304", "200/s", "200 p99", "body", "other answers"
    ]  # fmt: skip
    figures = table(headers, [run.row() for run in runs])
    verdicts = "\n".join(_verdict(run) for run in runs)
    print(f"\nfeed: one store's feed, {CONNECTIONS} connections\n{figures}\n{verdicts}\n")
    write_section(NAME, _section(figures, verdicts))
    if any(run.conditional.other or run.full.other for run in runs):
        raise SystemExit(f"feed: answers other than 304/200: {runs}")


def _verdict(run: Run) -> str:
    rate = run.conditional.per_second(run.conditional.not_modified)
    verdict = "meets" if rate >= TARGET_304_PER_SECOND else "misses"
    return f"- {run.database}: {rate:,.0f} 304/s ({verdict} the {TARGET_304_PER_SECOND:,}/s target)"


def _section(figures: str, verdicts: str) -> str:
    cores = "the server on core 0, wrk on core 1 (`taskset`)" if pinning_available() else "unpinned"
    return f"""## In-app notice feed: conditional GETs per second

`GET /notices/feed.json?store=…&lang=ja` as thousands of apps poll it: {STORES} stores, three incidents
with two published notices each and an announced maintenance. hikeshi runs as `hikeshi serve
--no-worker` (uvicorn, one process); wrk (one thread, {CONNECTIONS} connections) first sends the feed's
ETag as `If-None-Match` for {SECONDS} s after a {WARM_UP_SECONDS} s warm-up (every answer 304, no body),
then asks without it for {FULL_SECONDS} s (every answer the whole JSON). Target: at least
{TARGET_304_PER_SECOND:,} 304s per second on one core.

- Command: `make bench` (or `.venv/bin/python -m benchmarks feed`)
- Machine: {machine()}; {cores}; the machine was shared with other work while this ran
- Date: {today()}

{figures}

{verdicts}

How: the feed is answered in front of the web app's middleware (`hikeshi.comms.feed_asgi`, the same
answers, security headers and metrics as the route). Its ETag is made of the comms version (counted on
every public change), the last clock mark passed (a maintenance starting or ending, an entry's days
running out) and the query; the process reads that state at most once a second for all requests, so a
304 touches no database. A 200's bytes are rendered once per state and query and kept (2,048 at most),
so full answers cost little more than a 304 until something changes; the first one after a change
reads the notices. What is left per request is uvicorn's HTTP handling in Python.
"""
