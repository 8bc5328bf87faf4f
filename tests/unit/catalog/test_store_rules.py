"""One store given field by field (a form, the API) meets the rules of a CSV row, problem by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hikeshi.catalog.import_rules import StoreRejected, check_store, parse_store_csv
from tests.support.catalog import store_csv

PRODUCTS = frozenset({"ipad-app", "web-booking"})
USERS = frozenset({"watanabe@example.jp"})


def test_a_good_store_gets_the_same_defaults_as_a_csv_row() -> None:
    record = {
        "external_id": " T1 ",
        "name": "鮨 はなぶさ",
        "region": "日本",
        "products": "web-booking;IPAD-APP",
        "account_emails": "Owner@Hanabusa.example.jp=2026-11-20T09:30",
        "sales_rep_email": "watanabe@example.jp",
    }
    row = check_store(record, product_slugs=PRODUCTS, user_emails=USERS)
    [csv_row], _, total = parse_store_csv(store_csv([record]), product_slugs=PRODUCTS, user_emails=USERS)
    assert total == 0
    assert (row.external_id, row.region, row.timezone, row.language) == ("T1", "jp", "Asia/Tokyo", "ja")
    assert row.product_slugs == ("web-booking", "ipad-app")
    assert row.accounts == (("owner@hanabusa.example.jp", datetime(2026, 11, 20, 0, 30, tzinfo=UTC)),)
    assert (row.external_id, row.timezone, row.product_slugs, row.accounts) == (
        csv_row.external_id,
        csv_row.timezone,
        csv_row.product_slugs,
        csv_row.accounts,
    )


def test_every_problem_names_its_field() -> None:
    record = {
        "external_id": "",
        "name": "X",
        "region": "overseas",
        "timezone": "Asia/Tokio",
        "language": "fr",
        "products": "web-booking;faxx",
        "account_emails": "not-an-address",
        "phone": "call me",
        "sales_rep_email": "nobody@example.jp",
    }
    with pytest.raises(StoreRejected) as rejected:
        check_store(record, product_slugs=PRODUCTS, user_emails=USERS)
    columns = [problem.column for problem in rejected.value.problems]
    assert columns == [
        "external_id",
        "timezone",
        "language",
        "products",
        "account_emails",
        "phone",
        "sales_rep_email",
    ]
    message = str(rejected.value)
    assert "timezone: unknown time zone 'Asia/Tokio'" in message
    assert "products: unknown product 'faxx'" in message
    assert rejected.value.field == "external_id"


def test_an_overseas_store_needs_a_time_zone() -> None:
    with pytest.raises(StoreRejected, match="timezone: required for a store overseas"):
        check_store(
            {"external_id": "L1", "name": "LA", "region": "overseas"},
            product_slugs=PRODUCTS,
            user_emails=USERS,
        )
