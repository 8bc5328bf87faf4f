from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.alerts.normalizers.pagerduty import (
    ChangeEvent,
    PagerDutyEvent,
    PagerDutyInvalid,
    parse_change_event,
    parse_event,
    validate_change_event,
    validate_event,
)
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample

KEY = "e93facc04764012d7bfb002500d5d1a6"
SEVERITY_RULE = (
    "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
)
ACTION_RULE = (
    "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"
)


def errors_of(document: Any, *, require_routing_key: bool = True) -> list[str]:
    with pytest.raises(PagerDutyInvalid) as caught:
        validate_event(document, require_routing_key=require_routing_key)
    return caught.value.errors


def test_trigger_event_keeps_every_field() -> None:
    event = validate_event(sample("pagerduty"))
    assert event == PagerDutyEvent(
        routing_key=KEY,
        action=Action.TRIGGER,
        dedup_key="srv01/mysql",
        summary="DISK at 99% on machine prod-datapipe03.example.com",
        source="prod-datapipe03.example.com",
        severity=Severity.CRITICAL,
        timestamp=datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC),
        component="mysql",
        group="prod-datapipe",
        event_class="disk",
        custom_details={"free space": "1%", "ping time": "1500ms", "load avg": 0.75},
        links=(Link("http://pagerduty.example.com", "An example link."),),
        images=(
            {
                "src": "https://chart.example.com/disk.png",
                "href": "https://example.com/",
                "alt": "Disk chart",
            },
        ),
        client="Sample Monitoring Service",
        client_url="https://monitoring.example.com",
    )


def test_trigger_event_as_a_normalized_alert() -> None:
    alert = validate_event(sample("pagerduty")).to_normalized(NOW)
    assert alert == NormalizedAlert(
        action=Action.TRIGGER,
        summary="DISK at 99% on machine prod-datapipe03.example.com",
        severity=Severity.CRITICAL,
        dedup_key="srv01/mysql",
        source="prod-datapipe03.example.com",
        name="disk",
        occurred_at=datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC),
        labels={"component": "mysql", "group": "prod-datapipe", "class": "disk"},
        links=(
            Link("http://pagerduty.example.com", "An example link."),
            Link("https://monitoring.example.com", "Sample Monitoring Service"),
        ),
        details={
            "custom_details": {"free space": "1%", "ping time": "1500ms", "load avg": 0.75},
            "client": "Sample Monitoring Service",
            "images": [
                {
                    "src": "https://chart.example.com/disk.png",
                    "href": "https://example.com/",
                    "alt": "Disk chart",
                }
            ],
        },
    )


def test_minimal_trigger_without_dedup_key_leaves_the_key_to_the_server() -> None:
    event = validate_event(
        {
            "routing_key": KEY,
            "event_action": "trigger",
            "payload": {"summary": "s", "source": "h", "severity": "info"},
        }
    )
    assert event.dedup_key is None
    assert event.timestamp is None
    assert_well_formed([event.to_normalized(NOW)])


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_need_only_the_key(action: str) -> None:
    event = validate_event({"routing_key": KEY, "event_action": action, "dedup_key": "srv01/mysql"})
    assert (event.action, event.dedup_key) == (Action(action), "srv01/mysql")
    alert = event.to_normalized(NOW)
    assert (alert.action, alert.dedup_key, alert.summary) == (Action(action), "srv01/mysql", "")


