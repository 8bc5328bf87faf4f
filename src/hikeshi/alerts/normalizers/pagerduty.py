"""PagerDuty's Events API v2, validated as PagerDuty does: every problem in one list of English errors.

`validate_event` serves `POST /v2/enqueue` (and, without a routing key, `POST /hooks/{key}` of a
`pagerduty` integration); `validate_change_event` serves `POST /v2/change/enqueue`. Failures raise
`PagerDutyInvalid`, whose `response_body()` is PagerDuty's 400 body. Error strings follow PagerDuty's own
where they are known ("'payload.severity' is missing or blank", "'payload.summary' is too long (maximum is
1024 characters)"; PagerDuty refuses a long summary rather than truncating it) and their style elsewhere.

Differences on purpose: a routing key may be any text of 1 to 64 characters, not exactly 32, so that
hikeshi's own integration keys work; links to anything but http(s) are kept in the event but not shown.
For acknowledge and resolve only the routing key, action and dedup key count, as at PagerDuty: the
payload, links and images such events carry (Alertmanager sends them) are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers.documents import load_json
from hikeshi.alerts.normalizers.values import build_alert, from_iso, make_link
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_

MAX_ROUTING_KEY = 64
MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
_ACTIONS = "must be one of the following: 'trigger', 'acknowledge' or 'resolve'"
_SEVERITIES = "must be one of the following: 'critical', 'warning', 'error' or 'info'"
_ACTION_VALUES = frozenset(action.value for action in Action)
_SEVERITY_VALUES = frozenset(severity.value for severity in Severity)


class PagerDutyInvalid(InvalidInput):
    """An event PagerDuty would refuse with 400; `errors` are PagerDuty-style English strings."""

    def __init__(self, errors: list[str], *, unrecognized: bool = False) -> None:
        self.errors = list(errors)
        if unrecognized:  # not a JSON object at all: PagerDuty answers with another status and message
            self.pagerduty_status, self.pagerduty_message = (
                "Unrecognized object",
                "Event object format is unrecognized",
            )
            message = N_("Event object format is unrecognized: {errors}")
        else:
            self.pagerduty_status, self.pagerduty_message = "invalid event", "Event object is invalid"
            message = N_("Event object is invalid: {errors}")
        super().__init__(message, errors="; ".join(self.errors))

    def response_body(self) -> dict[str, Any]:
        """PagerDuty's 400 body, `{"status", "message", "errors"}`."""
        return {"status": self.pagerduty_status, "message": self.pagerduty_message, "errors": self.errors}


@dataclass(frozen=True, slots=True)
class PagerDutyEvent:
    routing_key: str  # "" when the key came from the URL instead
    action: Action
    dedup_key: str | None  # None: a trigger without one; the ingest service generates it
    summary: str = ""
    source: str = ""
    severity: Severity = Severity.INFO  # meaningful for triggers only
    timestamp: datetime | None = None
    component: str = ""
    group: str = ""
    event_class: str = ""
    custom_details: Any = None
    links: tuple[Link, ...] = ()
    images: tuple[dict[str, str], ...] = ()
    client: str = ""
    client_url: str = ""

    def to_normalized(self, now: datetime) -> NormalizedAlert:
        """The alert this event reports; for acknowledge and resolve only the action and key matter."""
        labels = {"component": self.component, "group": self.group, "class": self.event_class}
        details: dict[str, Any] = (
            {"custom_details": self.custom_details} if self.custom_details is not None else {}
        )
        if self.client:
            details["client"] = self.client
        if self.images:
            details["images"] = [dict(image) for image in self.images]
        return build_alert(
            action=self.action,
            summary=self.summary,
            severity=self.severity,
            dedup_key=self.dedup_key,
            now=now,
            source=self.source,
            name=self.event_class,
            occurred_at=self.timestamp,
            labels={key: value for key, value in labels.items() if value},
            links=[
                *(make_link(link.href, link.text) for link in self.links),
                make_link(self.client_url, self.client),
            ],
            details=details,
        )


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    routing_key: str
    summary: str
    source: str = ""
    timestamp: datetime | None = None
    custom_details: Any = None
    links: tuple[Link, ...] = ()


