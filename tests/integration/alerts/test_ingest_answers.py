"""What the ingest endpoints answer, byte for byte where PagerDuty's clients read it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hikeshi.alerts import integrations
from hikeshi.alerts.models import Alert, ChangeEvent
from hikeshi.bootstrap import Container
from hikeshi.delivery.models import Delivery
from hikeshi.jobs.models import Job

OVER_512_KB = b'{"pad": "' + b"x" * (512 * 1024) + b'"}'


def _key(container: Container, kind: str = "pagerduty", chat_channel: str | None = None) -> str:
    with container.sessions() as db:
        _, key = integrations.create_integration(
            session=db, name=kind, kind=kind, chat_channel=chat_channel, now=container.clock()
        )
        db.commit()
    return key


def _count(container: Container, model: type) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _trigger(key: str, **extra: object) -> dict[str, object]:
    payload = {"summary": "DB のレプリケーション遅延 30 秒", "source": "db-2", "severity": "error"}
    return {"routing_key": key, "event_action": "trigger", "payload": payload} | extra


def test_an_accepted_event_gets_202_with_its_dedup_key(client: TestClient, container: Container) -> None:
    answer = client.post("/v2/enqueue", json=_trigger(_key(container), dedup_key="db-2/replication"))
    assert answer.status_code == 202
    assert answer.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db-2/replication",
    }


def test_an_invalid_event_gets_pagerdutys_400_listing_every_problem(
    client: TestClient, container: Container
) -> None:
    event = {"routing_key": _key(container), "event_action": "trigger", "payload": {"severity": "fatal"}}
    answer = client.post("/v2/enqueue", json=event)
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": [
            "'payload.summary' is missing or blank",
            "'payload.source' is missing or blank",
            "'payload.severity' is invalid (must be one of the following: "
            "'critical', 'warning', 'error' or 'info')",
        ],
    }
    assert _count(container, Alert) == 0


def test_a_body_that_is_not_json_gets_pagerdutys_parse_error(client: TestClient) -> None:
    answer = client.post("/v2/enqueue", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {
        "status": "Unrecognized object",
        "message": "Event object format is unrecognized",
        "errors": ["JSON parse error"],
    }


def test_an_unknown_routing_key_gets_400_invalid_routing_key(
    client: TestClient, container: Container
) -> None:
    _key(container)
    for path in ("/v2/enqueue", "/v2/change/enqueue"):
        answer = client.post(path, json=_trigger("0123456789abcdef0123456789abcdef"))
        assert answer.status_code == 400
        assert answer.json() == {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Invalid routing key"],
        }
    assert (_count(container, Alert), _count(container, ChangeEvent)) == (0, 0)


def test_change_events_are_stored_and_notify_no_one(client: TestClient, container: Container) -> None:
    key = _key(container, chat_channel="C0DEPLOYS")
    change = {
        "routing_key": key,
        "payload": {
            "summary": "予約 API v4.2.0 をデプロイ",
            "source": "github-actions",
            "timestamp": "2026-11-28T09:30:00+09:00",
            "custom_details": {"commit": "9f2c1e7"},
        },
        "links": [{"href": "https://github.example.jp/yoyaku/api/releases/v4.2.0", "text": "v4.2.0"}],
    }
    answer = client.post("/v2/change/enqueue", json=change)
    assert answer.status_code == 202
    assert answer.json() == {"status": "success", "message": "Change event processed"}
    with container.sessions() as db:
        [stored] = db.scalars(select(ChangeEvent))
        assert stored.summary == "予約 API v4.2.0 をデプロイ"
        assert stored.occurred_at.isoformat() == "2026-11-28T00:30:00+00:00"
        assert stored.links == [
            {"href": "https://github.example.jp/yoyaku/api/releases/v4.2.0", "text": "v4.2.0"}
        ]
    assert (_count(container, Alert), _count(container, Delivery), _count(container, Job)) == (0, 0, 0)


@pytest.fixture
def paths(container: Container) -> list[str]:
    return ["/v2/enqueue", "/v2/change/enqueue", f"/hooks/{_key(container, 'alertmanager')}"]


def test_bodies_over_512_kb_get_413_in_json(client: TestClient, paths: list[str]) -> None:
    for path in paths:
        answer = client.post(path, content=OVER_512_KB, headers={"content-type": "application/json"})
        assert answer.status_code == 413, path
        assert answer.json()["error"]["code"] == "payload_too_large"


def test_bodies_over_512_kb_without_a_length_get_413_too(client: TestClient, paths: list[str]) -> None:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(OVER_512_KB), 64 * 1024):
            yield OVER_512_KB[start : start + 64 * 1024]

    for path in paths:
        answer = client.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert answer.status_code == 413, path
        assert answer.json()["error"]["code"] == "payload_too_large"


def test_a_body_of_exactly_512_kb_is_accepted(client: TestClient, container: Container) -> None:
    details = {"pad": ""}
    event = _trigger(
        _key(container),
        dedup_key="big",
        payload={"summary": "大きい", "source": "s", "severity": "info", "custom_details": details},
    )
    details["pad"] = "x" * (512 * 1024 - len(json.dumps(event).encode()))
    body = json.dumps(event).encode()
    assert len(body) == 512 * 1024
    answer = client.post("/v2/enqueue", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 202, answer.text
    assert _count(container, Alert) == 1
