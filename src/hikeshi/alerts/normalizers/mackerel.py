"""Mackerel's webhook: `event: "alert"` is one alert; other events (a test `sample`...) are accepted, ignored.

Mackerel writes `openedAt`, `closedAt` and `statusChangedAt` in epoch seconds and `createdAt` in
milliseconds; every epoch field is read by magnitude, so either unit works anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import (
    JsonObject,
    as_object,
    child,
    index,
    load_json,
    optional_list,
    optional_object,
    required_object,
    required_text,
    text,
)
from hikeshi.alerts.normalizers.values import build_alert, first_text, make_link, parse_time

_SEVERITIES = {"critical": Severity.CRITICAL, "warning": Severity.WARNING, "unknown": Severity.ERROR}
_THRESHOLDS = (
    "monitorName",
    "metricLabel",
    "metricValue",
    "criticalThreshold",
    "warningThreshold",
    "duration",
)


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    document = as_object(load_json(body), "")
    if required_text(document, "event", "") != "alert":
        return []
    alert = required_object(document, "alert", "")
    status = text(alert, "status", "alert").strip().lower()
    resolved = alert.get("isOpen") in (False, "false") or status == "ok"
    host = optional_object(document, "host", "")
    service = optional_object(document, "service", "")
    roles = _roles(host or service or {}, "host" if host else "service")
    return [
        build_alert(
            action=Action.RESOLVE if resolved else Action.TRIGGER,
            summary=first_text(text(document, "message", ""), _metric_summary(alert)),
            severity=Severity.INFO if status == "ok" else _SEVERITIES.get(status, Severity.ERROR),
            dedup_key=required_text(alert, "id", "alert"),
            now=now,
            source=first_text(text(host or {}, "name", "host"), text(service or {}, "name", "service")),
            name=text(alert, "monitorName", "alert"),
            occurred_at=_occurred_at(alert, resolved=resolved),
            labels=_labels(document, roles, service_name=text(service or {}, "name", "service")),
            links=[
                make_link(text(alert, "url", "alert"), "alert.url"),
                make_link(text(host or {}, "url", "host"), "host.url"),
            ],
            details=_details(document, alert),
        )
    ]


def _metric_summary(alert: JsonObject) -> str:
    """`loadavg5: loadavg5 2.1`, as Mackerel's own notifications name a metric alert."""
    monitor = text(alert, "monitorName", "alert")
    metric = " ".join(
        part for part in (text(alert, "metricLabel", "alert"), text(alert, "metricValue", "alert")) if part
    )
    return f"{monitor}: {metric}" if monitor and metric else monitor or metric


def _occurred_at(alert: JsonObject, *, resolved: bool) -> datetime | None:
    """When this notification's change happened: closing, a status change, or the opening."""
    fields = ("closedAt",) if resolved else ()
    for field in (*fields, "statusChangedAt", "openedAt", "createdAt"):
        moment = parse_time(alert.get(field))
        if moment is not None:
            return moment
    return None


def _roles(owner: JsonObject, path: str) -> list[JsonObject]:
    where = child(path, "roles")
    return [
        as_object(role, index(where, position))
        for position, role in enumerate(optional_list(owner, "roles", path))
    ]


def _labels(document: JsonObject, roles: list[JsonObject], *, service_name: str) -> dict[str, str]:
    services = dict.fromkeys([service_name, *(text(role, "serviceName", "roles") for role in roles)])
    full_names = dict.fromkeys(text(role, "fullname", "roles") for role in roles)
    labels = {
        "service": ",".join(name for name in services if name),
        "role": ",".join(name for name in full_names if name),
        "type": text(document, "type", ""),
        "org": text(document, "orgName", ""),
    }
    return {key: value for key, value in labels.items() if value}


def _details(document: JsonObject, alert: JsonObject) -> dict[str, Any]:
    details: dict[str, Any] = {key: alert[key] for key in _THRESHOLDS if alert.get(key) is not None}
    for key in ("memo", "imageUrl"):
        if text(document, key, ""):
            details[key] = text(document, key, "")
    for key in ("openedAt", "closedAt", "statusChangedAt", "createdAt"):
        moment = parse_time(alert.get(key))
        if moment is not None:
            details[key] = moment.isoformat()
    return details
