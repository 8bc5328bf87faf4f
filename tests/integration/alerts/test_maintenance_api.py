"""Maintenance windows as people schedule them: the JSON API, the CLI and the /maintenance page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from hikeshi.bootstrap import Container
from hikeshi.cli import app
from tests.support.alerts import make_integration
from tests.support.web import People, csrf_token, sign_in

TOKYO = ZoneInfo("Asia/Tokyo")


def _auth(people: People, role: str) -> dict[str, str]:
    person = people.add(f"{role}@example.jp", role)
    return {"Authorization": f"Bearer {people.token(person)}"}


def _wall(moment: datetime) -> str:
    """A wall-clock time in Tokyo without an offset, as a person in Tokyo would type it."""
    return moment.astimezone(TOKYO).replace(tzinfo=None).isoformat(timespec="minutes")


def _soon(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)


def test_api_schedules_a_window_reading_naive_times_in_tokyo(
    client: TestClient, people: People, container: Container
) -> None:
    engineer = _auth(people, "engineer")
    integration_id, _ = make_integration(container)
    start, end = _soon(1), _soon(3)
    body = {
        "starts_at": _wall(start),
        "ends_at": end.isoformat(),
        "reason": "DB 移行",
        "integration_ids": [integration_id],
    }
    created = client.post("/api/v1/maintenance-windows", json=body, headers=engineer)
    assert created.status_code == 201, created.text
    window = created.json()
    assert datetime.fromisoformat(window["starts_at"]) == start
    assert datetime.fromisoformat(window["ends_at"]) == end
    assert (window["status"], window["integration_ids"], window["product_ids"]) == (
        "upcoming",
        [integration_id],
        [],
    )

    support = _auth(people, "support")
    listed = client.get("/api/v1/maintenance-windows?status=upcoming", headers=support).json()
    assert [w["id"] for w in listed] == [window["id"]]
    assert client.get("/api/v1/maintenance-windows?status=active", headers=support).json() == []
    assert (
        client.get(f"/api/v1/maintenance-windows/{window['id']}", headers=support).json()["reason"]
        == "DB 移行"
    )

    cancelled = client.post(f"/api/v1/maintenance-windows/{window['id']}/end", headers=engineer)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/maintenance-windows/{window['id']}", headers=support).status_code == 404


def test_api_ends_an_active_window_now(client: TestClient, people: People) -> None:
    engineer = _auth(people, "engineer")
    body = {"starts_at": _soon(-1).isoformat(), "ends_at": _soon(2).isoformat(), "reason": "Upgrade"}
    window = client.post("/api/v1/maintenance-windows", json=body, headers=engineer).json()
    assert window["status"] == "active"
    ended = client.post(f"/api/v1/maintenance-windows/{window['id']}/end", headers=engineer)
    assert ended.json()["status"] == "past"
    again = client.post(f"/api/v1/maintenance-windows/{window['id']}/end", headers=engineer)
    assert again.status_code == 409
    assert client.delete(f"/api/v1/maintenance-windows/{window['id']}", headers=engineer).status_code == 204


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"ends_at": "2020-01-01T00:00+09:00"}, 400, "ends_at"),
        ({"reason": ""}, 400, "reason"),
        ({"integration_ids": [404]}, 400, "integrations"),
        ({"products": ["nope"]}, 400, "products"),
        ({"starts_at": "next tuesday"}, 422, "starts_at"),
    ],
)
def test_api_refuses_bad_windows_naming_the_field(
    client: TestClient, people: People, change: dict[str, object], status: int, field: str
) -> None:
    body = {"starts_at": _soon(1).isoformat(), "ends_at": _soon(2).isoformat(), "reason": "作業", **change}
    answer = client.post("/api/v1/maintenance-windows", json=body, headers=_auth(people, "engineer"))
    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(field)


def test_only_responders_schedule_and_end_windows(client: TestClient, people: People) -> None:
    body = {"starts_at": _soon(1).isoformat(), "ends_at": _soon(2).isoformat(), "reason": "作業"}
    assert (
        client.post("/api/v1/maintenance-windows", json=body, headers=_auth(people, "support")).status_code
        == 403
    )
    assert client.get("/api/v1/maintenance-windows", headers=_auth(people, "viewer")).status_code == 403


@pytest.fixture
def environment(container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {
        "HIKESHI_DATABASE_URL": container.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }


def _hikeshi(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def test_cli_adds_lists_and_ends_windows(environment: dict[str, str], container: Container) -> None:
    integration_id, _ = make_integration(container)
    start, end = _soon(-1), _soon(2)
    added = _hikeshi(
        environment,
        "maintenance",
        "add",
        "--start",
        _wall(start),
        "--end",
        end.astimezone(TOKYO).isoformat(),
        "--reason",
        "DB migration",
        "--integration",
        str(integration_id),
        "--json",
    )
    assert added.exit_code == 0, added.output
    window = json.loads(added.stdout)
    assert datetime.fromisoformat(window["starts_at"]) == start
    assert datetime.fromisoformat(window["ends_at"]) == end
    assert (window["status"], window["integration_ids"]) == ("active", [integration_id])

    listed = _hikeshi(environment, "maintenance", "list", "--json")
    assert [w["id"] for w in json.loads(listed.stdout)] == [window["id"]]
    table = _hikeshi(environment, "maintenance", "list")
    assert "DB migration" in table.stdout

    ended = _hikeshi(environment, "maintenance", "end", str(window["id"]))
    assert ended.exit_code == 0, ended.output
    assert f"Maintenance window {window['id']} has ended." in ended.stdout
    past = json.loads(_hikeshi(environment, "maintenance", "list", "--status", "past", "--json").stdout)
    assert [w["status"] for w in past] == ["past"]
    over = _hikeshi(environment, "maintenance", "end", str(window["id"]))
    assert over.exit_code == 2
    assert "is already over" in over.stderr


def test_cli_refuses_bad_times_naming_the_option(environment: dict[str, str]) -> None:
    late = _hikeshi(
        environment,
        "maintenance",
        "add",
        "--start",
        _wall(_soon(2)),
        "--end",
        _wall(_soon(1)),
        "--reason",
        "x",
    )
    assert late.exit_code == 2
    assert "ends_at: must be after starts_at" in late.stderr
    garbled = _hikeshi(
        environment, "maintenance", "add", "--start", "soon", "--end", "later", "--reason", "x"
    )
    assert garbled.exit_code == 2
    assert "start: 'soon' is not an ISO 8601 time" in garbled.stderr


def test_the_page_schedules_in_the_viewers_zone_and_ends_windows(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    page = client.get("/maintenance")
    assert page.status_code == 200
    assert "実施中のメンテナンス期間はありません。" in page.text
    start, end = _soon(-1), _soon(1)
    form = {"starts_at": _wall(start), "ends_at": _wall(end), "reason": "ネットワーク機器の交換"}
    created = client.post("/maintenance", data={**form, "csrf_token": csrf_token(client)})
    assert created.status_code == 303
    listed = client.get(created.headers["location"])
    assert "ネットワーク機器の交換" in listed.text
    assert "すべてのアラート" in listed.text
    window_id = int(created.headers["location"].split("created=")[1])

    refused = client.post("/maintenance", data={**form, "reason": " ", "csrf_token": csrf_token(client)})
    assert refused.status_code == 400
    assert "reason: 何の作業かを書いてください" in refused.text

    ended = client.post(f"/maintenance/{window_id}/end", data={"csrf_token": csrf_token(client)})
    assert ended.status_code == 303
    after = client.get("/maintenance")
    assert "実施中のメンテナンス期間はありません。" in after.text
    assert f'id="window-{window_id}"' in after.text  # now among the past ones
