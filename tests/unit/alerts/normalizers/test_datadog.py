from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample


def parse(document: Any) -> NormalizedAlert:
    alerts = parse_webhook("datadog", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    (alert,) = alerts
    return alert


def test_template_variables_map_every_field() -> None:
    assert parse(sample("datadog_variables")) == NormalizedAlert(
        action=Action.TRIGGER,
        summary="[Triggered on {host:web-1}] CPU usage is high",
        severity=Severity.CRITICAL,
        dedup_key="7552393839834023500",
        source="web-1",
        name="CPU usage is high",
        occurred_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        labels={"env": "prod", "service": "web", "role": "a,b", "canary": ""},
        links=(Link("https://app.datadoghq.com/event/event?id=7552393839834023522", "link"),),
        details={"alert_id": "12345678"},
    )


def test_variable_names_match_in_any_case_and_with_a_dollar() -> None:
    upper = sample("datadog_variables")
    lower = {key.lower(): value for key, value in upper.items()}
    dollar = {f"${key}": value for key, value in upper.items()}
    assert parse(upper) == parse(lower) == parse(dollar)


def test_recovered_resolves_the_same_cycle() -> None:
    document = sample("datadog_variables")
    document["ALERT_TRANSITION"] = "Recovered"
    document["ALERT_TITLE"] = "[Recovered on {host:web-1}] CPU usage is high"
    alert = parse(document)
    assert (alert.action, alert.dedup_key) == (Action.RESOLVE, "7552393839834023500")


@pytest.mark.parametrize(
    ("transition", "action", "severity"),
    [
        ("Triggered", Action.TRIGGER, Severity.ERROR),
        ("Re-Triggered", Action.TRIGGER, Severity.ERROR),
        ("Warn", Action.TRIGGER, Severity.WARNING),
        ("No Data", Action.TRIGGER, Severity.WARNING),
        ("Recovered", Action.RESOLVE, Severity.INFO),
        ("Exploded", Action.TRIGGER, Severity.ERROR),
    ],
)
def test_transition_without_priority(transition: str, action: Action, severity: Severity) -> None:
    document = sample("datadog_variables")
    del document["ALERT_PRIORITY"]
    document["ALERT_TRANSITION"] = transition
    alert = parse(document)
    assert (alert.action, alert.severity) == (action, severity)


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("P1", Severity.CRITICAL),
        ("P2", Severity.ERROR),
        ("P3", Severity.WARNING),
        ("P4", Severity.INFO),
        ("P5", Severity.INFO),
    ],
)
def test_priority_sets_the_severity(priority: str, severity: Severity) -> None:
    document = sample("datadog_variables")
    document["ALERT_PRIORITY"] = priority
    assert parse(document).severity is severity


def test_dedup_key_prefers_the_cycle_key_then_aggregation_then_alert_id() -> None:
    document = sample("datadog_variables")
    del document["ALERT_CYCLE_KEY"]
    assert parse(document).dedup_key == "a1b2c3"
    del document["AGGREG_KEY"]
    assert parse(document).dedup_key == "12345678"


def test_default_template_is_keyed_by_monitor_and_scope_from_the_title() -> None:
    triggered = parse(sample("datadog_default"))
    assert triggered == NormalizedAlert(
        action=Action.TRIGGER,
        summary="[P2] [Triggered on {host:web-1}] CPU usage is high",
        severity=Severity.ERROR,
        dedup_key="title:CPU usage is high|{host:web-1}",
        name="CPU usage is high",
        occurred_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        details={"event_type": "query_alert_monitor", "org": {"id": "11287", "name": "Example"}},
    )
    document = sample("datadog_default")
    document["title"] = "[P2] [Recovered on {host:web-1}] CPU usage is high"
    recovered = parse(document)
    assert (recovered.action, recovered.dedup_key) == (Action.RESOLVE, triggered.dedup_key)


def test_a_title_without_a_transition_gives_no_key() -> None:
    alert = parse({"title": "Deploy finished", "body": "v1.2 is live"})
    assert (alert.action, alert.summary, alert.dedup_key, alert.name) == (
        Action.TRIGGER,
        "Deploy finished",
        None,
        "Deploy finished",
    )


def test_success_alert_type_resolves() -> None:
    assert parse({"title": "CPU", "alert_type": "success"}).action is Action.RESOLVE


def test_tags_as_a_list_work_too() -> None:
    assert parse({"title": "x", "tags": ["env:prod", "team:core", 5]}).labels == {
        "env": "prod",
        "team": "core",
    }


def test_the_body_must_be_an_object() -> None:
    with pytest.raises(InvalidInput, match=r"^body: expected an object$"):
        parse(["$EVENT_TITLE"])


def test_a_huge_crafted_title_is_read_in_linear_time() -> None:
    started = time.perf_counter()
    alert = parse({"title": "[a on " * 80_000})
    assert time.perf_counter() - started < 1
    assert alert.dedup_key is None
