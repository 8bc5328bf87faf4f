"""The catalog through the web: the JSON API, the pages, and the upload an administrator uses."""

from __future__ import annotations

import codecs

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.catalog import importing
from tests.support.catalog import run_jobs, store_csv
from tests.support.web import People, csrf_token, sign_in

ROWS = [
    {
        "external_id": "G1",
        "name": "鮨 はなぶさ 銀座",
        "region": "jp",
        "products": "web-booking;ipad-app",
        "account_emails": "owner@hanabusa.example.jp",
        "phone": "03-1111-2222",
    },
    {"external_id": "G2", "name": "焼肉 みやび", "region": "jp", "products": "ipad-app"},
    {
        "external_id": "L1",
        "name": "Sushi Hanabusa LA",
        "region": "overseas",
        "timezone": "America/Los_Angeles",
        "products": "web-booking",
    },
]


def _load(container: Container) -> None:
    with container.sessions() as db:
        importing.import_stores(session=db, data=store_csv(ROWS).encode(), now=container.clock())
        db.commit()


def test_api_lists_searches_and_reads_stores(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _load(container)
    token = people.token(people.add("ito@example.jp", "support"))
    headers = {"Authorization": f"Bearer {token}"}
    page = client.get("/api/v1/stores", params={"q": "hanabusa"}, headers=headers).json()
    assert [store["external_id"] for store in page["stores"]] == ["L1"]
    assert client.get("/api/v1/stores", params={"q": "はなぶさ"}, headers=headers).json()["total"] == 1
    jp = client.get("/api/v1/stores", params={"region": "jp", "product": "ipad-app"}, headers=headers).json()
    assert {store["external_id"] for store in jp["stores"]} == {"G1", "G2"}
    store_id = client.get("/api/v1/stores", params={"q": "G1"}, headers=headers).json()["stores"][0]["id"]
    detail = client.get(f"/api/v1/stores/{store_id}", headers=headers).json()
    assert detail["products"] == ["ipad-app", "web-booking"]
    assert detail["accounts"] == [{"email": "owner@hanabusa.example.jp", "last_login_at": None}]
    missing = client.get("/api/v1/stores/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/stores", params={"region": "mars"}, headers=headers)
    assert bad.status_code == 400
    assert "region" in bad.json()["error"]["message"]
    slugs = [p["slug"] for p in client.get("/api/v1/products", headers=headers).json()]
    assert slugs[:3] == ["ipad-app", "store-web", "web-booking"]


def test_partners_are_created_by_admins_and_read_by_staff(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = {"Authorization": f"Bearer {people.token(people.add('admin@example.jp', 'admin'))}"}
    support = {"Authorization": f"Bearer {people.token(people.add('ito@example.jp', 'support'))}"}
    body = {
        "name": "グルメ予約ナビ",
        "products": ["web-booking"],
        "contacts": [{"name": "連携 担当", "email": "api@gourmet.example.jp", "phone": "03-0000-0000"}],
    }
    assert client.post("/api/v1/partners", json=body, headers=support).status_code == 403
    created = client.post("/api/v1/partners", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["products"] == ["web-booking"]
    [listed] = client.get("/api/v1/partners", headers=support).json()
    assert listed["contacts"][0]["email"] == "api@gourmet.example.jp"
    again = client.post("/api/v1/partners", json=body, headers=admin)
    assert again.status_code == 409


def test_impact_api_counts_web_booking_in_japan(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _load(container)
    headers = {"Authorization": f"Bearer {people.token(people.add('sato@example.jp', 'engineer'))}"}
    answer = client.get("/api/v1/impact", params={"product": "web-booking", "region": "jp"}, headers=headers)
    assert answer.status_code == 200, answer.text
    impact = answer.json()
    assert (impact["store_count"], impact["stores_by_region"]) == (1, {"jp": 1, "overseas": 0})
    assert impact["account_emails"] == ["owner@hanabusa.example.jp"]
    assert impact["web_booking_affected"] is True
    assert client.get("/api/v1/impact", params={"product": "nope"}, headers=headers).status_code == 404


def test_store_pages_search_and_show_a_store(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _load(container)
    people.add("nakamura@example.jp", "viewer")
    sign_in(client, "nakamura@example.jp")
    listing = client.get("/catalog/stores", params={"q": "みやび"})
    assert listing.status_code == 200
    assert "焼肉 みやび" in listing.text
    assert "鮨 はなぶさ 銀座" not in listing.text
    store_id = client.get("/api/v1/stores", params={"q": "G1"})  # no token: the API refuses
    assert store_id.status_code == 401
    page = client.get("/catalog/stores?q=G1")
    link = page.text.split('href="/catalog/stores/')[1].split('"')[0]
    detail = client.get(f"/catalog/stores/{link}")
    assert "owner@hanabusa.example.jp" in detail.text
    assert "03-1111-2222" in detail.text
    products_page = client.get("/catalog/products")
    assert "Web 予約" in products_page.text
    assert client.get("/catalog/import").status_code == 403  # only admins edit the catalog


def test_admin_uploads_a_shift_jis_csv_and_sees_the_counts(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    people.add("admin@example.jp", "admin", language="en")
    sign_in(client, "admin@example.jp")
    data = store_csv(ROWS).encode("cp932")
    answer = client.post(
        "/catalog/import",
        data={"csrf_token": csrf_token(client)},
        files={"file": ("stores.csv", data, "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    run_jobs(container)
    page = client.get(answer.headers["location"])
    assert "3 stores imported: 3 created, 0 updated." in page.text
    bad = store_csv([*ROWS, {"external_id": "X", "name": "X", "region": "jp", "timezone": "Asia/Tokio"}])
    rejected = client.post(
        "/catalog/import",
        data={"csrf_token": csrf_token(client)},
        files={"file": ("bad.csv", codecs.BOM_UTF8 + bad.encode(), "text/csv")},
    )
    assert rejected.status_code == 303
    run_jobs(container)
    page = client.get(rejected.headers["location"])
    assert "unknown time zone &#39;Asia/Tokio&#39;" in page.text
    assert "<td>5</td><td><code>timezone</code></td>" in page.text
    assert "Nothing was imported." in page.text


def test_admin_adds_a_partner_on_the_page_and_staff_see_it(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    people.add("admin@example.jp", "admin")
    sign_in(client, "admin@example.jp")
    form = {
        "csrf_token": csrf_token(client),
        "name": "グルメ予約ナビ",
        "products": ["web-booking", "partner-api"],
        "contact_name": "連携 担当",
        "contact_email": "api@gourmet.example.jp",
    }
    assert client.post("/catalog/partners", data=form).status_code == 303
    page = client.get("/catalog/partners")
    assert "グルメ予約ナビ" in page.text
    assert "api@gourmet.example.jp" in page.text
    assert "Web 予約, パートナー API" in page.text
    bad = client.post("/catalog/partners", data={**form, "contact_email": "nope"})
    assert bad.status_code == 409  # the name is taken; checked first
    bad = client.post("/catalog/partners", data={**form, "name": "Other", "contact_email": "nope"})
    assert bad.status_code == 400
    assert "nope" in bad.text
