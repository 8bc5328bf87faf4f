"""Prometheus Alertmanager's webhook (version 4): one normalized alert per entry of `alerts[]`.

Grafana's contact point sends the same shape with more fields per alert; `grafana` reuses this parser.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import (
    JsonObject,
    as_object,
    index,
    load_json,
    required_list,
    string_map,
    text,
)
from hikeshi.alerts.normalizers.values import build_alert, first_text, make_link, parse_time, severity_from

# Alertmanager's `max_alerts` is unbounded by default. Past this many in one request the rest are dropped
# (the count is kept in each alert's details as `truncated`); Alertmanager sends the whole group again at
# its next interval, and a 400 would lose every alert, since Alertmanager does not retry a 4xx.
MAX_ALERTS_PER_REQUEST = 1000

# Per-alert additions of a source that extends this shape: extra links and extra details.
Extras = Callable[[JsonObject, str], tuple[list[Link | None], dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class _Group:
    status: str
    group_key: str
    external_url: str
    notes: dict[str, Any]  # facts about the request that each alert's details repeat


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    return parse_document(as_object(load_json(body), ""), now=now)


def parse_document(
    document: JsonObject, *, now: datetime, extras: Extras | None = None
) -> list[NormalizedAlert]:
    entries = required_list(document, "alerts", "")
    kept = entries[:MAX_ALERTS_PER_REQUEST]
    group = _read_group(document, dropped=len(entries) - len(kept))
    return [
        _alert(as_object(entry, index("alerts", position)), index("alerts", position), group, now, extras)
        for position, entry in enumerate(kept)
    ]


def _read_group(document: JsonObject, *, dropped: int) -> _Group:
    notes: dict[str, Any] = {}
    truncated_by_sender = document.get("truncatedAlerts")
    if (
        isinstance(truncated_by_sender, int)
        and not isinstance(truncated_by_sender, bool)
        and truncated_by_sender > 0
    ):
        notes["truncatedAlerts"] = truncated_by_sender
    if dropped:
        notes["truncated"] = dropped
    return _Group(
        status=text(document, "status", "").strip().lower(),
        group_key=text(document, "groupKey", ""),
        external_url=text(document, "externalURL", ""),
        notes=notes,
    )


def _alert(
    alert: JsonObject, path: str, group: _Group, now: datetime, extras: Extras | None
) -> NormalizedAlert:
    labels = string_map(alert, "labels", path)
    annotations = string_map(alert, "annotations", path)
    status = text(alert, "status", path).strip().lower() or group.status
    starts_at = parse_time(text(alert, "startsAt", path))
    ends_at = parse_time(text(alert, "endsAt", path))  # Go's zero time while firing: None
    details: dict[str, Any] = {**annotations, **group.notes}
    details.update(
        {key: moment.isoformat() for key, moment in (("startsAt", starts_at), ("endsAt", ends_at)) if moment}
    )
    links = [make_link(text(alert, "generatorURL", path), "generatorURL")]
    if extras is not None:
        extra_links, extra_details = extras(alert, path)
        links += extra_links
        details.update(extra_details)
    links.append(make_link(group.external_url, "externalURL"))
    return build_alert(
        # Trust the status: endsAt is set in the future on firing alerts and is zero in Grafana's tests.
        action=Action.RESOLVE if status == "resolved" else Action.TRIGGER,
        summary=first_text(
            annotations.get("summary"),
            annotations.get("description"),
            labels.get("alertname"),
            _render(labels),
        ),
        severity=severity_from(labels.get("severity", ""), Severity.WARNING),
        dedup_key=text(alert, "fingerprint", path).strip() or label_hash(labels),
        now=now,
        source=first_text(labels.get("instance"), labels.get("job")),
        name=labels.get("alertname", ""),
        occurred_at=starts_at,
        labels=labels,
        links=links,
        details=details,
        group_hint=group.group_key or None,
    )


def label_hash(labels: Mapping[str, str]) -> str:
    """A stable key for an alert without a fingerprint: the hash of its sorted labels."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return "labels:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _render(labels: Mapping[str, str]) -> str:
    """Labels as Alertmanager writes them, `{alertname="X", job="y"}`: a last-resort summary."""
    if not labels:
        return ""
    return (
        "{"
        + ", ".join(
            f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in sorted(labels.items())
        )
        + "}"
    )
