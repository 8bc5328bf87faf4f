"""Pure rules of alerts: statuses, grouping keys, routing decisions. No I/O."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from hikeshi.alerts.normalized import NormalizedAlert, Severity
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_

KINDS: Final = (
    "pagerduty",
    "alertmanager",
    "grafana",
    "mackerel",
    "sentry",
    "datadog",
    "newrelic",
    "generic",
    "heartbeat",  # made with each heartbeat (hikeshi.alerts.heartbeats); it takes no webhooks
    "support",  # support inquiries raise alerts on it (hikeshi.inquiries); it takes no webhooks
)
KIND_LABELS: Final = {
    "pagerduty": "PagerDuty Events API v2",
    "alertmanager": "Prometheus Alertmanager",
    "grafana": "Grafana Alerting",
    "mackerel": "Mackerel",
    "sentry": "Sentry",
    "datadog": "Datadog",
    "newrelic": "New Relic",
    "generic": N_("Generic JSON"),
    "heartbeat": N_("Heartbeat"),
    "support": N_("Support inquiries"),
}
SEVERITY_RANK: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}
# What the default grouping key is made of; `grouping` on an integration may name labels too.
DEFAULT_GROUPING: Final = ("product", "name")
GROUPING_FIELDS: Final = frozenset({"product", "name", "source", "severity", "group_hint"})


class AlertStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


STATUS_LABELS: Final = {
    AlertStatus.TRIGGERED: N_("Triggered"),
    AlertStatus.ACKNOWLEDGED: N_("Acknowledged"),
    AlertStatus.RESOLVED: N_("Resolved"),
}
SEVERITY_LABELS: Final = {
    Severity.CRITICAL: N_("Critical"),
    Severity.ERROR: N_("Error"),
    Severity.WARNING: N_("Warning"),
    Severity.INFO: N_("Info"),
}


def parse_kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in KINDS:
        raise InvalidInput(
            "kind: '{value}' is not one of {choices}", field="kind", value=value, choices=", ".join(KINDS)
        )
    return kind


def parse_grouping(fields: Sequence[str]) -> list[str]:
    """`product`, `name`, `source`, `severity`, `group_hint` or `label:NAME`; empty means the default."""
    chosen = [field.strip() for field in fields if field.strip()]
    for field in chosen:
        if field not in GROUPING_FIELDS and not (field.startswith("label:") and len(field) > len("label:")):
            raise InvalidInput(
                "grouping: '{value}' is not one of {choices} or label:NAME",
                field="grouping",
                value=field,
                choices=", ".join(sorted(GROUPING_FIELDS)),
            )
    return chosen


def grouping_key(alert: NormalizedAlert, *, grouping: Sequence[str], product_slug: str | None) -> str:
    """Alerts with equal keys share a group while it is open; long keys are hashed to stay indexable."""
    values: list[str] = []
    for field in grouping or DEFAULT_GROUPING:
        if field == "product":
            values.append(product_slug or "")
        elif field == "name":
            values.append(alert.name or alert.summary[:200])
        elif field == "source":
            values.append(alert.source)
        elif field == "severity":
            values.append(alert.severity.value)
        elif field == "group_hint":
            values.append(alert.group_hint or "")
        else:
            values.append(alert.labels.get(field.removeprefix("label:"), ""))
    return _key_text(tuple(values))


@functools.lru_cache(maxsize=4096)
def _key_text(values: tuple[str, ...]) -> str:
    """A storm's alerts share their grouping values: the text of each set is made once."""
    key = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    if len(key) > 400:
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def higher_severity(first: str, second: str) -> str:
    return first if SEVERITY_RANK[Severity(first)] >= SEVERITY_RANK[Severity(second)] else second


@dataclass(frozen=True, slots=True)
class Rule:
    """A routing rule as the pure decision sees it."""

    severities: frozenset[str]
    labels: Mapping[str, str]
    product_slug: str | None
    post: bool
    chat_channel: str | None
    page_user_id: int | None
    drop: bool
    escalation_policy_id: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """What to do with a new alert group: where to post, whom to page, or nothing at all."""

    chat_channel: str | None
    page_user_id: int | None
    dropped: bool = False
    escalation_policy_id: int | None = None  # wins over page_user_id

    @property
    def pages(self) -> bool:
        return self.escalation_policy_id is not None or self.page_user_id is not None


def route(
    alert: NormalizedAlert,
    *,
    rules: Sequence[Rule],
    product_slug: str | None,
    default_channel: str | None,
    default_page_user_id: int | None,
    default_policy_id: int | None = None,
) -> Route:
    """The first matching rule decides; with none, critical alerts page and post, others only post."""
    rule = matching_rule(alert, rules=rules, product_slug=product_slug)
    if rule is not None:
        if rule.drop:
            return Route(chat_channel=None, page_user_id=None, dropped=True)
        channel = (rule.chat_channel or default_channel) if rule.post else None
        return Route(
            chat_channel=channel,
            page_user_id=rule.page_user_id,
            escalation_policy_id=rule.escalation_policy_id,
        )
    if alert.severity is not Severity.CRITICAL:
        return Route(chat_channel=default_channel, page_user_id=None)
    return Route(
        chat_channel=default_channel,
        page_user_id=default_page_user_id,
        escalation_policy_id=default_policy_id,
    )


def matching_rule(alert: NormalizedAlert, *, rules: Sequence[Rule], product_slug: str | None) -> Rule | None:
    """The rule that decides for this alert: the first that matches it, if any."""
    return next((rule for rule in rules if _matches(rule, alert, product_slug)), None)


def _matches(rule: Rule, alert: NormalizedAlert, product_slug: str | None) -> bool:
    if rule.severities and alert.severity.value not in rule.severities:
        return False
    if rule.product_slug and rule.product_slug != product_slug:
        return False
    return all(alert.labels.get(name) == value for name, value in rule.labels.items())
