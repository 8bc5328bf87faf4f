"""Inquiries through the web: the JSON API, the form, the inbox and the detail page; and the CLI."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_store
from tests.support.catalog import add_products
from tests.support.cli import run
from tests.support.web import People, csrf_token, sign_in


def _catalog(container: Container) -> int:
    with container.sessions() as db:
        add_products(db, container)
        store = create_store(
            session=db,
            external_id="G1",
            name="鮨 はなぶさ 銀座",
            region="jp",
            product_slugs=["web-booking"],
            now=container.clock(),
        )
        db.commit()
        return store.id


def test_api_logs_lists_and_reads_inquiries_with_similar_ones(
    client: TestClient, container: Container, people: People
) -> None:
    store_id = _catalog(container)
    support = {"Authorization": f"Bearer {people.token(people.add('ito@example.jp', 'support'))}"}
    first = client.post(
        "/api/v1/inquiries",
        json={"channel": "phone", "store": "G1", "product": "web-booking", "body": "Web予約の画面が開かない"},
        headers=support,
    )
    assert first.status_code == 201, first.text
    assert (first.json()["store_id"], first.json()["alert_group_id"]) == (store_id, None)
    second = client.post(
        "/api/v1/inquiries",
        json={
            "channel": "email",
            "store_id": store_id,
            "product": "web-booking",
            "body": "Ｗｅｂ予約の画面が開きません",
        },
        headers=support,
    ).json()
    assert [item["inquiry"]["id"] for item in second["similar"]] == [first.json()["id"]]
    by_name = client.post(
        "/api/v1/inquiries",
        json={"channel": "chat", "store": "はなぶさ", "body": "FAXが届かない"},
        headers=support,
    )
    assert by_name.json()["store_id"] == store_id  # a name only one store has is enough
    listed = client.get("/api/v1/inquiries", params={"channel": "email"}, headers=support).json()
    assert [inquiry["id"] for inquiry in listed["inquiries"]] == [second["id"]]
    read = client.get(f"/api/v1/inquiries/{first.json()['id']}", headers=support).json()
    assert read["similar"][0]["inquiry"]["id"] == second["id"]


def test_api_refuses_bad_input_naming_the_field(
    client: TestClient, container: Container, people: People
) -> None:
    _catalog(container)
    support = {
        "Authorization": f"Bearer {people.token(people.add('ito@example.jp', 'support'))}",
        "Accept-Language": "en",
    }
    cases = [
        ({"channel": "fax", "body": "x"}, 400, "channel"),
        ({"channel": "phone", "body": "   "}, 400, "body"),
        ({"channel": "phone", "body": "x", "store": "NOPE"}, 404, "NOPE"),
        ({"channel": "phone", "body": "x", "product": "nope"}, 404, "nope"),
        ({"channel": "phone", "body": "x" * 10_001}, 422, "body: String should have at most 10000"),
        ({"channel": "phone", "body": "x", "store_id": 999_999}, 404, "store 999999"),
    ]
    for body, code, named in cases:
        answer = client.post("/api/v1/inquiries", json=body, headers=support)
        assert answer.status_code == code, (body, answer.text)
        assert named in answer.json()["error"]["message"]


def test_any_employee_files_an_internal_report_but_only_support_and_sales_log_customer_calls(
    client: TestClient, container: Container, people: People
) -> None:
    _catalog(container)
    viewer = {
        "Authorization": f"Bearer {people.token(people.add('nakamura@example.jp', 'viewer'))}",
        "Accept-Language": "en",
    }
    refused = client.post("/api/v1/inquiries", json={"channel": "phone", "body": "x"}, headers=viewer)
    assert refused.status_code == 403
    assert "channel" in refused.json()["error"]["message"]
    report = {
        "channel": "internal",
        "product": "web-booking",
        "body": "Web予約が遅い",
        "looks_like_bug": True,
    }
    filed = client.post("/api/v1/inquiries", json=report, headers=viewer)
    assert filed.status_code == 201, filed.text
    assert filed.json()["alert_group_id"] is not None  # an engineer is asked to look at once

    # The same form, in the browser: an engineer is offered the internal report only.
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    form = client.get("/inquiries/new").text
    assert '<option value="internal" selected>社内からの報告</option>' in form
    assert 'value="phone"' not in form
    token = csrf_token(client)
    noticed = {"csrf_token": token, "channel": "internal", "product": "sms", "body": "SMS の送信履歴が空"}
    posted = client.post("/inquiries", data=noticed)
    assert posted.status_code == 303
    assert "社内からの報告" in client.get(posted.headers["location"]).text
    refused_form = client.post("/inquiries", data={**noticed, "channel": "phone"})
    assert refused_form.status_code == 403
    assert "SMS の送信履歴が空" in refused_form.text  # the form keeps what was typed


def test_the_form_logs_an_inquiry_and_its_page_shows_similar_ones_and_the_alert(
    client: TestClient, container: Container, people: People
) -> None:
    store_id = _catalog(container)
    people.add("tanaka@example.jp", "support")
    sign_in(client, "tanaka@example.jp")
    form = client.get("/inquiries/new")
    assert form.status_code == 200
    assert 'name="looks_like_bug"' in form.text
    token = csrf_token(client)
    client.post(
        "/inquiries",
        data={
            "csrf_token": token,
            "channel": "phone",
            "store": "G1",
            "product": "web-booking",
            "body": "Web予約の画面が開かないとのこと",
        },
    )
    created = client.post(
        "/inquiries",
        data={
            "csrf_token": token,
            "channel": "chat",
            "store": "G1",
            "product": "web-booking",
            "body": "Web予約の画面が開かない",
            "looks_like_bug": "true",
        },
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "Web予約の画面が開かないとのこと" in page.text  # the similar-inquiry panel
    assert "/alerts/groups/" in page.text
    assert "鮨 はなぶさ 銀座" in page.text
    # Beside the similar ones: how many inquiries came about the same product, linked to them.
    assert "Web 予約 のお問い合わせが他に 1 件あります</a>" in page.text
    typed = client.post(
        "/inquiries/similar",
        data={"csrf_token": token, "body": "画面が開かない Web予約", "product": "web-booking"},
    )
    assert "Web予約の画面が開かないとのこと" in typed.text
    inbox = client.get("/inquiries", params={"bug": "1"})
    assert "Web予約の画面が開かない</a>" in inbox.text
    assert "Web予約の画面が開かないとのこと" not in inbox.text
    from_store = client.get("/inquiries", params={"store_id": store_id})
    assert from_store.text.count('<tr id="inquiry-') == 2
    assert f'href="/inquiries?store_id={store_id}"' in client.get(f"/catalog/stores/{store_id}").text
    options = client.get("/catalog/stores/options", params={"store": "はなぶさ"})
    assert 'value="G1"' in options.text
    bad = client.post("/inquiries", data={"csrf_token": token, "channel": "phone", "body": ""})
    assert bad.status_code in (400, 422)


def test_cli_logs_and_lists_inquiries(database_url: str, container: Container, people: People) -> None:
    _catalog(container)
    people.add("ito@example.jp", "support")
    added = run(
        "inquiry",
        "add",
        "SMSが届かない",
        "--by",
        "ito@example.jp",
        "--store",
        "G1",
        "--product",
        "sms",
        "--json",
        database_url=database_url,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["channel"] == "phone"
    listed = json.loads(run("inquiry", "list", "--json", database_url=database_url).stdout)
    assert [inquiry["body"] for inquiry in listed["inquiries"]] == ["SMSが届かない"]
    bad = run(
        "inquiry",
        "add",
        "x",
        "--by",
        "ito@example.jp",
        "--channel",
        "fax",
        database_url=database_url,
        HIKESHI_LANGUAGE="en",
    )
    assert bad.returncode == 2
    assert "channel" in bad.stderr
