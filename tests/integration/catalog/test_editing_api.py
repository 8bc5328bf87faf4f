"""Stores and products changed through the JSON API: admins only, errors name the field, 409 on taken keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.web import People

STORE = {
    "external_id": "L1",
    "name": "Sushi Hanabusa LA",
    "region": "overseas",
    "timezone": "America/Los_Angeles",
    "products": ["ipad-app"],
    "accounts": [{"email": "la@hanabusa.example.com", "last_login_at": "2026-11-20T09:30"}],
    "phone": "+1 213 555 0100",
    "sales_rep_email": "watanabe@example.jp",
}


def _headers(people: People, email: str, role: str) -> dict[str, str]:
    """An API client of someone reading English (errors come in the token owner's language)."""
    return {"Authorization": f"Bearer {people.token(people.add(email, role, language='en'))}"}


def test_admin_creates_changes_and_deletes_a_store(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    created = client.post("/api/v1/stores", json=STORE, headers=admin)
    assert created.status_code == 201, created.text
    store = created.json()
    assert (store["external_id"], store["language"], store["products"]) == ("L1", "en", ["ipad-app"])
    # Without an offset, a last sign-in is the store's local time (PST is UTC-8).
    assert store["accounts"] == [
        {"email": "la@hanabusa.example.com", "last_login_at": "2026-11-20T17:30:00Z"}
    ]
    assert store["sales_rep_user_id"] is not None

    changed = client.patch(
        f"/api/v1/stores/{store['id']}",
        json={"name": "Hanabusa Los Angeles", "products": ["web-booking", "sms"], "sales_rep_email": None},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    detail = client.get(f"/api/v1/stores/{store['id']}", headers=admin).json()
    assert detail["name"] == "Hanabusa Los Angeles"
    assert detail["products"] == ["web-booking", "sms"]
    assert detail["accounts"] == store["accounts"]  # not sent: kept
    assert (detail["timezone"], detail["sales_rep_user_id"]) == ("America/Los_Angeles", None)

    gone = client.delete(f"/api/v1/stores/{store['id']}", headers=admin)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/stores/{store['id']}", headers=admin).status_code == 404
    again = client.delete(f"/api/v1/stores/{store['id']}", headers=admin)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"


def test_bad_fields_are_refused_naming_the_field(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    bad_zone = client.post("/api/v1/stores", json={**STORE, "timezone": "America/Los_Angles"}, headers=admin)
    assert bad_zone.status_code == 400
    assert bad_zone.json()["error"] == {
        "code": "invalid_input",
        "message": "timezone: unknown time zone 'America/Los_Angles'",
    }
    no_zone = client.post("/api/v1/stores", json={**STORE, "timezone": ""}, headers=admin)
    assert no_zone.json()["error"]["message"].startswith("timezone: required for a store overseas")
    bad_account = {**STORE, "accounts": [{"email": "nope"}], "products": ["faxx"]}
    message = client.post("/api/v1/stores", json=bad_account, headers=admin).json()["error"]["message"]
    assert message == "products: unknown product 'faxx'; accounts: 'nope' is not an email address"
    typo = client.post("/api/v1/stores", json={**STORE, "timezon": "UTC"}, headers=admin)
    assert typo.status_code == 422
    assert "timezon" in typo.json()["error"]["message"]

    store_id = client.post("/api/v1/stores", json=STORE, headers=admin).json()["id"]
    bad_patch = client.patch(f"/api/v1/stores/{store_id}", json={"timezone": "Mars/Olympus"}, headers=admin)
    assert bad_patch.status_code == 400
    assert bad_patch.json()["error"]["message"] == "timezone: unknown time zone 'Mars/Olympus'"
    assert client.get(f"/api/v1/stores/{store_id}", headers=admin).json()["timezone"] == "America/Los_Angeles"


def test_a_taken_external_id_or_slug_is_a_conflict(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    first = client.post("/api/v1/stores", json=STORE, headers=admin).json()
    second = client.post("/api/v1/stores", json={**STORE, "external_id": "L2"}, headers=admin).json()
    duplicate = client.post("/api/v1/stores", json=STORE, headers=admin)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == {
        "code": "conflict",
        "message": "external_id: a store 'L1' already exists",
    }
    renamed = client.patch(f"/api/v1/stores/{second['id']}", json={"external_id": "L1"}, headers=admin)
    assert renamed.status_code == 409
    same = client.patch(f"/api/v1/stores/{first['id']}", json={"external_id": "L1"}, headers=admin)
    assert same.status_code == 200  # its own id is not taken

    taken = client.post(
        "/api/v1/products", json={"slug": "sms", "name_ja": "SMS", "name_en": "SMS"}, headers=admin
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["message"] == "slug: a product 'sms' already exists"
    moved = client.patch(f"/api/v1/products/{products['fax']}", json={"slug": "sms"}, headers=admin)
    assert moved.status_code == 409


def test_admin_creates_and_changes_a_product(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    body = {"slug": "kiosk", "name_ja": "セルフ受付", "name_en": "Self check-in", "position": 8}
    created = client.post("/api/v1/products", json=body, headers=admin)
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["slug"], product["customer_facing"], product["description_en"]) == ("kiosk", True, "")
    changed = client.patch(
        f"/api/v1/products/{product['id']}",
        json={"description_en": "The tablet at the door", "customer_facing": False},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name_en"], changed.json()["customer_facing"]) == ("Self check-in", False)
    listed = {p["slug"]: p for p in client.get("/api/v1/products", headers=admin).json()}
    assert listed["kiosk"]["description_en"] == "The tablet at the door"
    bad = client.patch(f"/api/v1/products/{product['id']}", json={"slug": "Kiosk!"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("slug: 'Kiosk!'")
    far = client.patch(f"/api/v1/products/{product['id']}", json={"position": -1}, headers=admin)
    assert far.json()["error"]["message"] == "position: must be between 0 and 10000"
    assert client.patch("/api/v1/products/999999", json={"name_en": "X"}, headers=admin).status_code == 404


def test_support_and_engineers_get_403(client: TestClient, people: People, products: dict[str, int]) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    store_id = client.post("/api/v1/stores", json=STORE, headers=admin).json()["id"]
    for email, role in (("ito@example.jp", "support"), ("sato@example.jp", "engineer")):
        headers = _headers(people, email, role)
        assert client.get(f"/api/v1/stores/{store_id}", headers=headers).status_code == 200  # reading is fine
        refused = client.post("/api/v1/stores", json={**STORE, "external_id": "X"}, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        patch = client.patch(f"/api/v1/stores/{store_id}", json={"name": "X"}, headers=headers)
        assert patch.status_code == 403
        assert client.delete(f"/api/v1/stores/{store_id}", headers=headers).status_code == 403
        product = {"slug": "kiosk", "name_ja": "K", "name_en": "K"}
        assert client.post("/api/v1/products", json=product, headers=headers).status_code == 403
        assert (
            client.patch(f"/api/v1/products/{products['sms']}", json=product, headers=headers).status_code
            == 403
        )
    assert client.get(f"/api/v1/stores/{store_id}", headers=admin).json()["name"] == STORE["name"]
    assert client.post("/api/v1/stores", json=STORE).status_code == 401


def test_an_edited_store_shows_up_in_the_impact_estimate(
    client: TestClient, people: People, products: dict[str, int]
) -> None:
    admin = _headers(people, "admin@example.jp", "admin")
    store_id = client.post("/api/v1/stores", json=STORE, headers=admin).json()["id"]
    web_booking = {"product": "web-booking"}
    before = client.get("/api/v1/impact", params=web_booking, headers=admin).json()
    assert before["store_count"] == 0

    accounts = [{"email": "owner@hanabusa.example.jp"}, {"email": "la@hanabusa.example.com"}]
    change = {"products": ["web-booking"], "accounts": accounts}
    assert client.patch(f"/api/v1/stores/{store_id}", json=change, headers=admin).status_code == 200
    after = client.get("/api/v1/impact", params=web_booking, headers=admin).json()
    assert (after["store_count"], after["stores_by_region"]) == (1, {"jp": 0, "overseas": 1})
    assert [store["name"] for store in after["stores"]] == ["Sushi Hanabusa LA"]
    assert after["account_emails"] == ["la@hanabusa.example.com", "owner@hanabusa.example.jp"]

    moved = {"region": "jp", "timezone": "Asia/Tokyo"}
    assert client.patch(f"/api/v1/stores/{store_id}", json=moved, headers=admin).status_code == 200
    in_japan = client.get("/api/v1/impact", params={**web_booking, "region": "jp"}, headers=admin).json()
    assert in_japan["stores_by_region"] == {"jp": 1, "overseas": 0}

    assert client.delete(f"/api/v1/stores/{store_id}", headers=admin).status_code == 204
    assert client.get("/api/v1/impact", params=web_booking, headers=admin).json()["store_count"] == 0
