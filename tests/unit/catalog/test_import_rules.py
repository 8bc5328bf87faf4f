"""Reading store CSV files: encodings, every problem by line and column, defaults."""

from __future__ import annotations

import codecs

import pytest

from hikeshi.catalog.import_rules import decode_csv, parse_store_csv
from hikeshi.core.errors import InvalidInput
from tests.support.catalog import store_csv

PRODUCTS = frozenset({"ipad-app", "web-booking", "sms"})
USERS = frozenset({"watanabe@example.jp"})


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_store_csv(text, product_slugs=PRODUCTS, user_emails=USERS)


def test_utf8_with_and_without_bom_and_shift_jis_read_the_same() -> None:
    text = "external_id,name,region\nS1,銀座 鮨 はなぶさ,jp\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode_csv(text.encode("cp932")) == text


def test_bytes_of_no_known_encoding_are_refused_naming_the_file() -> None:
    with pytest.raises(InvalidInput, match="file"):
        decode_csv(b"\xff\xfe\x00\x81\x00")


def test_a_good_row_gets_region_defaults_and_parsed_accounts() -> None:
    rows, problems, total = parse(
        store_csv(
            [
                {
                    "external_id": "S1",
                    "name": "鮨 はなぶさ",
                    "region": "日本",
                    "products": "iPad-App | web-booking;web-booking",
                    "account_emails": "Owner@Example.jp=2026-11-20T09:30; staff@example.jp",
                    "phone": "03-1234-5678",
                    "sales_rep_email": "Watanabe@example.jp",
                }
            ]
        )
    )
    assert (problems, total) == ([], 0)
    [row] = rows
    assert (row.region, row.timezone, row.language) == ("jp", "Asia/Tokyo", "ja")
    assert row.product_slugs == ("ipad-app", "web-booking")
    (owner, owner_login), (staff, staff_login) = row.accounts
    assert (owner, staff, staff_login) == ("owner@example.jp", "staff@example.jp", None)
    assert owner_login is not None
    assert owner_login.isoformat() == "2026-11-20T09:30:00+09:00"  # local to the store
    assert row.sales_rep_email == "watanabe@example.jp"


def test_every_problem_is_reported_by_line_and_column() -> None:
    text = store_csv(
        [
            {"external_id": "S1", "name": "A", "region": "jp", "timezone": "Asia/Tokio"},
            {"external_id": "S2", "name": "", "region": "mars"},
            {"external_id": "S3", "name": "C", "region": "overseas"},
            {"external_id": "S1", "name": "D", "region": "jp", "products": "fax", "language": "fr"},
            {"external_id": "S5", "name": "E", "region": "jp", "account_emails": "not-an-address"},
            {"external_id": "S6", "name": "F", "region": "jp", "sales_rep_email": "nobody@example.jp"},
        ]
    )
    rows, problems, total = parse(text)
    found = {(problem.line, problem.column, problem.message.format(**problem.params)) for problem in problems}
    assert (2, "timezone", "unknown time zone 'Asia/Tokio'") in found
    assert (3, "name", "must not be empty") in found
    assert (3, "region", "'mars' is not jp or overseas") in found
    assert (4, "timezone", "required for a store overseas, e.g. America/Los_Angeles") in found
    assert (5, "products", "unknown product 'fax'") in found
    assert (5, "language", "'fr' is not ja or en") in found
    assert (6, "account_emails", "'not-an-address' is not an email address") in found
    assert (7, "sales_rep_email", "no hikeshi user has the address 'nobody@example.jp'") in found
    assert total == len(problems) == 8
    assert rows == []


def test_a_repeated_external_id_names_the_first_line() -> None:
    text = store_csv([{"external_id": "S1", "name": "A", "region": "jp"}] * 2)
    _, problems, _ = parse(text)
    [problem] = problems
    assert (problem.line, problem.column) == (3, "external_id")
    assert problem.message.format(**problem.params) == "'S1' appears again (first on line 2)"


def test_a_quoted_value_over_two_lines_keeps_later_line_numbers_true() -> None:
    text = 'external_id,name,region\nS1,"鮨\nはなぶさ",jp\nS2,B,nowhere\n'
    _, problems, _ = parse(text)
    assert [(p.line, p.column) for p in problems] == [(4, "region")]


def test_header_problems_stop_before_the_rows() -> None:
    _, problems, total = parse("external_id,name,colour\nS1,A,red\n")
    assert {(p.line, p.column) for p in problems} == {(1, "colour"), (1, "region")}
    assert total == 2


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        parse("")
