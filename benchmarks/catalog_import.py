"""Stores imported per second: a 100,000-row CSV through `import_stores`, then again (every row an
update), then the impact estimate over the result. The same code path as `hikeshi import stores`."""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.bootstrap import Container
from hikeshi.catalog import importing
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.service import create_product, get_product_by_slug

NAME = "catalog_import"
STORES = 100_000
PRODUCTS = ("ipad-app", "store-web", "web-booking", "email", "fax", "sms")
HEADER = "external_id,name,region,timezone,language,products,account_emails,phone,sales_rep_email"


@dataclass(frozen=True)
class Figures:
    version: str
    create_seconds: float
    update_seconds: float
    impact_seconds: float
    affected: int

    def row(self) -> list[str]:
        return [
            self.version,
            f"{self.create_seconds:.1f} s",
            f"{STORES / self.create_seconds:,.0f}",
            f"{self.update_seconds:.1f} s",
            f"{STORES / self.update_seconds:,.0f}",
            f"{self.impact_seconds * 1000:,.0f} ms ({self.affected:,} stores)",
        ]


def store_file(count: int = STORES) -> bytes:
    """A realistic export: four in five stores in Japan, two products or three each, two accounts."""
    lines = [HEADER]
    for number in range(count):
        japan = number % 5 != 0
        products = ";".join(
            ["ipad-app", "web-booking" if number % 3 else "sms"] + (["fax"] if number % 7 == 0 else [])
        )
        lines.append(
            f"S{number:07d},店舗 {number} 本店,{'jp' if japan else 'overseas'},"
            f"{'' if japan else 'America/Los_Angeles'},,{products},"
            f"owner{number}@store.example.jp=2026-11-20T09:30|staff{number}@store.example.jp,"
            f"03-5555-{number % 10_000:04d},"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _measure(container: Container, data: bytes) -> Figures:
    with container.sessions() as db:
        for position, slug in enumerate(PRODUCTS):
            create_product(
                session=db, slug=slug, name_ja=slug, name_en=slug, position=position, now=container.clock()
            )
        db.commit()
    timings = []
    for expected in ("created", "updated"):
        started = time.perf_counter()
        with container.sessions() as db:
            result = importing.import_stores(session=db, data=data, now=container.clock())
            db.commit()
        timings.append(time.perf_counter() - started)
        if getattr(result, expected) != STORES:
            raise SystemExit(f"catalog_import: {result}")
    started = time.perf_counter()
    with container.sessions() as db:
        booking = get_product_by_slug(session=db, slug="web-booking")
        impact = estimate_impact(session=db, product_ids=[booking.id], region_codes=["jp"])
    impact_seconds = time.perf_counter() - started
    return Figures(database_version(container), timings[0], timings[1], impact_seconds, impact.store_count)


def run() -> None:
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    data = store_file()
    results = []
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-") as scratch:
        for backend in backends:
            with database(backend, Path(scratch), "hikeshi_bench_catalog") as container:
                results.append(_measure(container, data))
    headers = [
        "database",
        "first import",
        "stores/s",
        "re-import (all updates)",
        "stores/s",
        "impact: web booking, Japan",
    ]
    figures = table(headers, [result.row() for result in results])
    print(f"\ncatalog_import: {STORES:,} stores from CSV ({len(data) / 1e6:.1f} MB)\n{figures}\n")
    if "postgresql" not in backends:
        print(
            "catalog_import: PostgreSQL skipped (no server; set HIKESHI_BENCH_POSTGRES_URL)", file=sys.stderr
        )
    write_section(NAME, _section(figures, len(data)))


def _section(figures: str, size: int) -> str:
    return f"""## Catalog: importing stores from CSV

A {STORES:,}-row store CSV ({size / 1e6:.1f} MB, UTF-8; each store with two or three products and
two accounts, so 100,000 store rows, about 214,000 product links and 200,000 accounts) goes through
`hikeshi.catalog.importing.import_stores`, the code behind `hikeshi import stores FILE.csv` and the
upload page: every row is checked first, then the stores are upserted by external id in batches of
2,000 with set-based Core statements (one executemany INSERT and one executemany UPDATE per batch,
which psycopg pipelines; the batch's old product links and accounts deleted with one DELETE each and the
new ones inserted the same way), all in one transaction. The
second import finds every store and updates it. The last column is `estimate_impact` for web booking
in Japan over the imported catalog (SQL aggregates: counts by region, a page of stores, distinct
account emails). One round on a fresh database per backend; the shared machine was busy with other
work while this ran, so take the figures as an upper bound.

- Command: `.venv/bin/python -m benchmarks catalog_import` (PostgreSQL: `HIKESHI_BENCH_POSTGRES_URL`)
- Machine: {machine()} (the development container)
- Date: {today()}

{figures}
"""
