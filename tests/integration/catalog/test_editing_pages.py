"""Administrators create, edit and delete stores and products on the catalog's forms; others may not."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.catalog import service
from hikeshi.catalog.impact import estimate_impact
from tests.support.web import People, csrf_token, sign_in

STORE = {
    "external_id": "G1",
    "name": "鮨 はなぶさ 銀座",
    "region": "jp",
    "timezone": "",
    "language": "",
    "products": ["ipad-app"],
    "account_emails": "owner@hanabusa.example.jp=2026-11-20T09:30\nstaff@hanabusa.example.jp",
    "phone": "03-1111-2222",
    "sales_rep_email": "watanabe@example.jp",
}


def _field_error(page: str, field: str) -> str:
    """The message shown next to a field, as a person reads it."""
    found = re.search(rf'<span class="notice error" id="{field}-error">(.*?)</span>', page)
    assert found is not None, f"no error next to {field}"
    return html.unescape(found.group(1))


def _admin(client: TestClient, people: People) -> None:
    people.add("admin@example.jp", "admin", language="en")
    sign_in(client, "admin@example.jp")


def test_admin_creates_edits_and_deletes_a_store_on_the_forms(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _admin(client, people)
    assert client.get("/catalog/stores").text.count('href="/catalog/stores/new"') == 1
    assert 'name="external_id"' in client.get("/catalog/stores/new").text

    bad = client.post(
        "/catalog/stores/new", data={**STORE, "timezone": "Asia/Tokio", "csrf_token": csrf_token(client)}
    )
    assert bad.status_code == 400
    assert _field_error(bad.text, "timezone") == "unknown time zone 'Asia/Tokio'"
    assert 'value="鮨 はなぶさ 銀座"' in bad.text  # what was typed stays

    created = client.post("/catalog/stores/new", data={**STORE, "csrf_token": csrf_token(client)})
    assert created.status_code == 303, created.text
    store_page = client.get(created.headers["location"])
    store_id = int(created.headers["location"].split("/")[3].split("?")[0])
    assert "The store was saved." in store_page.text
    assert "鮨 はなぶさ 銀座" in store_page.text
    assert "Reservation ledger (iPad)" in store_page.text
    assert "owner@hanabusa.example.jp" in store_page.text
    assert "Watanabe" in store_page.text  # the sales representative by name
    assert f'href="/catalog/stores/{store_id}/edit"' in store_page.text

    form = client.get(f"/catalog/stores/{store_id}/edit").text
    assert 'value="G1"' in form
    assert 'value="ipad-app" checked' in form
    assert "owner@hanabusa.example.jp=2026-11-20T09:30:00+09:00" in form  # the last sign-in kept

    edited = {
        **STORE,
        "name": "鮨 はなぶさ 銀座本店",
        "products": ["ipad-app", "web-booking"],
        "account_emails": "owner@hanabusa.example.jp=2026-11-20T09:30:00+09:00",
        "phone": "03-9999-0000",
        "sales_rep_email": "",
    }
    saved = client.post(f"/catalog/stores/{store_id}/edit", data={**edited, "csrf_token": csrf_token(client)})
    assert saved.status_code == 303, saved.text
    page = client.get(f"/catalog/stores/{store_id}").text
    assert "鮨 はなぶさ 銀座本店" in page
    assert "Web booking" in page
    assert "03-9999-0000" in page
    assert "staff@hanabusa.example.jp" not in page  # the accounts were replaced
    with container.sessions() as db:
        [account] = service.store_accounts(session=db, store_id=store_id)
        assert account.last_login_at is not None
        assert account.last_login_at.isoformat() == "2026-11-20T00:30:00+00:00"
        impact = estimate_impact(session=db, product_ids=[products["web-booking"]], region_codes=["jp"])
        assert [store.name for store in impact.stores] == ["鮨 はなぶさ 銀座本店"]
        assert impact.account_emails == ["owner@hanabusa.example.jp"]

    other = client.post(
        "/catalog/stores/new", data={**STORE, "external_id": "G2", "csrf_token": csrf_token(client)}
    )
    assert other.status_code == 303
    taken = client.post(
        f"/catalog/stores/{store_id}/edit",
        data={**edited, "external_id": "G2", "csrf_token": csrf_token(client)},
    )
    assert taken.status_code == 409
    assert _field_error(taken.text, "external_id") == "a store 'G2' already exists"

    confirm = client.get(f"/catalog/stores/{store_id}/delete")
    assert "Delete 鮨 はなぶさ 銀座本店 (G1)?" in confirm.text
    assert client.get(f"/catalog/stores/{store_id}").status_code == 200  # asking deletes nothing
    assert client.post(f"/catalog/stores/{store_id}/delete", data={}).status_code == 403  # no CSRF token
    deleted = client.post(f"/catalog/stores/{store_id}/delete", data={"csrf_token": csrf_token(client)})
    assert deleted.status_code == 303
    assert "The store was deleted." in client.get(deleted.headers["location"]).text
    assert client.get(f"/catalog/stores/{store_id}").status_code == 404


def test_a_store_form_without_a_csrf_token_is_refused(client: TestClient, people: People) -> None:
    _admin(client, people)
    refused = client.post("/catalog/stores/new", data={k: v for k, v in STORE.items() if k != "products"})
    assert refused.status_code == 403
    assert client.get("/catalog/stores").text.count("鮨 はなぶさ") == 0


def test_support_and_engineers_cannot_edit_and_see_no_edit_link(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    with container.sessions() as db:
        store = service.create_store(
            session=db, external_id="G1", name="焼肉 みやび", region="jp", now=container.clock()
        )
        db.commit()
    for email, role in (("ito@example.jp", "support"), ("sato@example.jp", "engineer")):
        people.add(email, role)
        sign_in(client, email)
        page = client.get(f"/catalog/stores/{store.id}")
        assert page.status_code == 200
        assert "焼肉 みやび" in page.text
        assert "/edit" not in page.text
        assert "/catalog/stores/new" not in client.get("/catalog/stores").text
        assert client.get("/catalog/stores/new").status_code == 403
        assert client.get(f"/catalog/stores/{store.id}/edit").status_code == 403
        assert client.get(f"/catalog/stores/{store.id}/delete").status_code == 403
        token = csrf_token(client)
        assert client.post("/catalog/stores/new", data={**STORE, "csrf_token": token}).status_code == 403
        edit = {**STORE, "name": "changed", "csrf_token": token}
        assert client.post(f"/catalog/stores/{store.id}/edit", data=edit).status_code == 403
        assert (
            client.post(f"/catalog/stores/{store.id}/delete", data={"csrf_token": token}).status_code == 403
        )
        product = {"slug": "kiosk", "name_ja": "キオスク", "name_en": "Kiosk", "csrf_token": token}
        assert client.post("/catalog/products/new", data=product).status_code == 403
        assert client.get(f"/catalog/products/{products['sms']}/edit").status_code == 403
        client.cookies.clear()
    with container.sessions() as db:
        assert service.get_store(session=db, store_id=store.id).name == "焼肉 みやび"
        assert service.find_product_by_slug(session=db, slug="kiosk") is None


def test_admin_adds_and_edits_a_product_on_the_form(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    people.add("admin@example.jp", "admin")  # Japanese, the default
    sign_in(client, "admin@example.jp")
    product = {
        "slug": "kiosk",
        "name_ja": "セルフ受付",
        "name_en": "Self check-in",
        "description_ja": "店頭の受付端末",
        "customer_facing": "true",
        "position": "9",
        "csrf_token": csrf_token(client),
    }
    assert client.post("/catalog/products/new", data=product).status_code == 303
    listing = client.get("/catalog/products?saved=1").text
    assert "セルフ受付" in listing
    assert "店頭の受付端末" in listing
    taken = client.post("/catalog/products/new", data={**product, "slug": "sms"})
    assert taken.status_code == 409
    assert "sms" in _field_error(taken.text, "slug")
    bad = client.post("/catalog/products/new", data={**product, "slug": "Kiosk 2"})
    assert bad.status_code == 400
    assert "Kiosk 2" in _field_error(bad.text, "slug")
    bad = client.post("/catalog/products/new", data={**product, "slug": "kiosk-2", "position": "x"})
    assert bad.status_code == 400
    assert "10000" in _field_error(bad.text, "position")

    product_id = products["sms"]
    assert f'href="/catalog/products/{product_id}/edit"' in listing
    form = client.get(f"/catalog/products/{product_id}/edit").text
    assert 'value="sms"' in form
    # An unticked box sends nothing.
    renamed = {key: value for key, value in product.items() if key != "customer_facing"}
    renamed |= {"slug": "sms", "name_ja": "SMS 配信", "name_en": "SMS"}
    assert client.post(f"/catalog/products/{product_id}/edit", data=renamed).status_code == 303
    row = client.get("/catalog/products").text.split("<code>sms</code>")
    assert "SMS 配信" in row[0].rsplit("<tr>", 1)[1]
    assert "いいえ" in row[1].split("</tr>")[0]  # no longer customer-facing
    empty = client.post(f"/catalog/products/{product_id}/edit", data={**renamed, "name_en": " "})
    assert empty.status_code == 400
    assert _field_error(empty.text, "name_en") != ""
