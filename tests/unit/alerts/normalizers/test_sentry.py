from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.core.errors import InvalidInput, NotAuthenticated
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample

SECRET = "c3d1f0b5b9e14b0ca5c2e7f0f64c1e2a"


def parse(
    document: Any, resource: str | None, *, config: dict[str, Any] | None = None
) -> list[NormalizedAlert]:
    headers = {"sentry-hook-resource": resource} if resource else {}
    alerts = parse_webhook("sentry", body(document), headers=headers, config=config or {}, now=NOW)
    assert_well_formed(alerts)
    return alerts


def signed(raw: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_issue_alert_maps_every_field() -> None:
    (alert,) = parse(sample("sentry_event_alert"), "event_alert")
    assert alert == NormalizedAlert(
        action=Action.TRIGGER,
        summary="ReferenceError: heck is not defined",
        severity=Severity.CRITICAL,
        dedup_key="1117540176",
        source="?(<anonymous>)",
        name="Page on fatal errors",
        occurred_at=datetime(2024, 5, 1, 1, 2, 3, 456000, tzinfo=UTC),
        labels={"browser": "Chrome 75.0.3770", "level": "fatal", "product": "shop"},
        links=(
            Link(
                "https://sentry.io/organizations/example/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/",
                "web_url",
            ),
        ),
        details={
            "culprit": "?(<anonymous>)",
            "triggered_rule": "Page on fatal errors",
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "environment": "production",
            "release": "web@1.4.2",
        },
        product="shop",
    )


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        ("fatal", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("info", Severity.INFO),
        ("debug", Severity.INFO),
        ("sample", Severity.ERROR),
        (None, Severity.ERROR),
    ],
)
def test_event_level_sets_the_severity(level: str | None, severity: Severity) -> None:
    document = sample("sentry_event_alert")
    document["data"]["event"]["level"] = level
    assert parse(document, "event_alert")[0].severity is severity


def test_issue_resolved_resolves_the_alert_the_issue_alert_opened() -> None:
    (alert,) = parse(sample("sentry_issue"), "issue")
    assert alert == NormalizedAlert(
        action=Action.RESOLVE,
        summary="ReferenceError: heck is not defined",
        severity=Severity.ERROR,
        dedup_key="1117540176",
        source="?(<anonymous>)",
        name="web",
        occurred_at=None,
        labels={"project": "web"},
        links=(Link("https://sentry.io/organizations/example/issues/1117540176/", "web_url"),),
        details={"culprit": "?(<anonymous>)", "shortId": "WEB-12", "status": "resolved"},
    )
    assert alert.dedup_key == parse(sample("sentry_event_alert"), "event_alert")[0].dedup_key


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("created", Action.TRIGGER),
        ("unresolved", Action.TRIGGER),
        ("resolved", Action.RESOLVE),
        ("ignored", Action.RESOLVE),
        ("archived", Action.RESOLVE),
    ],
)
def test_issue_actions(action: str, expected: Action) -> None:
    document = sample("sentry_issue")
    document["action"] = action
    (alert,) = parse(document, "issue")
    assert alert.action is expected
    if expected is Action.TRIGGER:
        assert alert.occurred_at == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # lastSeen


@pytest.mark.parametrize("action", ["assigned", "commented", ""])
def test_issue_changes_that_are_not_a_state_are_ignored(action: str) -> None:
    document = sample("sentry_issue")
    document["action"] = action
    assert parse(document, "issue") == []


@pytest.mark.parametrize(
    ("action", "expected", "severity"),
    [
        ("critical", Action.TRIGGER, Severity.CRITICAL),
        ("warning", Action.TRIGGER, Severity.WARNING),
        ("resolved", Action.RESOLVE, Severity.INFO),
        ("exploded", Action.TRIGGER, Severity.WARNING),
    ],
)
def test_metric_alert_actions(action: str, expected: Action, severity: Severity) -> None:
    document = sample("sentry_metric_alert")
    document["action"] = action
    (alert,) = parse(document, "metric_alert")
    assert (alert.action, alert.severity, alert.dedup_key) == (expected, severity, "metric_alert:5")