def test_follow_up_events_are_not_checked_beyond_their_key() -> None:
    # Alertmanager sends the whole payload with resolve; PagerDuty ignores it.
    document = {
        "routing_key": KEY,
        "event_action": "resolve",
        "dedup_key": "k",
        "payload": {"severity": "none"},
        "images": 3,
    }
    assert validate_event(document).action is Action.RESOLVE


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (lambda d: d.pop("routing_key"), ["'routing_key' cannot be blank"]),
        (lambda d: d.update(routing_key="  "), ["'routing_key' cannot be blank"]),
        (lambda d: d.update(routing_key=32), ["'routing_key' is invalid (must be a string)"]),
        (
            lambda d: d.update(routing_key="k" * 65),
            ["Length of 'routing_key' is incorrect (should be at most 64 characters)"],
        ),
        (lambda d: d.pop("event_action"), ["'event_action' is missing or blank"]),
        (lambda d: d.update(event_action="page"), [ACTION_RULE]),
        (lambda d: d.update(event_action="Trigger"), [ACTION_RULE]),
        (lambda d: d.update(dedup_key="k" * 256), ["'dedup_key' is too long (maximum is 255 characters)"]),
        (lambda d: d.update(dedup_key=7), ["'dedup_key' is invalid (must be a string)"]),
        (
            lambda d: d.pop("payload"),
            [
                "'payload.summary' is missing or blank",
                "'payload.source' is missing or blank",
                "'payload.severity' is missing or blank",
            ],
        ),
        (
            lambda d: d.update(payload="x"),
            [
                "'payload' is invalid (must be an object)",
                *(f"'payload.{key}' is missing or blank" for key in ("summary", "source", "severity")),
            ],
        ),
        (lambda d: d["payload"].update(summary=""), ["'payload.summary' is missing or blank"]),
        (
            lambda d: d["payload"].update(summary="x" * 1025),
            ["'payload.summary' is too long (maximum is 1024 characters)"],
        ),
        (lambda d: d["payload"].update(summary=["x"]), ["'payload.summary' is invalid (must be a string)"]),
        (lambda d: d["payload"].pop("source"), ["'payload.source' is missing or blank"]),
        (lambda d: d["payload"].pop("severity"), ["'payload.severity' is missing or blank"]),
        (lambda d: d["payload"].update(severity="Critical"), [SEVERITY_RULE]),
        (lambda d: d["payload"].update(severity="none"), [SEVERITY_RULE]),
        (
            lambda d: d["payload"].update(timestamp="yesterday"),
            ["'payload.timestamp' is invalid (must be an ISO 8601 date-time)"],
        ),
        (lambda d: d["payload"].update(component=1), ["'payload.component' is invalid (must be a string)"]),
        (lambda d: d["payload"].update({"class": {}}), ["'payload.class' is invalid (must be a string)"]),
        (lambda d: d.update(links={}), ["'links' is invalid (must be an array)"]),
        (lambda d: d.update(links=["x"]), ["'links[0]' is invalid (must be an object)"]),
        (lambda d: d.update(links=[{"text": "t"}]), ["'links[0].href' is missing or blank"]),
        (
            lambda d: d.update(images=[{"src": "http://x/y.png"}]),
            ["'images[0].src' is invalid (must be an HTTPS URL)"],
        ),
        (lambda d: d["images"].append({"alt": "a"}), ["'images[1].src' is missing or blank"]),
        (lambda d: d.update(client=5), ["'client' is invalid (must be a string)"]),
    ],
)
def test_each_rule_has_its_error(change: Any, errors: list[str]) -> None:
    document = sample("pagerduty")
    change(document)
    assert errors_of(document) == errors


def test_every_problem_is_listed_at_once() -> None:
    document = {
        "event_action": "trigger",
        "dedup_key": "k" * 300,
        "payload": {"summary": "s", "severity": "bad"},
    }
    assert errors_of(document) == [
        "'routing_key' cannot be blank",
        "'dedup_key' is too long (maximum is 255 characters)",
        "'payload.source' is missing or blank",
        SEVERITY_RULE,
    ]


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_follow_up_events_need_a_dedup_key(action: str) -> None:
    assert errors_of({"routing_key": KEY, "event_action": action}) == ["'dedup_key' is missing or blank"]


def test_a_summary_of_exactly_1024_characters_is_accepted() -> None:
    document = sample("pagerduty")
    document["payload"]["summary"] = "x" * 1024
    assert validate_event(document).to_normalized(NOW).summary == "x" * 1024


def test_go_zero_timestamp_counts_as_none() -> None:
    document = sample("pagerduty")
    document["payload"]["timestamp"] = "0001-01-01T00:00:00Z"
    assert validate_event(document).timestamp is None


def test_a_routing_key_of_hikeshis_own_length_is_accepted() -> None:
    document = sample("pagerduty")
    document["routing_key"] = "hk_" + "a" * 61
    assert validate_event(document).routing_key == document["routing_key"]


def test_the_key_in_the_url_makes_the_body_key_optional() -> None:
    document = sample("pagerduty")
    del document["routing_key"]
    assert validate_event(document, require_routing_key=False).routing_key == ""
    document["routing_key"] = {"odd": True}  # not used, so not checked
    assert validate_event(document, require_routing_key=False).routing_key == ""


