from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.alerts.normalizers.alertmanager import MAX_ALERTS_PER_REQUEST
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample


def parse(document: Any) -> list[NormalizedAlert]:
    alerts = parse_webhook("alertmanager", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    return alerts


def test_firing_alert_maps_every_field() -> None:
    firing, _ = parse(sample("alertmanager"))
    assert firing == NormalizedAlert(
        action=Action.TRIGGER,
        summary="Disk 99% full on db-1",
        severity=Severity.CRITICAL,
        dedup_key="1a30ba71cca2921f",
        source="db-1:9100",
        name="DiskFull",
        occurred_at=datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=UTC),
        labels={
            "alertname": "DiskFull",
            "instance": "db-1:9100",
            "job": "node",
            "severity": "critical",
            "product": "shop",
        },
        links=(
            Link("http://prometheus.example.com:9090/graph?g0.expr=disk_free", "generatorURL"),
            Link("http://alertmanager.example.com:9093", "externalURL"),
        ),
        details={
            "summary": "Disk 99% full on db-1",
            "description": "/var has 1 GB left",
            "runbook_url": "https://runbooks.example.com/disk",
            "startsAt": "2024-05-01T09:30:00.123456+00:00",
        },
        product="shop",
        group_hint='{}/{severity="critical"}:{alertname="DiskFull"}',
    )


def test_resolved_alert_resolves_and_falls_back_to_description_and_job() -> None:
    _, resolved = parse(sample("alertmanager"))
    assert resolved.action is Action.RESOLVE
    assert resolved.dedup_key == "ba5e0fd1d2a3b4c5"
    assert resolved.summary == "/srv has room again"
    assert resolved.source == "node"
    assert resolved.details["endsAt"] == "2024-05-01T00:15:00+00:00"
    assert resolved.product is None


def test_status_is_trusted_over_ends_at() -> None:
    document = sample("alertmanager")
    firing, resolved = document["alerts"]
    firing["endsAt"] = "2024-05-01T09:35:00Z"  # Alertmanager sets endsAt ahead on firing alerts
    resolved["endsAt"] = "0001-01-01T00:00:00Z"
    alerts = parse(document)
    assert [alert.action for alert in alerts] == [Action.TRIGGER, Action.RESOLVE]
    assert "endsAt" not in alerts[1].details


def test_group_status_applies_when_an_alert_has_none() -> None:
    document = sample("alertmanager")
    document["status"] = "resolved"
    del document["alerts"][0]["status"]
    assert parse(document)[0].action is Action.RESOLVE


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("warn", Severity.WARNING),
        ("info", Severity.INFO),
        ("none", Severity.INFO),
        ("purple", Severity.WARNING),
        (None, Severity.WARNING),
    ],
)
def test_severity_label(label: str | None, severity: Severity) -> None:
    document = sample("alertmanager")
    labels = document["alerts"][0]["labels"]
    labels.pop("severity")
    if label is not None:
        labels["severity"] = label
    assert parse(document)[0].severity is severity


def test_without_fingerprint_the_key_is_a_stable_hash_of_the_labels() -> None:
    first, second = sample("alertmanager"), sample("alertmanager")
    del first["alerts"][0]["fingerprint"]
    del second["alerts"][0]["fingerprint"]
    second["alerts"][0]["labels"] = dict(reversed(list(first["alerts"][0]["labels"].items())))
    key = parse(first)[0].dedup_key
    assert key is not None
    assert key.startswith("labels:")
    assert parse(second)[0].dedup_key == key
    second["alerts"][0]["labels"]["instance"] = "db-2:9100"
    assert parse(second)[0].dedup_key != key


def test_summary_falls_back_to_alertname_then_the_labels() -> None:
    document = sample("alertmanager")
    alert = document["alerts"][0]
    alert["annotations"] = {}
    assert parse(document)[0].summary == "DiskFull"
    alert["labels"] = {"job": "node", "instance": "db-1"}
    assert parse(document)[0].summary == '{instance="db-1", job="node"}'


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("alerts"), "alerts: required"),
        (lambda d: d.update(alerts={"a": 1}), "alerts: expected a list"),
        (lambda d: d["alerts"].append("x"), r"alerts\[2\]: expected an object"),
        (lambda d: d["alerts"][1].update(labels=["x"]), r"alerts\[1\]\.labels: expected an object"),
        (lambda d: d["alerts"][0].update(annotations="x"), r"alerts\[0\]\.annotations: expected an object"),
        (
            lambda d: d["alerts"][0]["labels"].update(job={"x": 1}),
            r"alerts\[0\]\.labels\.job: expected a string",
        ),
    ],
)
def test_malformed_input_names_the_json_path(change: Any, message: str) -> None:
    document = sample("alertmanager")
    change(document)
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        parse(document)


@pytest.mark.parametrize("document", [[], "alerts", 4, None])
def test_the_body_must_be_an_object(document: Any) -> None:
    with pytest.raises(InvalidInput, match=r"^body: expected an object$"):
        parse(document)


def test_requests_past_the_cap_are_cut_and_say_so() -> None:
    document = sample("alertmanager")
    template = document["alerts"][0]
    document["alerts"] = [{**template, "fingerprint": f"{n:016x}"} for n in range(MAX_ALERTS_PER_REQUEST + 5)]
    document["truncatedAlerts"] = 7
    alerts = parse(document)
    assert len(alerts) == MAX_ALERTS_PER_REQUEST
    assert alerts[-1].details["truncated"] == 5
    assert alerts[0].details["truncatedAlerts"] == 7


def test_unknown_fields_are_ignored() -> None:
    document = sample("alertmanager")
    document["newTopLevel"] = {"x": [1]}
    document["alerts"][0]["someday"] = [1, 2]
    assert parse(document)[0].dedup_key == "1a30ba71cca2921f"
