"""Datadog's webhook: a body the user writes from template variables, read as tolerantly as possible.

Keys are matched without case and without a leading `$`, since users name them after the variables
(`alert_transition`, `ALERT_TRANSITION`, `$ALERT_TRANSITION`). The dedup key is `alert_cycle_key` (it ties
a trigger to its recovery), else `aggreg_key`, else `alert_id`; with Datadog's default template, which has
none of them, it is the monitor name and scope read from the event title `[Triggered on {host:a}] CPU high`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import as_object, folded, load_json, scalar_text
from hikeshi.alerts.normalizers.values import build_alert, first_text, make_link, parse_time, severity_from

_TITLE = re.compile(
    r"\s*(?:\[P[1-5]\]\s*)?\[(?P<transition>[A-Za-z -]+?)(?: on (?P<scope>[^\]]*))?\]\s*(?P<name>.*)",
    re.DOTALL,
)
_MAX_TITLE = 1024
_TRANSITIONS = {
    "triggered": (Action.TRIGGER, None),
    "re-triggered": (Action.TRIGGER, None),
    "renotify": (Action.TRIGGER, None),
    "warn": (Action.TRIGGER, Severity.WARNING),
    "re-warn": (Action.TRIGGER, Severity.WARNING),
    "no data": (Action.TRIGGER, Severity.WARNING),
    "re-no data": (Action.TRIGGER, Severity.WARNING),
    "recovered": (Action.RESOLVE, Severity.INFO),
}


@dataclass(frozen=True, slots=True)
class _Title:
    transition: str
    scope: str
    name: str


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    fields = folded(as_object(load_json(body), ""))

    def field(*names: str) -> str:
        return first_text(*(scalar_text(fields.get(name)) for name in names))

    title_text = field("alert_title", "title", "event_title")
    title = _read_title(title_text)
    transition = (field("alert_transition", "transition") or (title.transition if title else "")).lower()
    if not transition and field("alert_type").lower() == "success":  # the recovery event's type
        transition = "recovered"
    action, transition_severity = _TRANSITIONS.get(transition, (Action.TRIGGER, None))
    labels = _tags(fields.get("tags"))
    return [
        build_alert(
            action=action,
            summary=first_text(title_text, field("event_msg", "body", "message", "text")),
            severity=_severity(field("alert_priority"), transition_severity, field("alert_type")),
            dedup_key=field("alert_cycle_key", "aggreg_key", "alert_id") or _title_key(title),
            now=now,
            source=field("hostname", "host"),
            name=title.name if title else title_text,
            occurred_at=parse_time(field("date", "last_updated", "alert_time")),
            labels=labels,
            links=[make_link(field("link", "url"), "link")],
            details={
                key: value
                for key in ("alert_id", "alert_scope", "alert_status", "event_type", "alert_metric", "org")
                if (value := fields.get(key)) is not None
            },
        )
    ]


def _read_title(title: str) -> _Title | None:
    if len(title) > _MAX_TITLE:  # the pattern backtracks; real titles are short
        return None
    match = _TITLE.fullmatch(title)
    if match is None or match["transition"].lower() not in _TRANSITIONS:
        return None
    return _Title(
        transition=match["transition"], scope=(match["scope"] or "").strip(), name=match["name"].strip()
    )


def _title_key(title: _Title | None) -> str | None:
    if title is None or not title.name:
        return None
    return f"title:{title.name}|{title.scope}"


def _severity(priority: str, transition_severity: Severity | None, alert_type: str) -> Severity:
    """The monitor's priority (P1..P5) first, then what the transition says, then the alert type."""
    if priority:
        return severity_from(priority, Severity.ERROR)
    if transition_severity is not None:
        return transition_severity
    return severity_from(alert_type, Severity.ERROR)


def _tags(tags: Any) -> dict[str, str]:
    """`$TAGS`, `env:prod,service:web,canary`, as labels; a list of `k:v` strings works too."""
    parts = tags.split(",") if isinstance(tags, str) else tags if isinstance(tags, list) else []
    labels: dict[str, str] = {}
    for part in parts:
        if not isinstance(part, str) or not part.strip():
            continue
        key, _, value = part.strip().partition(":")
        key = key.strip()
        if key:
            labels[key] = f"{labels[key]},{value}" if labels.get(key) else value
    return labels
