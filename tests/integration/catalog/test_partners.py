"""Partners edited by administrators, through the API and the page; what they depend on decides impact."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.partners import ContactIn, create_partner
from tests.support.web import People, csrf_token, sign_in


def _partner(container: Container) -> int:
    with container.sessions() as db:
        partner = create_partner(
            session=db,
            name="グルメ予約ナビ",
            product_slugs=["web-booking", "partner-api"],
            contacts=[ContactIn("連携担当 小林", "api@gourmet.example.jp", "03-0000-0000")],
            webhook_url="https://gourmet.example.jp/hooks/hikeshi",
            now=container.clock(),
        )
        db.commit()
        return partner.id


def _affected_partners(container: Container, products: dict[str, int], slug: str) -> list[str]:
    with container.sessions() as db:
        impact = estimate_impact(session=db, product_ids=[products[slug]])
        return [partner.name for partner in impact.partners]


def test_admin_changes_a_partner_through_the_api_and_impact_follows(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    partner_id = _partner(container)
    admin = {"Authorization": f"Bearer {people.token(people.add('admin@example.jp', 'admin'))}"}
    support = {
        "Authorization": f"Bearer {people.token(people.add('ito@example.jp', 'support'))}",
        "Accept-Language": "en",
    }
    url = f"/api/v1/partners/{partner_id}"
    assert _affected_partners(container, products, "web-booking") == ["グルメ予約ナビ"]
    change = {
        "products": ["sms"],
        "contacts": [
            {"name": "新しい担当 鈴木", "email": "Suzuki@Gourmet.example.jp"},
            {"name": "夜間窓口", "phone": "03-9999-0000"},
        ],
        "webhook_url": "",
    }
    assert client.patch(url, json=change, headers=support).status_code == 403
    answer = client.patch(url, json=change, headers=admin)
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["name"], changed["products"], changed["webhook_url"]) == ("グルメ予約ナビ", ["sms"], None)
    assert changed["contacts"] == [  # replaced, not added to
        {"name": "新しい担当 鈴木", "email": "suzuki@gourmet.example.jp", "phone": ""},
        {"name": "夜間窓口", "email": "", "phone": "03-9999-0000"},
    ]
    assert client.get(url, headers=support).json() == changed
    assert _affected_partners(container, products, "web-booking") == []
    assert _affected_partners(container, products, "sms") == ["グルメ予約ナビ"]

    renamed = client.patch(url, json={"name": "グルメ予約ナビ 株式会社"}, headers=admin).json()
    assert (renamed["name"], renamed["products"]) == ("グルメ予約ナビ 株式会社", ["sms"])  # the rest kept


def test_bad_changes_are_refused_naming_the_field_and_change_nothing(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    partner_id = _partner(container)
    with container.sessions() as db:
        create_partner(session=db, name="FAX 代行", now=container.clock())
        db.commit()
    admin = {
        "Authorization": f"Bearer {people.token(people.add('admin@example.jp', 'admin'))}",
        "Accept-Language": "en",
    }
    url = f"/api/v1/partners/{partner_id}"
    before = client.get(url, headers=admin).json()
    cases = [
        ({"name": "FAX 代行"}, 409, "name"),
        ({"products": ["sms", "telex"]}, 404, "telex"),
        ({"contacts": [{"name": "A", "email": "not-an-address"}]}, 400, "contacts.email"),
        ({"contacts": [{"name": "  "}]}, 400, "contacts.name"),
        ({"webhook_url": "ftp://gourmet.example.jp"}, 400, "webhook_url"),
        ({"notes": "x" * 2001}, 422, "notes"),
    ]
    for body, status, named in cases:
        answer = client.patch(url, json=body, headers=admin)
        assert answer.status_code == status, (body, answer.text)
        assert named in answer.json()["error"]["message"], (body, answer.text)
    assert client.get(url, headers=admin).json() == before
    assert client.patch("/api/v1/partners/999999", json={}, headers=admin).status_code == 404


def test_admin_edits_a_partner_on_its_page_and_others_cannot(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    partner_id = _partner(container)
    people.add("ito@example.jp", "support")
    sign_in(client, "ito@example.jp")
    assert "/edit" not in client.get("/catalog/partners").text
    token = csrf_token(client)
    edit = f"/catalog/partners/{partner_id}/edit"
    assert client.get(edit).status_code == 403
    assert client.post(edit, data={"csrf_token": token, "name": "x"}).status_code == 403

    people.add("admin@example.jp", "admin")
    client.cookies.clear()
    sign_in(client, "admin@example.jp")
    assert f'href="{edit}"' in client.get("/catalog/partners").text
    form = client.get(edit)
    assert form.status_code == 200
    assert "連携担当 小林, api@gourmet.example.jp, 03-0000-0000</textarea>" in form.text
    assert 'value="https://gourmet.example.jp/hooks/hikeshi"' in form.text
    assert '<option value="web-booking" selected>' in form.text

    token = csrf_token(client)
    typed = {
        "csrf_token": token,
        "name": "グルメ予約ナビ",
        "products": ["web-booking", "email"],
        "contacts": "連携担当 小林, api@gourmet.example.jp\n夜間窓口, 03-9999-0000, night@gourmet.example.jp",
        "webhook_url": "",
        "notes": "Web 予約の空席を掲載",
    }
    bad = client.post(edit, data={**typed, "contacts": "小林, a@example.jp, b@example.jp"})
    assert bad.status_code == 400
    assert "は「名前, メール, 電話」の形ではありません" in bad.text
    assert "小林, a@example.jp, b@example.jp</textarea>" in bad.text  # what was typed is kept
    saved = client.post(edit, data=typed)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/catalog/partners?saved=1"
    page = client.get(saved.headers["location"]).text
    assert "パートナーを保存しました。" in page
    assert "Web 予約, メール配信" in page
    assert "夜間窓口 · night@gourmet.example.jp · 03-9999-0000" in page
    assert "Web 予約の空席を掲載" in page
    assert _affected_partners(container, products, "email") == ["グルメ予約ナビ"]
    assert client.get("/catalog/partners/999999/edit").status_code == 404
