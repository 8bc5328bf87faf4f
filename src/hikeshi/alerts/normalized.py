"""The one shape every source's alert takes inside hikeshi, whatever it arrived as.

Parsers in `hikeshi.alerts.normalizers` turn a request body into `NormalizedAlert`s (pure functions, no
I/O); the ingest service stores them, deduplicates, groups and routes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """PagerDuty's four levels, which every source maps onto."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Action(StrEnum):
    """What the source says about the alert: it fires, someone took it, or it is over."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class NormalizedAlert:
    action: Action
    summary: str  # at most 1024 characters: what is wrong, as a person would say it
    severity: Severity
    dedup_key: str | None  # None: the source gave none; ingest generates one (trigger only)
    source: str = ""  # the host, service or monitor that reported it
    name: str = ""  # the alert's name (alertname, monitor, rule title): part of the default grouping key
    occurred_at: datetime | None = None  # aware UTC; None: when it arrived
    labels: dict[str, str] = field(default_factory=dict)  # flat string labels, e.g. Alertmanager's
    links: tuple[Link, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)  # free-form extra facts worth showing
    product: str | None = None  # a product slug the payload names (label `product`), if any
    group_hint: str | None = None  # the source's own grouping (Alertmanager groupKey), if any