def parse_event(body: bytes, *, require_routing_key: bool = True) -> PagerDutyEvent:
    """`validate_event` on a raw body; a body that is not JSON is PagerDuty's "JSON parse error"."""
    return validate_event(_load(body), require_routing_key=require_routing_key)


def parse_change_event(body: bytes) -> ChangeEvent:
    return validate_change_event(_load(body))


def _load(body: bytes) -> Any:
    try:
        return load_json(body)
    except InvalidInput:
        raise PagerDutyInvalid(["JSON parse error"], unrecognized=True) from None


def validate_event(document: Any, *, require_routing_key: bool = True) -> PagerDutyEvent:
    """An alert event checked as PagerDuty checks it; PagerDutyInvalid lists every problem."""
    event = _object(document)
    check = _Checker()
    routing_key = check.routing_key(event, required=require_routing_key)
    action = check.event_action(event)
    dedup_key = check.dedup_key(event, required=action in (Action.ACKNOWLEDGE, Action.RESOLVE))
    if action is not Action.TRIGGER:
        check.raise_errors()
        return PagerDutyEvent(routing_key=routing_key, action=action or Action.TRIGGER, dedup_key=dedup_key)
    payload = check.payload(event)
    summary = check.summary(payload)
    source = check.string(payload, "source", "payload.source", required=True)
    severity = check.severity(payload)
    timestamp = check.timestamp(payload)
    component, group, event_class = (
        check.string(payload, key, f"payload.{key}") for key in ("component", "group", "class")
    )
    links, images = check.links(event), check.images(event)
    client, client_url = (
        check.string(event, "client", "client"),
        check.string(event, "client_url", "client_url"),
    )
    check.raise_errors()
    return PagerDutyEvent(
        routing_key=routing_key,
        action=Action.TRIGGER,
        dedup_key=dedup_key,
        summary=summary,
        source=source,
        severity=severity,
        timestamp=timestamp,
        component=component,
        group=group,
        event_class=event_class,
        custom_details=payload.get("custom_details"),
        links=links,
        images=images,
        client=client,
        client_url=client_url,
    )


def validate_change_event(document: Any) -> ChangeEvent:
    """A change event (a deploy, a config change): never notifies anyone, shown on incident timelines."""
    event = _object(document)
    check = _Checker()
    routing_key = check.routing_key(event, required=True)
    payload = check.payload(event)
    summary = check.summary(payload)
    source = check.string(payload, "source", "payload.source")
    timestamp = check.timestamp(payload)
    links = check.links(event)
    check.raise_errors()
    return ChangeEvent(
        routing_key=routing_key,
        summary=summary,
        source=source,
        timestamp=timestamp,
        custom_details=payload.get("custom_details"),
        links=links,
    )


def _object(document: Any) -> Mapping[str, Any]:
    if not isinstance(document, dict):
        raise PagerDutyInvalid(["Event object must be a JSON object"], unrecognized=True)
    return document


