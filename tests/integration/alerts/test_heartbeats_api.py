"""Heartbeats as people manage them: the JSON API, the CLI and the /heartbeats page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from hikeshi.alerts import integrations
from hikeshi.bootstrap import Container
from hikeshi.cli import app
from tests.support.web import People, csrf_token, sign_in


def _auth(people: People, role: str) -> dict[str, str]:
    person = people.add(f"{role}@example.jp", role)
    return {"Authorization": f"Bearer {people.token(person)}"}


def test_api_creates_a_heartbeat_and_shows_its_ping_url_once(
    client: TestClient, people: People, container: Container
) -> None:
    engineer = _auth(people, "engineer")
    body = {"name": "SMS sender", "period_seconds": 300, "grace_seconds": 60, "chat_channel": "C0SMS"}
    created = client.post("/api/v1/heartbeats", json=body, headers=engineer)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["ping_url"] == f"http://127.0.0.1:8000/ping/{document['key']}"
    assert (document["state"], document["period_seconds"], document["grace_seconds"]) == ("new", 300, 60)
    with container.sessions() as db:
        integration = integrations.get_integration(session=db, integration_id=document["integration_id"])
        assert (integration.kind, integration.chat_channel) == ("heartbeat", "C0SMS")

    assert client.get(f"/ping/{document['key']}").status_code == 200
    listed = client.get("/api/v1/heartbeats", headers=_auth(people, "support")).json()
    assert [(h["name"], h["state"]) for h in listed] == [("SMS sender", "up")]
    assert "key" not in listed[0]
    detail = client.get(f"/api/v1/heartbeats/{document['id']}", headers=engineer).json()
    assert detail["last_ping_kind"] == "success"


def test_api_creates_a_cron_heartbeat_in_a_zone(client: TestClient, people: People) -> None:
    body = {"name": "Nightly backup", "cron": "30 2 * * *", "timezone": "America/New_York"}
    created = client.post("/api/v1/heartbeats", json=body, headers=_auth(people, "engineer")).json()
    assert (created["cron"], created["timezone"], created["period_seconds"]) == (
        "30 2 * * *",
        "America/New_York",
        None,
    )
    assert created["grace_seconds"] == 300


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "period"),
        ({"name": "x", "period_seconds": 10}, "period"),
        ({"name": "x", "cron": "61 * * * *"}, "cron"),
        ({"name": "x", "cron": "* * * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "x", "period_seconds": 300, "product": "nope"}, "'nope'"),
    ],
)
def test_api_refuses_bad_heartbeats_naming_the_field(
    client: TestClient, people: People, body: dict[str, object], field: str
) -> None:
    answer = client.post("/api/v1/heartbeats", json=body, headers=_auth(people, "engineer"))
    assert 400 <= answer.status_code < 500
    assert field in answer.json()["error"]["message"]


def test_only_responders_create_pause_and_delete(client: TestClient, people: People) -> None:
    support = _auth(people, "support")
    body = {"name": "FAX sender", "period_seconds": 300}
    assert client.post("/api/v1/heartbeats", json=body, headers=support).status_code == 403
    engineer = _auth(people, "engineer")
    created = client.post("/api/v1/heartbeats", json=body, headers=engineer).json()
    assert client.post(f"/api/v1/heartbeats/{created['id']}/pause", headers=support).status_code == 403
    paused = client.post(f"/api/v1/heartbeats/{created['id']}/pause", headers=engineer)
    assert paused.json()["state"] == "paused"
    resumed = client.post(f"/api/v1/heartbeats/{created['id']}/resume", headers=engineer)
    assert resumed.json()["state"] == "new"
    assert client.delete(f"/api/v1/heartbeats/{created['id']}", headers=engineer).status_code == 204
    assert client.get(f"/ping/{created['key']}").status_code == 404
    assert client.get(f"/api/v1/heartbeats/{created['id']}", headers=engineer).status_code == 404


@pytest.fixture
def environment(container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {
        "HIKESHI_DATABASE_URL": container.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
        "HIKESHI_BASE_URL": "https://hikeshi.example.jp",
    }


def _hikeshi(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def test_cli_adds_heartbeats_and_prints_the_ping_url(environment: dict[str, str]) -> None:
    added = _hikeshi(environment, "heartbeat", "add", "FAX sender", "--period", "5m", "--grace", "1m")
    assert added.exit_code == 0, added.output
    assert "https://hikeshi.example.jp/ping/" in added.stdout
    assert "curl -fsS -m 10 --retry 5 https://hikeshi.example.jp/ping/" in added.stdout

    cron = _hikeshi(
        environment,
        "heartbeat",
        "add",
        "Backup",
        "--cron",
        "*/5 * * * *",
        "--timezone",
        "Asia/Tokyo",
        "--json",
    )
    assert cron.exit_code == 0, cron.output
    document = json.loads(cron.stdout)
    assert document["ping_url"] == f"https://hikeshi.example.jp/ping/{document['key']}"
    assert (document["cron"], document["timezone"], document["state"]) == ("*/5 * * * *", "Asia/Tokyo", "new")

    listed = _hikeshi(environment, "heartbeat", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(row["name"], row["period_seconds"], row["grace_seconds"]) for row in rows] == [
        ("Backup", None, 300),
        ("FAX sender", 300, 60),
    ]
    assert all("key" not in row for row in rows)


def test_cli_refuses_a_bad_period_in_one_line(environment: dict[str, str]) -> None:
    refused = _hikeshi(environment, "heartbeat", "add", "FAX sender", "--period", "5 minutes")
    assert refused.exit_code == 2
    assert "period: '5 minutes' is not a duration" in refused.stderr
    both = _hikeshi(environment, "heartbeat", "add", "FAX sender", "--period", "5m", "--cron", "* * * * *")
    assert both.exit_code == 2
    assert "period:" in both.stderr


def test_the_page_lists_creates_and_pauses(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    page = client.get("/heartbeats")
    assert page.status_code == 200
    assert "ハートビートはまだありません。" in page.text
    form = {"name": "FAX 送信", "period": "5m", "grace": "1m", "csrf_token": csrf_token(client)}
    created = client.post("/heartbeats", data=form)
    assert created.status_code == 201
    assert "http://127.0.0.1:8000/ping/" in created.text
    assert "5m ごと" in created.text

    refused = client.post("/heartbeats", data={**form, "period": "", "csrf_token": csrf_token(client)})
    assert refused.status_code == 400
    assert "period: 間隔か cron 式のどちらか一方だけを指定してください" in refused.text

    heartbeat_id = int(created.text.split('id="heartbeat-')[1].split('"')[0])
    paused = client.post(f"/heartbeats/{heartbeat_id}/pause", data={"csrf_token": csrf_token(client)})
    assert paused.status_code == 303
    assert 'data-state="paused"' in client.get("/heartbeats").text
    client.post(f"/heartbeats/{heartbeat_id}/resume", data={"csrf_token": csrf_token(client)})
    assert 'data-state="new"' in client.get("/heartbeats").text


def test_people_who_do_not_respond_see_the_page_without_the_forms(client: TestClient, people: People) -> None:
    people.add("suzuki@example.jp", "support")
    sign_in(client, "suzuki@example.jp")
    page = client.get("/heartbeats")
    assert page.status_code == 200
    assert 'action="/heartbeats"' not in page.text
    assert client.post("/heartbeats", data={"name": "x", "csrf_token": csrf_token(client)}).status_code == 403
