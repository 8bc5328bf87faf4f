"""New Relic's workflow webhook with its default payload: one issue, keyed by its `id`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import (
    JsonObject,
    as_object,
    load_json,
    optional_list,
    scalar_text,
    text,
)
from hikeshi.alerts.normalizers.values import build_alert, first_text, make_link, parse_time

# Unknown states trigger: an issue nobody closed is still a problem.
_STATES = {
    "created": Action.TRIGGER,
    "activated": Action.TRIGGER,
    "acknowledged": Action.ACKNOWLEDGE,
    "closed": Action.RESOLVE,
}
_PRIORITIES = {
    "critical": Severity.CRITICAL,
    "high": Severity.ERROR,
    "medium": Severity.WARNING,
    "low": Severity.INFO,
}
_LISTS = {"alertPolicyNames": "policy", "alertConditionNames": "condition", "impactedEntities": "entity"}


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    document = as_object(load_json(body), "")
    lists = {key: _names(document, key) for key in _LISTS}
    state = text(document, "state", "").strip().lower()
    title = _title(document)
    closed = _STATES.get(state) is Action.RESOLVE
    return [
        build_alert(
            action=_STATES.get(state, Action.TRIGGER),
            summary=first_text(title, *lists["alertConditionNames"]),
            severity=_PRIORITIES.get(text(document, "priority", "").strip().lower(), Severity.WARNING),
            dedup_key=first_text(text(document, "id", ""), text(document, "issueId", "")) or None,
            now=now,
            source=first_text(*lists["impactedEntities"]),
            name=first_text(*lists["alertConditionNames"], title),
            occurred_at=parse_time(document.get("closedAt" if closed else "createdAt"))
            or parse_time(document.get("updatedAt")),
            labels={label: ",".join(lists[key]) for key, label in _LISTS.items() if lists[key]},
            links=[make_link(text(document, "issueUrl", ""), "issueUrl")],
            details={
                **{key: names for key, names in lists.items() if names},
                **{
                    key: document[key]
                    for key in ("totalIncidents", "workflowName", "sources")
                    if key in document
                },
            },
        )
    ]


def _title(document: JsonObject) -> str:
    """The default template writes `title` as text; some custom ones keep New Relic's list of titles."""
    value = document.get("title")
    if isinstance(value, list):
        return first_text(*(scalar_text(item) for item in value))
    return text(document, "title", "")


def _names(document: JsonObject, key: str) -> list[str]:
    """A list of names; a single name given as text counts as a list of one."""
    value = document.get(key)
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [
        name.strip()
        for item in optional_list(document, key, "")
        if (name := scalar_text(item)) and name.strip()
    ]
