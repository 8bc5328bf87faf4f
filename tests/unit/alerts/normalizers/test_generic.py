from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.normalizers import parse_webhook, validate_generic_config
from hikeshi.alerts.normalizers.generic import parse_path, resolve
from hikeshi.core.errors import InvalidInput
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, body, sample

CONFIG = {
    "summary": "alert.title",
    "severity": "alert.level",
    "status": "state",
    "dedup_key": "alert.id",
    "link": "url",
    "source": "host",
    "labels": "alert.tags",
    "occurred_at": "checked_at",
    "severity_map": {"P1": "critical", "P2": "error"},
    "resolved_values": ["ok", "resolved", "closed"],
    "acknowledged_values": ["acked"],
}


def parse(document: Any, config: dict[str, Any] | None = None) -> NormalizedAlert:
    alerts = parse_webhook("generic", body(document), headers={}, config=config or {}, now=NOW)
    assert_well_formed(alerts)
    (alert,) = alerts
    return alert


def test_configured_paths_map_every_field() -> None:
    assert parse(sample("generic"), CONFIG) == NormalizedAlert(
        action=Action.TRIGGER,
        summary="Checkout health check failing",
        severity=Severity.CRITICAL,
        dedup_key="chk-42",
        source="checkout.example.com",
        occurred_at=datetime(2024, 4, 30, 19, 5, 6, tzinfo=UTC),
        labels={"team": "payments", "attempts": "3"},
        links=(Link("https://status-checker.example.com/checks/42", "link"),),
    )


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("OK", Action.RESOLVE),
        ("closed", Action.RESOLVE),
        ("acked", Action.ACKNOWLEDGE),
        ("open", Action.TRIGGER),
        (None, Action.TRIGGER),
    ],
)
def test_status_values_from_the_config(state: str | None, action: Action) -> None:
    document = sample("generic")
    document["state"] = state
    assert parse(document, CONFIG).action is action


def test_default_paths_read_common_field_names() -> None:
    document = {
        "title": "Queue backlog",
        "severity": "Critical",
        "status": "resolved",
        "id": 17,
        "url": "https://jobs.example.com/q",
        "host": "worker-3",
        "product": "billing",
    }
    alert = parse(document)
    assert (alert.summary, alert.severity, alert.action, alert.dedup_key, alert.source, alert.product) == (
        "Queue backlog",
        Severity.CRITICAL,
        Action.RESOLVE,
        "17",
        "worker-3",
        "billing",
    )
    assert alert.links == (Link("https://jobs.example.com/q", "link"),)
    assert parse({"message": "m", "status": "acknowledged"}).action is Action.ACKNOWLEDGE


def test_severity_map_wins_then_known_words_then_the_default() -> None:
    config = {"severity": "level", "severity_map": {"Sev-A": "critical"}, "default_severity": "info"}
    assert parse({"title": "t", "level": "sev-a"}, config).severity is Severity.CRITICAL
    assert parse({"title": "t", "level": "warn"}, config).severity is Severity.WARNING
    assert parse({"title": "t", "level": "weird"}, config).severity is Severity.INFO
    assert parse({"title": "t"}).severity is Severity.WARNING


def test_the_first_path_with_a_value_wins() -> None:
    config = {"summary": ["alert.title", "alert.name", "message"]}
    assert parse({"alert": {"title": " ", "name": "Disk"}, "message": "m"}, config).summary == "Disk"
    assert parse({"alert": {"title": {"nested": 1}}, "message": "m"}, config).summary == "m"


def test_without_any_summary_the_body_itself_is_shown() -> None:
    assert parse({"value": 3, "ok": False}).summary == '{"value":3,"ok":false}'
    assert len(parse({"blob": "x" * 5000}).summary) == 1024


def test_a_top_level_list_is_read_by_position() -> None:
    alert = parse([{"title": "first"}, {"title": "second"}], {"summary": "[1].title"})
    assert alert.summary == "second"


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("title", ("title",)),
        ("alert.title", ("alert", "title")),
        ("alerts[0].labels.severity", ("alerts", 0, "labels", "severity")),
        ('tags["k8s.pod"]', ("tags", "k8s.pod")),
        ("[2][0].id", (2, 0, "id")),
        ("matrix[1][2]", ("matrix", 1, 2)),
        ("with space.and-dash", ("with space", "and-dash")),
    ],
)
def test_path_syntax(path: str, steps: tuple[str | int, ...]) -> None:
    assert parse_path(path) == steps


@pytest.mark.parametrize(
    "path", ["", ".title", "title.", "a..b", "a[x]", "a[-1]", "a[", 'a["b]', "a]", "a" * 300]
)
def test_bad_paths(path: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError: the config check turns it into a message
        parse_path(path)


def test_resolve_returns_none_for_missing_steps() -> None:
    document = {"a": [{"b": 1}]}
    assert resolve(document, ("a", 0, "b")) == 1
    assert resolve(document, ("a", 1, "b")) is None
    assert resolve(document, ("a", "b")) is None
    assert resolve(document, (0,)) is None


def test_validated_config_is_in_its_stored_form_and_stable() -> None:
    validated = validate_generic_config(CONFIG | {"default_severity": "Error"})
    assert validated["summary"] == ["alert.title"]
    assert validated["severity_map"] == {"p1": "critical", "p2": "error"}
    assert validated["default_severity"] == "error"
    assert validate_generic_config(validated) == validated


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([], r"config: expected an object"),
        ({"sumary": "title"}, r"sumary: not a setting; use one of summary, severity, .*"),
        ({"summary": ""}, r"summary: '' is not a path such as alert\.title or alerts\[0\]\.name"),
        ({"link": "a..b"}, r"link: 'a\.\.b' is not a path such as alert\.title or alerts\[0\]\.name"),
        ({"status": 3}, r"status: expected a path or a list of paths"),
        ({"dedup_key": []}, r"dedup_key: expected a path or a list of paths"),
        ({"summary": ["title", 4]}, r"summary: expected a path or a list of paths"),
        ({"severity_map": ["P1"]}, r"severity_map: expected an object"),
        (
            {"severity_map": {"P1": "urgent"}},
            r"severity_map\.P1: 'urgent' is not critical, error, warning or info",
        ),
        ({"default_severity": None}, r"default_severity: 'None' is not critical, error, warning or info"),
        ({"resolved_values": "ok"}, r"resolved_values: expected a list of strings"),
        ({"acknowledged_values": ["ack", 1]}, r"acknowledged_values: expected a list of strings"),
    ],
)
def test_config_errors_name_the_key(config: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        validate_generic_config(config)


def test_a_bad_stored_config_is_refused_at_parse_time_too() -> None:
    with pytest.raises(InvalidInput, match=r"^summary: "):
        parse_webhook("generic", b"{}", headers={}, config={"summary": "a..b"}, now=NOW)


@pytest.mark.parametrize("document", ["text", 3, None, True])
def test_the_body_must_be_an_object_or_a_list(document: Any) -> None:
    with pytest.raises(InvalidInput, match=r"^body: expected an object or a list$"):
        parse(document)
