from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample


def parse(document: Any) -> NormalizedAlert:
    alerts = parse_webhook("newrelic", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    (alert,) = alerts
    return alert


def test_workflow_payload_maps_every_field() -> None:
    assert parse(sample("newrelic")) == NormalizedAlert(
        action=Action.TRIGGER,
        summary="checkout-api query result is > 5.0 for 5 minutes on 'Error rate'",
        severity=Severity.ERROR,
        dedup_key="e1f1d8a0-0b4c-4c8d-9b5e-2d0e5cdbb1a7",
        source="checkout-api",
        name="Error rate",
        occurred_at=datetime(2024, 5, 1, 9, 30, 0, 123000, tzinfo=UTC),
        labels={"policy": "Golden signals", "condition": "Error rate", "entity": "checkout-api"},
        links=(
            Link(
                "https://radar-api.service.newrelic.com/accounts/1/issues/e1f1d8a0?notifier=WEBHOOK",
                "issueUrl",
            ),
        ),
        details={
            "alertPolicyNames": ["Golden signals"],
            "alertConditionNames": ["Error rate"],
            "impactedEntities": ["checkout-api"],
            "totalIncidents": 1,
            "workflowName": "hikeshi",
            "sources": ["newrelic"],
        },
    )


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("CREATED", Action.TRIGGER),
        ("ACTIVATED", Action.TRIGGER),
        ("ACKNOWLEDGED", Action.ACKNOWLEDGE),
        ("CLOSED", Action.RESOLVE),
        ("SNOOZED", Action.TRIGGER),
        (None, Action.TRIGGER),
    ],
)
def test_state_sets_the_action(state: str | None, action: Action) -> None:
    document = sample("newrelic")
    document["state"] = state
    assert parse(document).action is action


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("CRITICAL", Severity.CRITICAL),
        ("HIGH", Severity.ERROR),
        ("MEDIUM", Severity.WARNING),
        ("LOW", Severity.INFO),
        ("URGENT", Severity.WARNING),
    ],
)
def test_priority_sets_the_severity(priority: str, severity: Severity) -> None:
    document = sample("newrelic")
    document["priority"] = priority
    assert parse(document).severity is severity


def test_a_closed_issue_happened_when_it_was_updated() -> None:
    document = sample("newrelic")
    document["state"] = "CLOSED"
    assert parse(document).occurred_at == datetime(2024, 5, 1, 9, 31, 0, 456000, tzinfo=UTC)


def test_titles_and_names_may_come_as_text_or_lists() -> None:
    document = sample("newrelic")
    document["title"] = ["Error rate high"]
    document["impactedEntities"] = "checkout-api"
    alert = parse(document)
    assert (alert.summary, alert.source) == ("Error rate high", "checkout-api")


def test_malformed_lists_name_the_key() -> None:
    document = sample("newrelic")
    document["alertPolicyNames"] = {"a": 1}
    with pytest.raises(InvalidInput, match=r"^alertPolicyNames: expected a list$"):
        parse(document)