def test_metric_alert_maps_every_field() -> None:
    (alert,) = parse(sample("sentry_metric_alert"), "metric_alert")
    assert alert == NormalizedAlert(
        action=Action.TRIGGER,
        summary="Critical: Too many errors",
        severity=Severity.CRITICAL,
        dedup_key="metric_alert:5",
        name="Too many errors",
        occurred_at=datetime(2024, 5, 1, 3, 1, tzinfo=UTC),
        labels={"project": "web,api"},
        links=(Link("https://sentry.io/organizations/example/alerts/rules/details/1/?alert=5", "web_url"),),
        details={
            "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
            "status": "20",
        },
    )


def test_resolved_metric_alert_happened_when_it_closed() -> None:
    document = sample("sentry_metric_alert")
    document["action"] = "resolved"
    document["data"]["metric_alert"]["date_closed"] = "2024-05-01T03:20:00Z"
    assert parse(document, "metric_alert")[0].occurred_at == datetime(2024, 5, 1, 3, 20, tzinfo=UTC)


@pytest.mark.parametrize("resource", ["installation", "error", "comment", "seer"])
def test_other_resources_are_accepted_and_ignored(resource: str) -> None:
    assert (
        parse_webhook(
            "sentry", b"not even json", headers={"sentry-hook-resource": resource}, config={}, now=NOW
        )
        == []
    )


@pytest.mark.parametrize(
    ("name", "resource"),
    [
        ("sentry_event_alert", "event_alert"),
        ("sentry_issue", "issue"),
        ("sentry_metric_alert", "metric_alert"),
    ],
)
def test_without_the_resource_header_the_body_tells(name: str, resource: str) -> None:
    assert parse(sample(name), None) == parse(sample(name), resource)


def test_a_good_signature_is_accepted() -> None:
    raw = body(sample("sentry_event_alert"))
    for signature in (signed(raw), signed(raw).upper()):
        headers = {"sentry-hook-resource": "event_alert", "sentry-hook-signature": signature}
        alerts = parse_webhook("sentry", raw, headers=headers, config={"client_secret": SECRET}, now=NOW)
        assert alerts[0].dedup_key == "1117540176"


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "Sentry-Hook-Signature is missing"),
        ("", "Sentry-Hook-Signature is missing"),
        ("00" * 32, "Sentry-Hook-Signature does not match the body"),
        ("not hex ✓", "Sentry-Hook-Signature does not match the body"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(signature: str | None, message: str) -> None:
    raw = body(sample("sentry_event_alert"))
    headers = {"sentry-hook-resource": "installation"}  # checked before anything else, whatever the resource
    if signature is not None:
        headers["sentry-hook-signature"] = signature
    with pytest.raises(NotAuthenticated, match=message) as caught:
        parse_webhook("sentry", raw, headers=headers, config={"client_secret": SECRET}, now=NOW)
    assert caught.value.status_code == 401


def test_a_signature_made_with_another_secret_or_over_another_body_is_refused() -> None:
    raw = body(sample("sentry_event_alert"))
    for signature in (signed(raw, "other"), signed(raw + b" ")):
        headers = {"sentry-hook-resource": "event_alert", "sentry-hook-signature": signature}
        with pytest.raises(NotAuthenticated):
            parse_webhook("sentry", raw, headers=headers, config={"client_secret": SECRET}, now=NOW)


def test_without_a_client_secret_signatures_are_not_checked() -> None:
    raw = body(sample("sentry_event_alert"))
    headers = {"sentry-hook-resource": "event_alert", "sentry-hook-signature": "junk"}
    assert parse_webhook("sentry", raw, headers=headers, config={"client_secret": ""}, now=NOW)


@pytest.mark.parametrize(
    ("resource", "change", "message"),
    [
        ("event_alert", lambda d: d.pop("data"), "data: required"),
        ("event_alert", lambda d: d["data"].update(event="x"), r"data\.event: expected an object"),
        ("issue", lambda d: d["data"].pop("issue"), r"data\.issue: required"),
        (
            "metric_alert",
            lambda d: d["data"]["metric_alert"].update(alert_rule=[]),
            r"data\.metric_alert\.alert_rule: expected an object",
        ),
    ],
)
def test_malformed_input_names_the_json_path(resource: str, change: Any, message: str) -> None:
    document = sample(
        {"event_alert": "sentry_event_alert", "issue": "sentry_issue"}.get(resource, "sentry_metric_alert")
    )
    change(document)
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        parse(document, resource)
