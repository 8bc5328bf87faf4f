"""A small catalog for tests: the demo company's products, CSV files of stores, running the import job."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from hikeshi.jobs.worker import Worker

PRODUCTS = (
    ("ipad-app", "予約台帳アプリ (iPad)", "Reservation ledger (iPad)"),
    ("store-web", "店舗向け Web アプリ", "Store web app"),
    ("web-booking", "Web 予約", "Web booking"),
    ("email", "メール配信", "Email delivery"),
    ("fax", "FAX 送信", "FAX delivery"),
    ("sms", "SMS 送信", "SMS delivery"),
    ("partner-api", "パートナー API", "Partner API"),
)
HEADER = "external_id,name,region,timezone,language,products,account_emails,phone,sales_rep_email"


def add_products(session: Session, container: Container) -> dict[str, int]:
    ids = {}
    for position, (slug, name_ja, name_en) in enumerate(PRODUCTS):
        product = create_product(
            session=session,
            slug=slug,
            name_ja=name_ja,
            name_en=name_en,
            position=position,
            now=container.clock(),
        )
        ids[slug] = product.id
    return ids


def run_jobs(container: Container) -> int:
    """Run every job due now once, as the worker process would (the page's imports among them)."""
    with Worker(container=container, registry=container.jobs, worker_id="test-worker") as worker:
        return worker.run_once()


def store_csv(rows: Iterable[Mapping[str, str]], *, header: str = HEADER) -> str:
    """CSV text with the given columns; missing values are empty."""
    columns = header.split(",")
    lines = [header]
    for row in rows:
        lines.append(",".join(_quoted(row.get(column, "")) for column in columns))
    return "\r\n".join(lines) + "\r\n"


def _quoted(value: str) -> str:
    if any(char in value for char in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