def test_unsafe_links_are_kept_in_the_event_but_not_shown() -> None:
    document = sample("pagerduty")
    document["links"] = [{"href": "javascript:alert(1)"}]
    event = validate_event(document)
    assert event.links == (Link("javascript:alert(1)"),)
    assert [link.href for link in event.to_normalized(NOW).links] == ["https://monitoring.example.com"]


def test_the_error_answers_like_pagerduty_and_reads_as_invalid_input() -> None:
    document = sample("pagerduty")
    del document["payload"]["source"]
    with pytest.raises(InvalidInput) as caught:
        validate_event(document)
    error = caught.value
    assert isinstance(error, PagerDutyInvalid)
    assert error.status_code == 400
    assert error.response_body() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'payload.source' is missing or blank"],
    }
    assert str(error) == "Event object is invalid: 'payload.source' is missing or blank"


@pytest.mark.parametrize("raw", [b"routing_key=x", b"", b"\xff", b"[1, 2]", b'"event"', b"null"])
def test_a_body_that_is_no_json_object_is_unrecognized(raw: bytes) -> None:
    with pytest.raises(PagerDutyInvalid) as caught:
        parse_event(raw)
    assert caught.value.response_body()["status"] == "Unrecognized object"
    assert caught.value.response_body()["message"] == "Event object format is unrecognized"


def test_parse_event_reads_a_raw_body() -> None:
    assert parse_event(body(sample("pagerduty"))) == validate_event(sample("pagerduty"))


def test_pagerduty_integration_hook_takes_an_event_without_routing_key() -> None:
    document = sample("pagerduty")
    del document["routing_key"]
    alerts = parse_webhook("pagerduty", body(document), headers={}, config={}, now=NOW)
    assert_well_formed(alerts)
    assert alerts == [validate_event(sample("pagerduty")).to_normalized(NOW)]
    document["event_action"] = "explode"
    with pytest.raises(InvalidInput, match=r"^Event object is invalid: 'event_action' is invalid"):
        parse_webhook("pagerduty", body(document), headers={}, config={}, now=NOW)


CHANGE = {
    "routing_key": KEY,
    "payload": {
        "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
        "timestamp": "2020-07-17T08:42:58.315+0000",
        "source": "acme-build-pipeline-tool-default-i-9999",
        "custom_details": {"build_state": "passed", "build_number": "2"},
    },
    "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}],
}


def test_change_event_keeps_every_field() -> None:
    assert validate_change_event(CHANGE) == ChangeEvent(
        routing_key=KEY,
        summary="Build Success: Increase snapshot create timeout to 30 seconds",
        source="acme-build-pipeline-tool-default-i-9999",
        timestamp=datetime(2020, 7, 17, 8, 42, 58, 315000, tzinfo=UTC),
        custom_details={"build_state": "passed", "build_number": "2"},
        links=(Link("https://acme.pagerduty.dev/build/2", "View more details in Acme!"),),
    )
    assert parse_change_event(body(CHANGE)) == validate_change_event(CHANGE)


@pytest.mark.parametrize(
    ("document", "errors"),
    [
        ({"payload": {"summary": "s"}}, ["'routing_key' cannot be blank"]),
        ({"routing_key": KEY}, ["'payload.summary' is missing or blank"]),
        (
            {"routing_key": KEY, "payload": {"summary": "x" * 1025}},
            ["'payload.summary' is too long (maximum is 1024 characters)"],
        ),
        (
            {"routing_key": KEY, "payload": {"summary": "s", "timestamp": "soon"}, "links": [{}]},
            [
                "'payload.timestamp' is invalid (must be an ISO 8601 date-time)",
                "'links[0].href' is missing or blank",
            ],
        ),
    ],
)
def test_change_event_rules(document: Any, errors: list[str]) -> None:
    with pytest.raises(PagerDutyInvalid) as caught:
        validate_change_event(document)
    assert caught.value.errors == errors


def test_a_change_event_needs_only_key_and_summary() -> None:
    event = validate_change_event({"routing_key": KEY, "payload": {"summary": "Deployed web 1.2"}})
    assert (event.summary, event.source, event.timestamp, event.links) == ("Deployed web 1.2", "", None, ())
