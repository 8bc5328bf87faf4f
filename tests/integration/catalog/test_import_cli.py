"""`hikeshi import stores FILE.csv` as an administrator runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from hikeshi.bootstrap import Container
from hikeshi.catalog import service
from tests.support.catalog import store_csv
from tests.support.cli import run


def _rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "external_id": f"T{number:05d}",
            "name": f"テスト店舗 {number}",
            "region": "jp" if number % 4 else "overseas",
            "timezone": "" if number % 4 else "America/Los_Angeles",
            "products": "ipad-app;web-booking" if number % 2 else "ipad-app|sms",
            "account_emails": f"owner{number}@example.jp=2026-11-20T09:30|staff{number}@example.jp",
            "phone": f"03-1234-{number:04d}",
            "sales_rep_email": "watanabe@example.jp" if number % 10 == 0 else "",
        }
        for number in range(1, count + 1)
    ]


def _stores(container: Container) -> int:
    with container.sessions() as db:
        return service.count_stores(session=db)


def test_one_bad_row_among_a_thousand_exits_2_naming_line_and_column_and_imports_nothing(
    container: Container, products: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    rows = _rows(1000)
    rows[15]["timezone"] = "Asia/Tokio"  # line 17: the header is line 1
    path = tmp_path / "stores.csv"
    path.write_text(store_csv(rows), encoding="utf-8")
    result = run("import", "stores", str(path), database_url=database_url, HIKESHI_LANGUAGE="en")
    assert result.returncode == 2
    assert "line 17, column timezone: unknown time zone 'Asia/Tokio'" in result.stderr
    assert "Problems found: 1. Nothing was imported." in result.stderr
    assert "Traceback" not in result.stderr
    assert _stores(container) == 0


def test_problems_are_reported_in_japanese_by_default(
    container: Container, products: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "stores.csv"
    path.write_text(store_csv([{"external_id": "X1", "name": "A", "region": "mars"}]), encoding="utf-8")
    result = run("import", "stores", str(path), database_url=database_url)
    assert result.returncode == 2
    assert "2 行目、region 列: 'mars' は jp か overseas ではありません" in result.stderr


def test_a_thousand_rows_import_then_reimport_upserts_by_external_id(
    container: Container, products: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "stores.csv"
    rows = _rows(1000)
    path.write_text(store_csv(rows), encoding="utf-8")
    first = run("import", "stores", str(path), "--json", database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "rows": 1000,
        "created": 1000,
        "updated": 0,
        "product_links": 2000,
        "accounts": 2000,
    }
    rows[0].update(name="改名した店舗", products="sms", account_emails="new@example.jp")
    rows.append({"external_id": "T99999", "name": "新しい店舗", "region": "jp"})
    path.write_text(store_csv(rows), encoding="utf-8")
    again = json.loads(run("import", "stores", str(path), "--json", database_url=database_url).stdout)
    assert (again["created"], again["updated"]) == (1, 1000)
    shown = json.loads(run("store", "show", "T00001", "--json", database_url=database_url).stdout)
    assert shown["name"] == "改名した店舗"
    assert shown["products"] == ["sms"]  # replaced, not added to
    assert [account["email"] for account in shown["accounts"]] == ["new@example.jp"]
    assert _stores(container) == 1001
    impact = run(
        "store", "impact", "--product", "web-booking", "--region", "jp", "--json", database_url=database_url
    )
    # Web booking: the odd-numbered stores, all in Japan, less T00001 which now uses SMS only.
    assert json.loads(impact.stdout)["stores_by_region"] == {"jp": 499, "overseas": 0}


def test_shift_jis_file_with_japanese_names_imports_correctly(
    container: Container, products: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    rows = [
        {"external_id": "SJ1", "name": "鮨 はなぶさ 銀座本店", "region": "日本", "products": "web-booking"},
        {"external_id": "SJ2", "name": "ﾗｰﾒﾝ 髙橋 ～那覇～", "region": "jp"},
    ]
    path.write_bytes(store_csv(rows).encode("cp932"))
    result = run("import", "stores", str(path), "--json", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 2
    with container.sessions() as db:
        names = {store.name for store in service.list_stores(session=db).stores}
    assert names == {"鮨 はなぶさ 銀座本店", "ﾗｰﾒﾝ 髙橋 ～那覇～"}


def test_utf8_file_with_bom_imports_and_its_first_column_is_recognised(
    container: Container, products: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bom.csv"
    rows = [{"external_id": "B1", "name": "カフェ ボム", "region": "overseas", "timezone": "Europe/Paris"}]
    path.write_bytes(codecs.BOM_UTF8 + store_csv(rows).encode("utf-8"))
    result = run("import", "stores", str(path), "--json", database_url=database_url)
    assert result.returncode == 0, result.stderr
    shown = json.loads(run("store", "show", "B1", "--json", database_url=database_url).stdout)
    assert (shown["name"], shown["region"], shown["timezone"], shown["language"]) == (
        "カフェ ボム",
        "overseas",
        "Europe/Paris",
        "en",
    )


def test_a_missing_file_exits_2_with_one_line(database_url: str, tmp_path: Path) -> None:
    result = run("import", "stores", str(tmp_path / "nope.csv"), database_url=database_url)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
