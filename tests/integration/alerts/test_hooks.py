"""Webhooks and the PagerDuty endpoint through HTTP, as monitoring tools call them."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from hikeshi.alerts import groups, integrations
from hikeshi.bootstrap import Container

ALERTMANAGER = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "hikeshi",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example.jp:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighErrorRate", "severity": "critical", "instance": f"web-{n}"},
            "annotations": {"summary": f"web-{n}: Web 予約で 5xx が多発"},
            "startsAt": "2026-11-28T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.jp/graph",
            "fingerprint": f"fp{n:014d}",
        }
        for n in range(3)
    ],
}


def _integration(container: Container, kind: str) -> str:
    with container.sessions() as db:
        _, key = integrations.create_integration(session=db, name=kind, kind=kind, now=container.clock())
        db.commit()
    return key


def _alerts(client: TestClient, container: Container) -> list[dict[str, object]]:

    with container.sessions() as db:
        return [
            {"status": a.status, "dedup_key": a.dedup_key, "count": a.count}
            for a in groups.list_alerts(session=db)
        ]


def test_alertmanager_opens_one_alert_per_fingerprint_and_resolves(
    client: TestClient, container: Container
) -> None:
    key = _integration(container, "alertmanager")
    answer = client.post(f"/hooks/{key}", json=ALERTMANAGER)
    assert answer.status_code == 202, answer.text
    assert answer.json()["alerts"] == 3
    assert sorted(a["status"] for a in _alerts(client, container)) == ["triggered"] * 3

    resolved = json.loads(json.dumps(ALERTMANAGER))
    resolved["status"] = "resolved"
    for item in resolved["alerts"]:
        item["status"] = "resolved"
    assert client.post(f"/hooks/{key}", json=resolved).status_code == 202
    assert sorted(a["status"] for a in _alerts(client, container)) == ["resolved"] * 3


def test_mackerel_closed_alert_resolves(client: TestClient, container: Container) -> None:
    key = _integration(container, "mackerel")
    opened = {
        "orgName": "hikeshi-demo",
        "event": "alert",
        "alert": {
            "id": "3Ax9kW",
            "status": "critical",
            "isOpen": True,
            "monitorName": "FAX 送信キュー",
            "metricLabel": "queue",
            "metricValue": 1200,
            "openedAt": 1764320400,
            "createdAt": 1764320400123,
            "url": "https://mackerel.io/orgs/hikeshi-demo/alerts/3Ax9kW",
        },
    }
    assert client.post(f"/hooks/{key}", json=opened).status_code == 202
    closed = json.loads(json.dumps(opened))
    closed["alert"]["isOpen"] = False
    closed["alert"]["status"] = "ok"
    assert client.post(f"/hooks/{key}", json=closed).status_code == 202
    assert [a["status"] for a in _alerts(client, container)] == ["resolved"]


def test_unknown_key_is_401_json(client: TestClient) -> None:
    answer = client.post("/hooks/not-a-key", json={})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"


def test_malformed_webhook_is_400_naming_the_problem(client: TestClient, container: Container) -> None:
    key = _integration(container, "alertmanager")
    answer = client.post(f"/hooks/{key}", json={"alerts": [{"labels": "nope"}]})
    assert answer.status_code == 400
    assert "alerts[0]" in answer.json()["error"]["message"]
    assert _alerts(client, container) == []


def test_pagerduty_event_is_accepted_and_deduplicated(client: TestClient, container: Container) -> None:
    key = _integration(container, "pagerduty")
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "host1/disk",
        "payload": {"summary": "Disk 99% on host1", "source": "host1", "severity": "critical"},
    }
    for _ in range(3):
        answer = client.post("/v2/enqueue", json=event)
        assert answer.status_code == 202
        assert answer.json() == {"status": "success", "message": "Event processed", "dedup_key": "host1/disk"}
    assert _alerts(client, container) == [{"status": "triggered", "dedup_key": "host1/disk", "count": 3}]


def test_pagerduty_rejects_like_pagerduty(client: TestClient, container: Container) -> None:
    key = _integration(container, "pagerduty")
    missing = client.post("/v2/enqueue", json={"routing_key": key, "event_action": "trigger"})
    assert missing.status_code == 400
    body = missing.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    assert body["errors"]
    unknown = client.post(
        "/v2/enqueue",
        json={
            "routing_key": "0" * 32,
            "event_action": "trigger",
            "payload": {"summary": "x", "source": "y", "severity": "info"},
        },
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == ["Invalid routing key"]
    too_big = client.post("/v2/enqueue", content=b"{" + b" " * (513 * 1024) + b"}")
    assert too_big.status_code == 413


def test_stored_event_keeps_the_routing_key_only_by_its_prefix(
    client: TestClient, container: Container
) -> None:
    key = _integration(container, "pagerduty")
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": "Disk 99% on host1", "source": "host1", "severity": "critical"},
    }
    assert client.post("/v2/enqueue", json=event).status_code == 202

    with container.sessions() as db:
        [stored] = groups.list_alerts(session=db)
        assert stored.raw["routing_key"] == f"{key[:8]}…"
        assert key not in json.dumps(stored.raw)


def test_each_alert_of_a_batch_keeps_the_envelope_and_its_own_entry_not_the_whole_batch(
    client: TestClient, container: Container
) -> None:
    key = _integration(container, "alertmanager")
    assert client.post(f"/hooks/{key}", json=ALERTMANAGER).status_code == 202
    with container.sessions() as db:
        stored = {alert.dedup_key: alert.raw for alert in groups.list_alerts(session=db)}
    assert len(stored) == 3
    for raw in stored.values():
        # A storm's webhook of 1,000 alerts would otherwise be stored 1,000 times over.
        [entry] = raw["alerts"]
        assert entry["fingerprint"] in json.dumps(sorted(stored))
        assert raw["groupKey"] == ALERTMANAGER["groupKey"]
        assert raw["externalURL"] == ALERTMANAGER["externalURL"]
    entries = sorted(raw["alerts"][0]["labels"]["instance"] for raw in stored.values())
    assert entries == ["web-0", "web-1", "web-2"]
