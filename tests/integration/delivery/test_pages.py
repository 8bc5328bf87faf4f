"""What people see of delivery: the test button, their inbox, the delivery log and the mailbox."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from hikeshi.jobs.worker import Worker
from tests.support.web import People, csrf_token, sign_in


def _work(container: Container) -> None:
    with Worker(container=container, registry=container.jobs) as worker:
        worker.run_once()


def test_send_test_button_reaches_the_mailbox_and_shows_its_status(
    client: TestClient, people: People, container: Container
) -> None:
    admin = people.add("boss@example.jp", "admin")
    with container.sessions() as db:
        method = accounts.add_contact_method(
            session=db, user_id=admin.id, kind="email", address="boss@example.jp", now=container.clock()
        )
        db.commit()
        method_id = method.id
    sign_in(client, "boss@example.jp")
    response = client.post(f"/profile/contacts/{method_id}/test", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inbox?tested=")
    assert "送信待ち" in client.get("/inbox").text

    _work(container)
    inbox = client.get("/inbox")
    assert "送信済み" in inbox.text
    assert "<title>受信箱 · 火消し</title>" in inbox.text
    assert inbox.text.count("あなた宛てのメッセージ") == 1
    mailbox = client.get("/admin/mailbox")
    assert "hikeshi テストメッセージ" in mailbox.text
    email_path = mailbox.text.split('href="/admin/mailbox/')[1].split('"')[0]
    email = client.get(f"/admin/mailbox/{email_path}")
    assert "boss@example.jp" in email.text
    assert "hikeshi からのテストです" in email.text
    log = client.get("/admin/deliveries?channel=email&status=sent")
    assert "boss@example.jp" in log.text


def test_nobody_tests_someone_elses_contact_method(
    client: TestClient, people: People, container: Container
) -> None:
    owner = people.add("sato@example.jp", "engineer")
    people.add("suzuki@example.jp", "engineer")
    with container.sessions() as db:
        method = accounts.add_contact_method(
            session=db, user_id=owner.id, kind="sms", address="+819011112222", now=container.clock()
        )
        db.commit()
        method_id = method.id
    sign_in(client, "suzuki@example.jp")
    response = client.post(f"/profile/contacts/{method_id}/test", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_delivery_log_and_mailbox_are_for_admins(client: TestClient, people: People) -> None:
    people.add("nakamura@example.jp", "viewer")
    sign_in(client, "nakamura@example.jp")
    assert client.get("/inbox").status_code == 200
    for path in ("/admin/deliveries", "/admin/mailbox", "/admin/deliveries/1"):
        assert client.get(path).status_code == 403, path


def test_bad_filter_is_a_400(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    assert client.get("/admin/deliveries?status=lost").status_code == 400
    assert client.get("/admin/deliveries?channel=fax").status_code == 400


def test_api_sends_a_test_and_shows_its_log(client: TestClient, people: People, container: Container) -> None:
    admin = people.add("boss@example.jp", "admin")
    headers = {"Authorization": f"Bearer {people.token(admin)}"}
    accepted = client.post(
        "/api/v1/notify/test", headers=headers, json={"channel": "email", "target": "ops@example.jp"}
    )
    assert accepted.status_code == 202
    delivery_id = accepted.json()["id"]
    _work(container)
    detail = client.get(f"/api/v1/deliveries/{delivery_id}", headers=headers).json()
    assert detail["status"] == "sent"
    assert [attempt["outcome"] for attempt in detail["attempt_log"]] == ["sent"]
    bad = client.post("/api/v1/notify/test", headers=headers, json={"channel": "pigeon", "target": "x"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_input"
