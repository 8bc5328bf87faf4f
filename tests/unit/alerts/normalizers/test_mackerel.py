from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample


def parse(document: Any) -> list[NormalizedAlert]:
    alerts = parse_webhook("mackerel", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    return alerts


def test_open_host_alert_maps_every_field() -> None:
    (alert,) = parse(sample("mackerel"))
    assert alert == NormalizedAlert(
        action=Action.TRIGGER,
        summary="loadavg5: loadavg5 9.25",
        severity=Severity.CRITICAL,
        dedup_key="2bj",
        source="app-01",
        name="loadavg5",
        occurred_at=datetime(2024, 5, 1, 9, 31, tzinfo=UTC),  # statusChangedAt, epoch seconds
        labels={"service": "Shop", "role": "Shop: app", "type": "host", "org": "Example-Org"},
        links=(
            Link("https://mackerel.io/orgs/Example-Org/alerts/2bj", "alert.url"),
            Link("https://mackerel.io/orgs/Example-Org/hosts/22D4zfx", "host.url"),
        ),
        details={
            "monitorName": "loadavg5",
            "metricLabel": "loadavg5",
            "metricValue": 9.25,
            "criticalThreshold": 8,
            "warningThreshold": 4,
            "duration": 5,
            "memo": "Call the DB team",
            "imageUrl": "https://mackerel.io/embed/public/alert/2bj.png",
            "openedAt": "2024-05-01T09:30:00+00:00",
            "statusChangedAt": "2024-05-01T09:31:00+00:00",
            "createdAt": "2024-05-01T09:30:00.123000+00:00",  # epoch milliseconds
        },
    )


def test_closed_alert_resolves_at_its_closing_time() -> None:
    document = sample("mackerel")
    document["alert"].update(isOpen=False, status="ok", closedAt=1714559400)
    (alert,) = parse(document)
    assert alert.action is Action.RESOLVE
    assert alert.severity is Severity.INFO
    assert alert.dedup_key == "2bj"
    assert alert.occurred_at == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)


def test_is_open_false_resolves_whatever_the_status() -> None:
    document = sample("mackerel")
    document["alert"]["isOpen"] = False
    assert parse(document)[0].action is Action.RESOLVE


@pytest.mark.parametrize(
    ("status", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("warning", Severity.WARNING),
        ("unknown", Severity.ERROR),
        ("new", Severity.ERROR),
    ],
)
def test_status_sets_the_severity(status: str, severity: Severity) -> None:
    document = sample("mackerel")
    document["alert"]["status"] = status
    (alert,) = parse(document)
    assert (alert.action, alert.severity) == (Action.TRIGGER, severity)


def test_epoch_seconds_and_milliseconds_are_told_apart_in_every_field() -> None:
    document = sample("mackerel")
    alert = document["alert"]
    del alert["statusChangedAt"]
    alert["openedAt"] = 1714555800000  # milliseconds where seconds are documented
    assert parse(document)[0].occurred_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    del alert["openedAt"]
    alert["createdAt"] = 1714555800  # seconds where milliseconds are documented
    assert parse(document)[0].occurred_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def test_the_message_is_the_summary_when_there_is_one() -> None:
    document = sample("mackerel")
    document["message"] = "CRITICAL: connection refused"
    assert parse(document)[0].summary == "CRITICAL: connection refused"


def test_service_metric_alert_names_the_service() -> None:
    document = sample("mackerel")
    del document["host"]
    document["type"] = "service"
    document["service"] = {"id": "4cR", "name": "Shop", "memo": "", "roles": []}
    (alert,) = parse(document)
    assert alert.source == "Shop"
    assert alert.labels == {"service": "Shop", "type": "service", "org": "Example-Org"}
    assert [link.text for link in alert.links] == ["alert.url"]


@pytest.mark.parametrize("event", ["sample", "hostRegister", "hostRetire", "monitorCreate"])
def test_other_events_are_accepted_and_ignored(event: str) -> None:
    assert parse({"event": event, "orgName": "Example-Org"}) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("event"), "event: required"),
        (lambda d: d.pop("alert"), "alert: required"),
        (lambda d: d.update(alert=[1]), "alert: expected an object"),
        (lambda d: d["alert"].pop("id"), r"alert\.id: required"),
        (lambda d: d["host"].update(roles={}), r"host\.roles: expected a list"),
        (lambda d: d["host"]["roles"].append(3), r"host\.roles\[1\]: expected an object"),
        (lambda d: d["alert"].update(monitorName=["x"]), r"alert\.monitorName: expected a string"),
    ],
)
def test_malformed_input_names_the_json_path(change: Any, message: str) -> None:
    document = sample("mackerel")
    change(document)
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        parse(document)
