"""Any JSON alert read through configurable paths: for tools without a parser and for custom templates.

Path syntax: keys joined by dots, list positions in brackets, and keys that hold dots or brackets quoted in
brackets: `alert.title`, `alerts[0].labels.severity`, `tags["k8s.pod"]`, `[0].id` (a top-level list).
Each path setting takes one path or a list of paths; the first that holds a value wins.

The integration's config (validated by `validate_generic_config`) may set:

    summary, severity, status, dedup_key, link, source, name, product, occurred_at, labels   paths
    severity_map          {"P1": "critical", ...}: source values (any case) to a severity
    default_severity      the severity when nothing matches (default: warning)
    resolved_values       status values that resolve (default: ok, resolved, closed, recovered...)
    acknowledged_values   status values that acknowledge (default: acknowledged, ack...)

A setting left out uses `DEFAULT_PATHS`; unknown settings are refused so a typo cannot pass unnoticed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import load_json, scalar_text
from hikeshi.alerts.normalizers.values import build_alert, clip, make_link, parse_time, severity_from
from hikeshi.core.errors import InvalidInput

Step = str | int

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "summary": ("title", "summary", "message"),
    "severity": ("severity",),
    "status": ("status",),
    "dedup_key": ("id", "dedup_key"),
    "link": ("url", "link"),
    "source": ("source", "host"),
    "name": ("name",),
    "product": ("product",),
    "occurred_at": ("timestamp", "time"),
    "labels": ("labels",),
}
DEFAULT_RESOLVED = ("ok", "resolved", "resolve", "closed", "close", "recovered", "recovery", "inactive")
DEFAULT_ACKNOWLEDGED = ("acknowledged", "acknowledge", "ack", "acked")
_VALUE_LISTS = ("resolved_values", "acknowledged_values")
SETTINGS = (*DEFAULT_PATHS, "severity_map", "default_severity", *_VALUE_LISTS)

_MAX_PATH = 256
_STEP = re.compile(r'\[(\d{1,6})\]|\["([^"\]]*)"\]|(?:^|\.)([^.\[\]"]+)')


def parse_path(path: str) -> tuple[Step, ...]:
    """`alerts[0].labels["k.x"]` as `("alerts", 0, "labels", "k.x")`; ValueError when it is no path."""
    if not path or len(path) > _MAX_PATH or path.startswith("."):
        raise ValueError(path)
    steps: list[Step] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(path)
        number, quoted, name = match.groups()
        steps.append(int(number) if number is not None else quoted if quoted is not None else name)
        position = match.end()
    return tuple(steps)


def resolve(document: Any, steps: tuple[Step, ...]) -> Any:
    """The value at `steps`, or None when any step is missing or of the other kind."""
    current = document
    for step in steps:
        if isinstance(step, int) and isinstance(current, list) and step < len(current):
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict):
            current = current.get(step)
        else:
            return None
    return current


def validate_generic_config(config: Any) -> dict[str, Any]:
    """The config in its stored form (paths as lists, values lower-case); InvalidInput names a bad key."""
    if not isinstance(config, Mapping):
        raise InvalidInput("{field}: expected an object", field="config")
    validated: dict[str, Any] = {}
    for key, value in config.items():
        if key in DEFAULT_PATHS:
            validated[key] = _paths(key, value)
        elif key == "severity_map":
            validated[key] = _severity_map(value)
        elif key == "default_severity":
            validated[key] = _severity_word(key, value).value
        elif key in _VALUE_LISTS:
            validated[key] = _words(key, value)
        else:
            raise InvalidInput(
                "{field}: not a setting; use one of {known}", field=str(key), known=", ".join(SETTINGS)
            )
    return validated


def _paths(key: str, value: Any) -> list[str]:
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not paths or not all(isinstance(path, str) for path in paths):
        raise InvalidInput("{field}: expected a path or a list of paths", field=key)
    for path in paths:
        try:
            parse_path(path)
        except ValueError:
            raise InvalidInput(
                "{field}: '{value}' is not a path such as alert.title or alerts[0].name",
                field=key,
                value=path,
            ) from None
    return list(paths)


def _severity_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput("{field}: expected an object", field="severity_map")
    return {
        str(source).strip().lower(): _severity_word(f"severity_map.{source}", severity).value
        for source, severity in value.items()
    }


def _severity_word(key: str, value: Any) -> Severity:
    if isinstance(value, str) and value.strip().lower() in tuple(Severity):
        return Severity(value.strip().lower())
    raise InvalidInput(
        "{field}: '{value}' is not critical, error, warning or info", field=key, value=str(value)[:100]
    )


def _words(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise InvalidInput("{field}: expected a list of strings", field=key)
    return [word.strip().lower() for word in value]


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    return parse_document(load_json(body), validate_generic_config(config), now=now)


def parse_document(document: Any, config: Mapping[str, Any], *, now: datetime) -> list[NormalizedAlert]:
    """One alert from `document` read through a validated config."""
    if not isinstance(document, dict | list):
        raise InvalidInput("{field}: expected an object or a list", field="body")
    reader = _Reader(document, config)
    severity_map: Mapping[str, str] = config.get("severity_map", {})
    severity_word = reader.text("severity").lower()
    default = Severity(config.get("default_severity", Severity.WARNING))
    severity = Severity(severity_map[severity_word]) if severity_word in severity_map else None
    return [
        build_alert(
            action=_action(reader.text("status").lower(), config),
            # Nothing to call it by: the body itself, cut short, says more than an invented title would.
            summary=reader.text("summary") or clip(_compact(document), 1024),
            severity=severity or severity_from(severity_word, default),
            dedup_key=reader.text("dedup_key") or None,
            now=now,
            source=reader.text("source"),
            name=reader.text("name"),
            occurred_at=parse_time(reader.value("occurred_at")),
            labels=_labels(reader.value("labels")),
            links=[make_link(reader.text("link"), "link")],
            product=reader.text("product") or None,
        )
    ]


class _Reader:
    """Reads one setting's paths from a document, the first path with a usable value winning."""

    def __init__(self, document: Any, config: Mapping[str, Any]) -> None:
        self.document = document
        self.config = config

    def value(self, setting: str) -> Any:
        for path in self.config.get(setting, DEFAULT_PATHS[setting]):
            found = resolve(self.document, parse_path(path))
            if found is not None:
                return found
        return None

    def text(self, setting: str) -> str:
        for path in self.config.get(setting, DEFAULT_PATHS[setting]):
            found = scalar_text(resolve(self.document, parse_path(path)))
            if found is not None and found.strip():
                return found.strip()
        return ""


def _action(status: str, config: Mapping[str, Any]) -> Action:
    if status in config.get("resolved_values", DEFAULT_RESOLVED):
        return Action.RESOLVE
    if status in config.get("acknowledged_values", DEFAULT_ACKNOWLEDGED):
        return Action.ACKNOWLEDGE
    return Action.TRIGGER


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: text for key, item in value.items() if (text := scalar_text(item)) is not None}


def _compact(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
