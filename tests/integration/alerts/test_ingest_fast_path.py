"""The ingest routes answered in front of the web app answer exactly as the app's own routes do."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from starlette.responses import JSONResponse

from hikeshi.alerts import groups, integrations
from hikeshi.alerts.ingest import MAX_BODY_BYTES, _processed
from hikeshi.bootstrap import Container
from hikeshi.web.app import HikeshiApp, create_app

VARYING = {"date", "content-length"}  # content-length differs only by the dedup keys in the body


@pytest.fixture
def slow_client(container: Container) -> Iterator[TestClient]:
    """The same app without its fast path: every ingest request goes through FastAPI and the middleware."""
    app = create_app(container)
    assert isinstance(app, HikeshiApp)
    app.ingest_fast_path = None
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def keys(container: Container) -> dict[str, str]:
    made = {}
    with container.sessions() as db:
        for kind in ("pagerduty", "alertmanager"):
            _, made[kind] = integrations.create_integration(
                session=db, name=kind, kind=kind, now=container.clock()
            )
        db.commit()
    return made


def _trigger(routing_key: str, dedup_key: str | None = "disk-1") -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "payload": {"summary": "ディスク使用率 95%", "source": "db-1", "severity": "critical"},
    }
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    return event


def _requests(keys: dict[str, str]) -> list[tuple[str, bytes, dict[str, str]]]:
    as_json = {"content-type": "application/json"}
    pagerduty, alertmanager = keys["pagerduty"], keys["alertmanager"]
    firing = {
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "Down", "instance": "web-1"}}],
    }
    return [
        ("/v2/enqueue", json.dumps(_trigger(pagerduty)).encode(), as_json),
        ("/v2/enqueue", json.dumps({**_trigger(pagerduty), "event_action": "resolve"}).encode(), as_json),
        ("/v2/enqueue", json.dumps(_trigger("0" * 32)).encode(), as_json),
        ("/v2/enqueue", b'{"routing_key": ', as_json),
        ("/v2/enqueue", json.dumps({"event_action": "explode"}).encode(), as_json),
        ("/v2/enqueue", b"[" * (MAX_BODY_BYTES + 1), as_json),
        ("/v2/enqueue", b"", {}),
        (
            "/v2/change/enqueue",
            json.dumps({"routing_key": pagerduty, "payload": {"summary": "deploy v2.3.1"}}).encode(),
            as_json,
        ),
        (f"/hooks/{alertmanager}", json.dumps(firing).encode(), as_json),
        (f"/hooks/{alertmanager}", b'{"alerts": 3}', as_json),
        (f"/hooks/{alertmanager}", b"not json", as_json),
        ("/hooks/not-a-key", json.dumps(firing).encode(), {**as_json, "accept-language": "en"}),
        ("/hooks/not-a-key", json.dumps(firing).encode(), {**as_json, "accept-language": "ja"}),
        (f"/hooks/{alertmanager}", b"[" * (MAX_BODY_BYTES + 1), as_json),
    ]


def _seen(answer: Response) -> tuple[int, Any, list[tuple[str, str]]]:
    headers = [(name, value) for name, value in answer.headers.multi_items() if name not in VARYING]
    try:
        body: Any = answer.json()
    except ValueError:
        body = answer.text
    return answer.status_code, body, headers


def test_every_ingest_answer_is_the_same_with_and_without_the_fast_path(
    client: TestClient, slow_client: TestClient, keys: dict[str, str]
) -> None:
    for path, body, headers in _requests(keys):
        fast = _seen(client.post(path, content=body, headers=headers))
        slow = _seen(slow_client.post(path, content=body, headers=headers))
        assert fast == slow, (path, body[:60])
        assert fast[0] in {202, 400, 401, 413, 422}, (path, fast)
        assert ("x-frame-options", "DENY") in fast[2]


def test_an_alert_answered_by_the_fast_path_is_stored(
    client: TestClient, container: Container, keys: dict[str, str]
) -> None:
    answer = client.post("/v2/enqueue", json=_trigger(keys["pagerduty"], dedup_key=None))
    assert answer.status_code == 202
    dedup_key = answer.json()["dedup_key"]
    with container.sessions() as db:
        assert [alert.dedup_key for alert in groups.list_alerts(session=db)] == [dedup_key]


def _count(metrics: str, route: str, status: int) -> float:
    pattern = (
        rf'hikeshi_http_requests_total\{{method="POST",route="{re.escape(route)}",status="{status}"\}} (\S+)'
    )
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def test_requests_are_counted_once_by_route_whether_answered_fast_or_by_the_app(
    client: TestClient, keys: dict[str, str]
) -> None:
    for _ in range(3):
        assert client.post("/v2/enqueue", json=_trigger(keys["pagerduty"])).status_code == 202
    assert client.post("/v2/enqueue", content=b"[" * (MAX_BODY_BYTES + 1)).status_code == 413
    assert client.post("/hooks/not-a-key", json={"alerts": []}).status_code == 401
    metrics = client.get("/metrics").text
    assert _count(metrics, "/v2/enqueue", 202) == 3
    assert _count(metrics, "/v2/enqueue", 413) == 1
    assert _count(metrics, "/hooks/{key}", 401) == 1
    assert 'hikeshi_http_request_duration_seconds_count{method="POST",route="/v2/enqueue"} 4.0' in metrics


@pytest.mark.parametrize("dedup_key", ["disk-1", "決済/API 500", 'quote"back\\slash', "\u2028\x00"])
def test_the_prebuilt_202_is_byte_for_byte_pagerdutys_json(dedup_key: str) -> None:
    built = _processed(dedup_key)
    rendered = JSONResponse(
        {"status": "success", "message": "Event processed", "dedup_key": dedup_key}, status_code=202
    )
    assert (built.status_code, built.body, built.raw_headers) == (202, rendered.body, rendered.raw_headers)


def test_behind_https_the_fast_path_sends_hsts_like_every_other_answer(
    container: Container, keys: dict[str, str]
) -> None:
    container.settings = container.settings.model_copy(update={"base_url": "https://hikeshi.example.com"})
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        ingest = client.post("/v2/enqueue", json=_trigger(keys["pagerduty"]))
        page = client.get("/healthz")
    assert ingest.status_code == 202
    for answer in (ingest, page):
        assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert answer.headers["x-frame-options"] == "DENY"