@dataclass
class _Checker:
    """Collects every problem of one event, as PagerDuty lists them all at once."""

    errors: list[str] = field(default_factory=list)

    def raise_errors(self) -> None:
        if self.errors:
            raise PagerDutyInvalid(self.errors)

    def string(self, parent: Mapping[str, Any], key: str, name: str, *, required: bool = False) -> str:
        """Text, "" when missing, null or blank (an error when required)."""
        value = parent.get(key)
        if value is not None and not isinstance(value, str):
            self.errors.append(f"'{name}' is invalid (must be a string)")
            return ""
        if value is None or not value.strip():
            if required:
                self.errors.append(f"'{name}' is missing or blank")
            return ""
        return value

    def routing_key(self, event: Mapping[str, Any], *, required: bool) -> str:
        if not required:  # the key is in the URL; one in the body is not used
            value = event.get("routing_key")
            return value if isinstance(value, str) and 0 < len(value) <= MAX_ROUTING_KEY else ""
        value = event.get("routing_key")
        if value is None or (isinstance(value, str) and not value.strip()):
            self.errors.append("'routing_key' cannot be blank")
        elif not isinstance(value, str):
            self.errors.append("'routing_key' is invalid (must be a string)")
        elif len(value) > MAX_ROUTING_KEY:
            self.errors.append(
                f"Length of 'routing_key' is incorrect (should be at most {MAX_ROUTING_KEY} characters)"
            )
        else:
            return value
        return ""

    def event_action(self, event: Mapping[str, Any]) -> Action | None:
        value = self.string(event, "event_action", "event_action", required=True)
        if value and value not in _ACTION_VALUES:
            self.errors.append(f"'event_action' is invalid ({_ACTIONS})")
        return Action(value) if value in _ACTION_VALUES else None

    def dedup_key(self, event: Mapping[str, Any], *, required: bool) -> str | None:
        value = self.string(event, "dedup_key", "dedup_key", required=required)
        if len(value) > MAX_DEDUP_KEY:
            self.errors.append(f"'dedup_key' is too long (maximum is {MAX_DEDUP_KEY} characters)")
        return value or None

    def payload(self, event: Mapping[str, Any]) -> Mapping[str, Any]:
        payload = event.get("payload")
        if payload is None or isinstance(payload, dict):
            return payload or {}
        self.errors.append("'payload' is invalid (must be an object)")
        return {}

    def summary(self, payload: Mapping[str, Any]) -> str:
        summary = self.string(payload, "summary", "payload.summary", required=True)
        if len(summary) > MAX_SUMMARY:
            self.errors.append(f"'payload.summary' is too long (maximum is {MAX_SUMMARY} characters)")
        return summary

    def severity(self, payload: Mapping[str, Any]) -> Severity:
        value = self.string(payload, "severity", "payload.severity", required=True)
        if value and value not in _SEVERITY_VALUES:
            self.errors.append(f"'payload.severity' is invalid ({_SEVERITIES})")
        return Severity(value) if value in _SEVERITY_VALUES else Severity.INFO

    def timestamp(self, payload: Mapping[str, Any]) -> datetime | None:
        value = self.string(payload, "timestamp", "payload.timestamp")
        try:
            return from_iso(value.strip()) if value else None
        except ValueError:
            self.errors.append("'payload.timestamp' is invalid (must be an ISO 8601 date-time)")
            return None

    def links(self, event: Mapping[str, Any]) -> tuple[Link, ...]:
        links: list[Link] = []
        for name, link in self._items(event, "links"):
            href = self.string(link, "href", f"{name}.href", required=True)
            text = self.string(link, "text", f"{name}.text")
            if href:
                links.append(Link(href=href, text=text))
        return tuple(links)

    def images(self, event: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
        images: list[dict[str, str]] = []
        for name, image in self._items(event, "images"):
            src = self.string(image, "src", f"{name}.src", required=True)
            if src and not src.lower().startswith("https://"):
                self.errors.append(f"'{name}.src' is invalid (must be an HTTPS URL)")
            extras = {key: self.string(image, key, f"{name}.{key}") for key in ("href", "alt")}
            images.append({"src": src, **{key: value for key, value in extras.items() if value}})
        return tuple(images)

    def _items(self, event: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = event.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append(f"'{key}' is invalid (must be an array)")
            return []
        items: list[tuple[str, Mapping[str, Any]]] = []
        for position, item in enumerate(value):
            if isinstance(item, dict):
                items.append((f"{key}[{position}]", item))
            else:
                self.errors.append(f"'{key}[{position}]' is invalid (must be an object)")
        return items


def parse(
    body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    """`POST /hooks/{key}` of a `pagerduty` integration: an Events API v2 event, its key in the URL."""
    return [validate_event(load_json(body), require_routing_key=False).to_normalized(now)]
