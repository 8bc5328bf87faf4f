"""Grafana Alerting's webhook contact point: Alertmanager's shape plus Grafana's links and values.

A contact point with a custom template can send anything; without an `alerts` list the body is read
as a generic JSON alert whose paths fit Grafana's own fields (title, message, state, ruleId, ruleUrl).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Link, NormalizedAlert
from hikeshi.alerts.normalizers import alertmanager, generic
from hikeshi.alerts.normalizers.documents import JsonObject, load_json, text
from hikeshi.alerts.normalizers.values import make_link

_LINK_FIELDS = ("silenceURL", "dashboardURL", "panelURL", "imageURL")

# Paths for a custom template; `state` is `alerting` or `ok` in Grafana's own messages.
FALLBACK_CONFIG = generic.validate_generic_config(
    {
        "summary": ["title", "message", "summary"],
        "status": ["state", "status"],
        "dedup_key": ["ruleId", "dedup_key", "id"],
        "name": ["ruleName", "title"],
        "link": ["ruleUrl", "url", "link"],
    }
)


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    document = load_json(body)
    if isinstance(document, dict) and "alerts" in document:
        return alertmanager.parse_document(document, now=now, extras=_extras)
    return generic.parse_document(document, FALLBACK_CONFIG, now=now)


def _extras(alert: JsonObject, path: str) -> tuple[list[Link | None], dict[str, Any]]:
    links = [make_link(text(alert, field, path), field) for field in _LINK_FIELDS]
    details: dict[str, Any] = {}
    if alert.get("values") is not None:
        details["values"] = alert["values"]
    value_string = text(alert, "valueString", path)
    if value_string:
        details["valueString"] = value_string
    return links, details
