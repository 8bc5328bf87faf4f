"""Sample payloads (built from each tool's documented format) and what every parsed alert must satisfy."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity

SAMPLES = Path(__file__).parent / "samples"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def sample(name: str) -> Any:
    """A fresh copy of `samples/<name>.json`, to change freely."""
    return copy.deepcopy(_load(name))


def body(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


_cache: dict[str, Any] = {}


def _load(name: str) -> Any:
    if name not in _cache:
        _cache[name] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return _cache[name]


def assert_well_formed(alerts: list[NormalizedAlert]) -> None:
    """The limits the ingest service, storage and pages rely on, whatever came in."""
    for alert in alerts:
        assert isinstance(alert.action, Action)
        assert isinstance(alert.severity, Severity)
        assert isinstance(alert.summary, str)
        assert len(alert.summary) <= 1024
        assert alert.dedup_key is None or 0 < len(alert.dedup_key) <= 255
        assert len(alert.source) <= 255
        assert len(alert.name) <= 255
        assert alert.occurred_at is None or (
            alert.occurred_at.tzinfo is not None and alert.occurred_at <= NOW
        )
        assert all(isinstance(key, str) and isinstance(value, str) for key, value in alert.labels.items())
        assert all(link.href.startswith(("http://", "https://")) for link in alert.links)
        assert alert.product is None or 0 < len(alert.product) <= 255
        assert alert.group_hint is None or 0 < len(alert.group_hint) <= 255
        json.dumps(alert.details, allow_nan=False)  # stays storable as strict JSON
        for text in (alert.summary, alert.source, alert.name, *alert.labels.values()):
            assert "\x00" not in text
            text.encode("utf-8")  # no unpaired surrogates
