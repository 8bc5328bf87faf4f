"""Sentry's integration webhooks: issue alerts (`event_alert`), issue changes (`issue`) and metric alerts.

The resource comes from the `Sentry-Hook-Resource` header (guessed from the body when a proxy dropped it);
`installation` and every other resource are accepted and ignored. With a `client_secret` in the
integration's config, `Sentry-Hook-Signature` must be the hex HMAC-SHA256 of the raw body.

Issue changes: `created` and `unresolved` trigger, `resolved` resolves, and `ignored`/`archived` resolve too:
someone decided in Sentry that the issue needs no attention, so it must not keep paging here. `assigned`
and unknown actions change nothing and are ignored. Issue keys are the issue id, so an issue alert and a
later `issue` resolve meet; metric alerts are keyed `metric_alert:<id>` to stay apart from issue ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import (
    JsonObject,
    as_object,
    load_json,
    optional_list,
    optional_object,
    required_object,
    scalar_text,
    text,
)
from hikeshi.alerts.normalizers.values import build_alert, first_text, make_link, parse_time
from hikeshi.core.errors import InvalidInput, NotAuthenticated

_LEVELS = {
    "fatal": Severity.CRITICAL,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "debug": Severity.INFO,
}
_ISSUE_ACTIONS = {
    "created": Action.TRIGGER,
    "unresolved": Action.TRIGGER,
    "resolved": Action.RESOLVE,
    "ignored": Action.RESOLVE,
    "archived": Action.RESOLVE,
}
_METRIC_ACTIONS = {
    "critical": (Action.TRIGGER, Severity.CRITICAL),
    "warning": (Action.TRIGGER, Severity.WARNING),
    "resolved": (Action.RESOLVE, Severity.INFO),
}


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    verify_signature(body, headers=headers, config=config)
    resource = headers.get("sentry-hook-resource", "").strip().lower()
    if resource not in ("", "event_alert", "issue", "metric_alert"):
        return []
    document = as_object(load_json(body), "")
    data = required_object(document, "data", "")
    resource = resource or _guess_resource(data)
    action = text(document, "action", "").strip().lower()
    if resource == "event_alert":
        return [_event_alert(data, now)]
    if resource == "issue" and action in _ISSUE_ACTIONS:
        return [_issue(data, _ISSUE_ACTIONS[action], now)]
    if resource == "metric_alert":
        return [_metric_alert(data, action, now)]
    return []


def verify_signature(body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any]) -> None:
    """Check `Sentry-Hook-Signature` when the integration has a client secret; constant-time."""
    secret = config.get("client_secret")
    if secret is None or secret == "":
        return
    if not isinstance(secret, str):
        raise InvalidInput("{field}: expected a string", field="client_secret")
    given = headers.get("sentry-hook-signature", "").strip().lower()
    if not given:
        raise NotAuthenticated(
            "Sentry-Hook-Signature is missing: this integration takes only requests signed with its secret"
        )
    expected = hmac.new(secret.encode("utf-8", "surrogatepass"), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
        raise NotAuthenticated("Sentry-Hook-Signature does not match the body: check the client secret")


def _guess_resource(data: JsonObject) -> str:
    for resource, key in (("event_alert", "event"), ("metric_alert", "metric_alert"), ("issue", "issue")):
        if key in data:
            return resource
    return ""


def _event_alert(data: JsonObject, now: datetime) -> NormalizedAlert:
    event = required_object(data, "event", "data")
    path = "data.event"
    culprit = text(event, "culprit", path)
    return build_alert(
        action=Action.TRIGGER,  # Sentry sends issue alerts only when a rule fires
        summary=first_text(text(event, "title", path), text(event, "message", path), culprit),
        severity=_LEVELS.get(text(event, "level", path).strip().lower(), Severity.ERROR),
        dedup_key=text(event, "issue_id", path).strip() or None,
        now=now,
        source=culprit,
        name=text(data, "triggered_rule", "data"),
        occurred_at=parse_time(event.get("datetime")),
        labels=_tags(event.get("tags")),
        links=[make_link(text(event, "web_url", path), "web_url")],
        details=_present(
            culprit=culprit,
            triggered_rule=text(data, "triggered_rule", "data"),
            event_id=text(event, "event_id", path),
            environment=text(event, "environment", path),
            release=text(event, "release", path),
        ),
    )


def _issue(data: JsonObject, action: Action, now: datetime) -> NormalizedAlert:
    issue = required_object(data, "issue", "data")
    path = "data.issue"
    project = optional_object(issue, "project", path) or {}
    project_slug = text(project, "slug", f"{path}.project")
    culprit = text(issue, "culprit", path)
    return build_alert(
        action=action,
        summary=first_text(text(issue, "title", path), culprit),
        severity=_LEVELS.get(text(issue, "level", path).strip().lower(), Severity.ERROR),
        dedup_key=text(issue, "id", path).strip() or None,
        now=now,
        source=culprit,
        name=project_slug,
        occurred_at=None if action is Action.RESOLVE else parse_time(issue.get("lastSeen")),
        labels=_present(project=project_slug),
        links=[
            make_link(text(issue, "web_url", path), "web_url"),
            make_link(text(issue, "permalink", path), "permalink"),
        ],
        details=_present(
            culprit=culprit,
            shortId=text(issue, "shortId", path),
            status=text(issue, "status", path),
            substatus=text(issue, "substatus", path),
        ),
    )


def _metric_alert(data: JsonObject, action: str, now: datetime) -> NormalizedAlert:
    metric = required_object(data, "metric_alert", "data")
    path = "data.metric_alert"
    rule = optional_object(metric, "alert_rule", path) or {}
    rule_name = text(rule, "name", f"{path}.alert_rule")
    incident = first_text(text(metric, "id", path), text(metric, "identifier", path))
    kind, severity = _METRIC_ACTIONS.get(action, (Action.TRIGGER, Severity.WARNING))
    moments = (
        ("date_closed", "date_detected") if kind is Action.RESOLVE else ("date_detected", "date_started")
    )
    projects = [name for item in optional_list(metric, "projects", path) if (name := scalar_text(item))]
    return build_alert(
        action=kind,
        summary=first_text(text(data, "description_title", "data"), text(metric, "title", path), rule_name),
        severity=severity,
        dedup_key=f"metric_alert:{incident}" if incident else None,
        now=now,
        name=rule_name,
        occurred_at=next((moment for key in moments if (moment := parse_time(metric.get(key)))), None),
        labels=_present(project=",".join(projects)),
        links=[make_link(text(data, "web_url", "data"), "web_url")],
        details=_present(
            description_text=text(data, "description_text", "data"), status=text(metric, "status", path)
        ),
    )


def _tags(tags: Any) -> dict[str, str]:
    """Sentry's tags, `[["level", "error"], ...]` or `[{"key": ..., "value": ...}]`, as labels."""
    labels: dict[str, str] = {}
    for tag in tags if isinstance(tags, list) else []:
        pair = (tag.get("key"), tag.get("value")) if isinstance(tag, dict) else tag
        if isinstance(pair, list | tuple) and len(pair) == 2:
            key, value = scalar_text(pair[0]), scalar_text(pair[1])
            if key and value is not None:
                labels[key] = value
    return labels


def _present(**values: str) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}
