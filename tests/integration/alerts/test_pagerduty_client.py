"""PagerDuty's own Python client (`pagerduty` on PyPI) against a real `hikeshi serve` process.

The client only speaks HTTPS, so the server serves TLS with a throwaway certificate authority that the
client is told to trust; everything else is the library as users run it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pagerduty
import pytest
import trustme
from sqlalchemy import select

from hikeshi.alerts.models import ChangeEvent
from hikeshi.bootstrap import Container
from tests.support import cli
from tests.support.browser import hikeshi_server

ONCALL = "oncall@example.jp"


@dataclass(frozen=True)
class Hikeshi:
    base_url: str
    routing_key: str
    token: str
    trust: ssl.SSLContext

    def client(self, routing_key: str | None = None) -> pagerduty.EventsApiV2Client:
        return pagerduty.EventsApiV2Client(
            routing_key or self.routing_key, base_url=self.base_url, verify=self.trust
        )

    def alerts(self) -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{self.base_url}/api/v1/alerts",
            headers={"authorization": f"Bearer {self.token}"},
            verify=self.trust,
        )
        assert answer.status_code == 200, answer.text
        alerts: list[dict[str, Any]] = answer.json()
        return alerts


def _cli(database_url: str, *arguments: str) -> dict[str, Any]:
    finished = cli.run(*arguments, "--json", database_url=database_url)
    assert finished.returncode == 0, finished.stderr
    printed: dict[str, Any] = json.loads(finished.stdout)
    return printed


@pytest.fixture
def hikeshi(database_url: str, tmp_path: Path) -> Iterator[Hikeshi]:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = tmp_path / "server.pem", tmp_path / "server.key"
    certificate.cert_chain_pems[0].write_to_path(str(certfile))
    certificate.private_key_pem.write_to_path(str(keyfile))
    trust = ssl.create_default_context()
    authority.configure_trust(trust)
    tls = ["--ssl-certfile", str(certfile), "--ssl-keyfile", str(keyfile)]
    with hikeshi_server(database_url, demo=False, serve_args=tls, verify=trust) as base_url:
        integration = _cli(database_url, "integration", "add", "Datadog (PagerDuty)", "--kind", "pagerduty")
        _cli(database_url, "user", "add", ONCALL, "--name", "当番", "--role", "engineer")
        token = _cli(database_url, "token", "create", "--user", ONCALL)
        yield Hikeshi(base_url, integration["key"], token["token"], trust)


def test_three_triggers_with_one_key_make_one_alert_then_acknowledge_and_resolve(
    hikeshi: Hikeshi,
) -> None:
    with hikeshi.client() as client:
        keys = [
            client.trigger("ディスク使用率 99% (db-1)", "db-1", dedup_key="db-1/disk", severity="critical")
            for _ in range(3)
        ]
        assert keys == ["db-1/disk"] * 3
        [alert] = hikeshi.alerts()
        assert (alert["dedup_key"], alert["count"], alert["status"]) == ("db-1/disk", 3, "triggered")
        assert alert["summary"] == "ディスク使用率 99% (db-1)"

        assert client.acknowledge("db-1/disk") == "db-1/disk"
        [alert] = hikeshi.alerts()
        assert (alert["status"], alert["count"]) == ("acknowledged", 3)

        assert client.resolve("db-1/disk") == "db-1/disk"
        [alert] = hikeshi.alerts()
        assert alert["status"] == "resolved"
        assert alert["resolved_at"] is not None


def test_a_trigger_without_a_key_gets_one_and_a_new_trigger_after_resolve_opens_a_new_alert(
    hikeshi: Hikeshi,
) -> None:
    with hikeshi.client() as client:
        generated = client.trigger("API の 5xx が多発", "api-gateway", severity="error")
        assert len(generated) == 32
        client.resolve(generated)
        client.trigger("API の 5xx が多発", "api-gateway", dedup_key=generated, severity="error")
    alerts = hikeshi.alerts()
    assert sorted(alert["status"] for alert in alerts) == ["resolved", "triggered"]
    assert {alert["dedup_key"] for alert in alerts} == {generated}


def test_an_unknown_routing_key_gets_pagerdutys_400_in_the_client(hikeshi: Hikeshi) -> None:
    with hikeshi.client(routing_key="0" * 32) as client, pytest.raises(pagerduty.HttpError) as raised:
        client.trigger("ディスク使用率 99%", "db-1")
    answer = raised.value.response
    assert answer is not None
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["Invalid routing key"],
    }
    assert hikeshi.alerts() == []


def test_an_invalid_event_gets_the_list_of_problems_in_the_client(hikeshi: Hikeshi) -> None:
    with hikeshi.client() as client, pytest.raises(pagerduty.HttpError) as raised:
        client.trigger("", "db-1", severity="fatal")
    answer = raised.value.response
    assert answer is not None
    assert answer.status_code == 400
    body = answer.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    assert "'payload.summary' is missing or blank" in body["errors"]
    assert any(error.startswith("'payload.severity' is invalid") for error in body["errors"])


def test_a_change_event_is_recorded(hikeshi: Hikeshi, container: Container) -> None:
    with hikeshi.client() as client:
        client.send_change_event(
            payload={
                "summary": "v2.3.1 をデプロイ",
                "source": "github-actions",
                "custom_details": {"sha": "abc"},
            },
            links=[{"href": "https://github.example.jp/shop/web/pull/42", "text": "PR #42"}],
        )
    with container.sessions() as db:
        [change] = db.scalars(select(ChangeEvent))
        assert (change.summary, change.source, change.details) == (
            "v2.3.1 をデプロイ",
            "github-actions",
            {"sha": "abc"},
        )
    assert hikeshi.alerts() == []
