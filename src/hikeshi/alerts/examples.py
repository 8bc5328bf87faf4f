"""A working example request for each kind of integration: what to paste into a terminal to test it.

The bodies are small but realistic (the shape each tool really sends), so a person can see the alert
arrive before wiring the real tool. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hikeshi.alerts.normalizers.generic import DEFAULT_PATHS, parse_path

SUMMARY = "web-1 のディスク使用率が 95% を超えました"
LINK = "https://monitoring.example.com/alerts/42"


@dataclass(frozen=True, slots=True)
class ExampleRequest:
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def curl(self) -> str:
        """One command for POSIX shells, an option a line; `--data-binary` sends the body byte for byte."""
        lines = [f"curl -X POST {shlex.quote(self.url)}"]
        lines += [f"  -H {shlex.quote(f'{name}: {value}')}" for name, value in self.headers.items()]
        lines.append(f"  --data-binary {shlex.quote(self.body.decode())}")
        return " \\\n".join(lines)


def example_request(*, kind: str, url: str, key: str, config: Mapping[str, Any]) -> ExampleRequest:
    """A request that the integration at `url` accepts and turns into one triggered alert."""
    document = _BODIES.get(kind, _generic)(key, config)
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    headers = {"Content-Type": "application/json"}
    if kind == "sentry":
        headers["Sentry-Hook-Resource"] = "event_alert"
        secret = config.get("client_secret")
        if isinstance(secret, str) and secret:
            signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["Sentry-Hook-Signature"] = signature
    return ExampleRequest(url=url, headers=headers, body=body)


def _pagerduty(key: str, config: Mapping[str, Any]) -> Any:
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "web-1/disk",
        "payload": {"summary": SUMMARY, "source": "web-1", "severity": "critical", "component": "disk"},
        "links": [{"href": LINK, "text": "Dashboard"}],
    }


def _alertmanager(key: str, config: Mapping[str, Any]) -> Any:
    labels = {"alertname": "DiskFull", "instance": "web-1", "severity": "critical"}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "hikeshi",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": SUMMARY},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": SUMMARY},
                "startsAt": "2024-04-01T03:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": LINK,
                "fingerprint": "1a30ba71cca2921f",
            }
        ],
    }


def _grafana(key: str, config: Mapping[str, Any]) -> Any:
    document = _alertmanager(key, config)
    document.update(version="1", orgId=1, title=f"[FIRING:1] DiskFull ({SUMMARY})", state="alerting")
    document["alerts"][0].update(dashboardURL=LINK, valueString="[ var='A' value=95.2 ]")
    return document


def _mackerel(key: str, config: Mapping[str, Any]) -> Any:
    return {
        "orgName": "Example",
        "event": "alert",
        "host": {"id": "3Ab2Cd", "name": "web-1", "url": "https://mackerel.io/orgs/Example/hosts/3Ab2Cd"},
        "alert": {
            "id": "4gx2V9",
            "status": "critical",
            "isOpen": True,
            "trigger": "monitor",
            "monitorName": "Disk usage",
            "metricLabel": "disk%",
            "metricValue": 95.2,
            "criticalThreshold": 90,
            "url": "https://mackerel.io/orgs/Example/alerts/4gx2V9",
            "openedAt": 1711940400,
            "createdAt": 1711940400000,
        },
        "message": SUMMARY,
    }


def _sentry(key: str, config: Mapping[str, Any]) -> Any:
    event = {
        "title": "ZeroDivisionError: division by zero",
        "level": "error",
        "issue_id": "1117540176",
        "culprit": "app.views.checkout",
        "web_url": "https://sentry.example.com/organizations/example/issues/1117540176/",
        "datetime": "2024-04-01T03:00:00Z",
    }
    return {"action": "triggered", "data": {"event": event, "triggered_rule": "Checkout errors"}}


def _datadog(key: str, config: Mapping[str, Any]) -> Any:
    return {
        "id": "7085452012345678",
        "title": f"[Triggered] {SUMMARY}",
        "body": "%%%\nDisk usage is 95.2% on web-1\n%%%",
        "last_updated": "1711940400000",
        "event_type": "query_alert_monitor",
        "date": "1711940400000",
        "org": {"id": "123456", "name": "Example"},
        "alert_id": "98765",
        "alert_cycle_key": "7085452011111111",
        "alert_transition": "Triggered",
        "alert_priority": "P1",
        "hostname": "web-1",
        "link": LINK,
    }


def _newrelic(key: str, config: Mapping[str, Any]) -> Any:
    return {
        "id": "a1b2c3d4-0000-4000-8000-000000000042",
        "issueUrl": LINK,
        "title": SUMMARY,
        "priority": "CRITICAL",
        "state": "ACTIVATED",
        "alertConditionNames": ["Disk usage"],
        "alertPolicyNames": ["web"],
        "impactedEntities": ["web-1"],
        "createdAt": 1711940400000,
        "updatedAt": 1711940400000,
    }


def _generic(key: str, config: Mapping[str, Any]) -> Any:
    """A body with a value at the first path of each setting, so the configured paths find them."""
    severity_map = config.get("severity_map") or {}
    values = {
        "summary": SUMMARY,
        "severity": next(iter(severity_map), "critical"),
        "status": "firing",
        "dedup_key": "web-1/disk",
        "link": LINK,
        "source": "web-1",
    }
    root: Any = None
    for setting, value in values.items():
        paths = config.get(setting) or DEFAULT_PATHS[setting]
        root = _put(root, parse_path(paths[0]), value)
    return root if root is not None else {}


def _put(container: Any, steps: tuple[str | int, ...], value: Any) -> Any:
    """`container` with `value` at `steps`, made as needed; a step that clashes leaves it unchanged."""
    if not steps:
        return value if container is None else container
    step, rest = steps[0], steps[1:]
    if isinstance(step, int):
        container = [] if container is None else container
        if not isinstance(container, list):
            return container
        container.extend([None] * (step + 1 - len(container)))
        container[step] = _put(container[step], rest, value)
        return container
    container = {} if container is None else container
    if isinstance(container, dict):
        container[step] = _put(container.get(step), rest, value)
    return container


_BODIES = {
    "pagerduty": _pagerduty,
    "alertmanager": _alertmanager,
    "grafana": _grafana,
    "mackerel": _mackerel,
    "sentry": _sentry,
    "datadog": _datadog,
    "newrelic": _newrelic,
}
