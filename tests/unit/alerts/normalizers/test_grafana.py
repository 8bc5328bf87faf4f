from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample


def parse(document: Any) -> list[NormalizedAlert]:
    alerts = parse_webhook("grafana", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    return alerts


def test_grafana_alert_keeps_its_links_and_values() -> None:
    (alert,) = parse(sample("grafana"))
    assert alert == NormalizedAlert(
        action=Action.TRIGGER,
        summary="p99 latency above 2 s",
        severity=Severity.WARNING,
        dedup_key="57c6d9296de2ad39",
        source="",
        name="HighLatency",
        occurred_at=datetime(2024, 5, 1, 1, 0, tzinfo=UTC),
        labels={
            "alertname": "HighLatency",
            "grafana_folder": "API",
            "severity": "warning",
            "service": "checkout",
        },
        links=(
            Link("https://grafana.example.com/alerting/grafana/abc123/view", "generatorURL"),
            Link(
                "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighLatency",
                "silenceURL",
            ),
            Link("https://grafana.example.com/d/api-latency", "dashboardURL"),
            Link("https://grafana.example.com/d/api-latency?viewPanel=4", "panelURL"),
            Link("https://grafana.example.com/public/img/attachments/x.png", "imageURL"),
            Link("https://grafana.example.com/", "externalURL"),
        ),
        details={
            "summary": "p99 latency above 2 s",
            "startsAt": "2024-05-01T01:00:00+00:00",
            "values": {"B": 2.31, "C": 1},
            "valueString": "[ var='B' labels={service=checkout} value=2.31 ]",
        },
        group_hint='{}:{alertname="HighLatency"}',
    )


def test_resolved_grafana_alert_resolves() -> None:
    document = sample("grafana")
    document["status"] = document["alerts"][0]["status"] = "resolved"
    document["state"] = "ok"
    assert parse(document)[0].action is Action.RESOLVE


def test_empty_grafana_urls_are_left_out() -> None:
    document = sample("grafana")
    document["alerts"][0].update(dashboardURL="", panelURL="", imageURL=None, values=None)
    (alert,) = parse(document)
    assert [link.text for link in alert.links] == ["generatorURL", "silenceURL", "externalURL"]
    assert "values" not in alert.details


def test_a_custom_template_falls_back_to_grafanas_own_fields() -> None:
    legacy = {
        "title": "[Alerting] Checkout errors",
        "ruleId": 7,
        "ruleName": "Checkout errors",
        "ruleUrl": "https://grafana.example.com/d/x?panelId=2",
        "state": "alerting",
        "message": "Errors above 5%",
    }
    (alert,) = parse(legacy)
    assert (alert.action, alert.summary, alert.dedup_key, alert.name) == (
        Action.TRIGGER,
        "[Alerting] Checkout errors",
        "7",
        "Checkout errors",
    )
    assert alert.links == (Link("https://grafana.example.com/d/x?panelId=2", "link"),)
    legacy["state"] = "ok"
    assert parse(legacy)[0].action is Action.RESOLVE


def test_a_custom_template_of_plain_text_is_still_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"^body: not valid JSON"):
        parse_webhook("grafana", b"Firing: disk full", headers={}, config={}, now=NOW)
    with pytest.raises(InvalidInput, match=r"^body: expected an object or a list$"):
        parse("just a string")


def test_an_alertmanager_shape_with_a_broken_list_is_an_error_not_a_fallback() -> None:
    document = sample("grafana")
    document["alerts"] = "nope"
    with pytest.raises(InvalidInput, match=r"^alerts: expected a list$"):
        parse(document)
